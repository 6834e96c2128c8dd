/**
 * Vector glyphs drawn with paths on a 24-unit grid, scaled to the widget's box: crisp at any size and no
 * image files to ship. The color comes from the role's text color unless given.
 */
import { Path2D, type SKRSContext2D } from '@napi-rs/canvas';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget } from '../core/widget.js';

export const ICON_NAMES = [
  'phone',
  'hangup',
  'hold',
  'mute',
  'dnd',
  'voicemail',
  'presence',
  'speaker',
  'headset',
  'transfer',
  'conference',
  'redial',
  'message',
  'backspace',
  'check',
  'close',
  'chevron',
  'search',
  'settings',
  'lock',
  'person',
  'history',
  'forward',
  'chat',
  'network',
  'volume',
  'display',
  'shield',
  'warning',
  'keyboard',
] as const;
export type IconName = (typeof ICON_NAMES)[number];

export type Presence = 'available' | 'busy' | 'away' | 'offline';

export interface IconOptions extends LayoutProps {
  size?: number;
  /** Explicit color (theme token value); default: the role's text color. */
  color?: string;
  /** For 'presence': which status color fills the dot. */
  presence?: Presence;
}

export class Icon extends Widget {
  #name: IconName;
  #color: string | undefined;
  #presence: Presence;

  constructor(name: IconName, opts: IconOptions = {}) {
    const size = opts.size ?? 24;
    super('icon', { width: size, height: size, ...opts });
    this.#name = name;
    this.#color = opts.color;
    this.#presence = opts.presence ?? 'available';
    this.interactive = false;
    this.inheritsColor = true;
  }

  get name(): IconName {
    return this.#name;
  }

  set name(n: IconName) {
    if (n === this.#name) return;
    this.#name = n;
    this.invalidate();
  }

  set color(c: string | undefined) {
    if (c === this.#color) return;
    this.#color = c;
    this.invalidate();
  }

  set presence(p: Presence) {
    if (p === this.#presence) return;
    this.#presence = p;
    this.invalidate();
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const color = this.#name === 'presence' ? presenceColor(theme, this.#presence) : (this.#color ?? style.color);
    drawIcon(ctx, this.#name, 0, 0, Math.min(this.bounds.w, this.bounds.h), color);
  }
}

export function presenceColor(theme: Theme, p: Presence): string {
  const c = theme.colors;
  return p === 'available' ? c.presenceAvailable : p === 'busy' ? c.presenceBusy : p === 'away' ? c.presenceAway : c.presenceOffline;
}

const HANDSET =
  'M6.6 10.8c1.4 2.8 3.8 5.1 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1C10.6 21 3 13.4 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z';

// Parsing SVG path data costs more than filling it: parse each glyph once.
const paths = new Map<string, Path2D>();
function P(d: string): Path2D {
  let p = paths.get(d);
  if (!p) paths.set(d, (p = new Path2D(d)));
  return p;
}

/** Draws a glyph into the square (x, y, size). Unknown names draw nothing (names are typed anyway). */
export function drawIcon(ctx: SKRSContext2D, name: IconName, x: number, y: number, size: number, color: string): void {
  ctx.save();
  ctx.translate(x, y);
  ctx.scale(size / 24, size / 24);
  ctx.fillStyle = color;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  switch (name) {
    case 'phone':
      ctx.fill(P(HANDSET));
      break;
    case 'hangup':
      ctx.translate(12, 13);
      ctx.rotate((135 * Math.PI) / 180);
      ctx.translate(-12, -12);
      ctx.fill(P(HANDSET));
      break;
    case 'hold':
      ctx.fillRect(6, 5, 4, 14);
      ctx.fillRect(14, 5, 4, 14);
      break;
    case 'mute':
      ctx.stroke(P('M12 3a3 3 0 0 1 3 3v5a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM6 11a6 6 0 0 0 12 0M12 17v4M8 21h8'));
      ctx.stroke(P('M4 4l16 16'));
      break;
    case 'dnd':
      ctx.beginPath();
      ctx.arc(12, 12, 9, 0, Math.PI * 2);
      ctx.fill();
      ctx.clearRect(6, 10.5, 12, 3);
      break;
    case 'voicemail':
      ctx.beginPath();
      ctx.arc(6.5, 12, 4, 0, Math.PI * 2);
      ctx.moveTo(21.5, 12);
      ctx.arc(17.5, 12, 4, 0, Math.PI * 2);
      ctx.moveTo(6.5, 16);
      ctx.lineTo(17.5, 16);
      ctx.stroke();
      break;
    case 'presence':
      ctx.beginPath();
      ctx.arc(12, 12, 8, 0, Math.PI * 2);
      ctx.fill();
      break;
    case 'speaker':
      ctx.fill(P('M3 9h4l5-4v14l-5-4H3z'));
      ctx.stroke(P('M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12'));
      break;
    case 'headset':
      ctx.stroke(P('M4 15v-3a8 8 0 0 1 16 0v3'));
      ctx.fill(P('M3 14h4v6H4a1 1 0 0 1-1-1zM17 14h4v5a1 1 0 0 1-1 1h-3z'));
      break;
    case 'transfer':
      ctx.stroke(P('M4 8h14M14 4l4 4-4 4M20 16H6M10 12l-4 4 4 4'));
      break;
    case 'conference':
      ctx.beginPath();
      ctx.arc(8, 8, 3, 0, Math.PI * 2);
      ctx.moveTo(19, 8);
      ctx.arc(16, 8, 3, 0, Math.PI * 2);
      ctx.fill();
      ctx.fill(P('M2 19a6 6 0 0 1 12 0zM10 19a6 6 0 0 1 12 0z'));
      break;
    case 'redial':
      ctx.stroke(P('M20 12a8 8 0 1 1-2.3-5.7'));
      ctx.fill(P('M21 3v7h-7z'));
      break;
    case 'message':
      ctx.stroke(P('M3 6h18v12H3zM3 6l9 7 9-7'));
      break;
    case 'backspace':
      ctx.stroke(P('M8 5h12v14H8l-6-7zM11 9l6 6M17 9l-6 6'));
      break;
    case 'check':
      ctx.stroke(P('M4 12l5 5L20 6'));
      break;
    case 'close':
      ctx.stroke(P('M5 5l14 14M19 5L5 19'));
      break;
    case 'chevron':
      ctx.stroke(P('M9 5l7 7-7 7'));
      break;
    case 'search':
      ctx.beginPath();
      ctx.arc(10.5, 10.5, 6.5, 0, Math.PI * 2);
      ctx.stroke();
      ctx.lineWidth = 2.5;
      ctx.stroke(P('M15.5 15.5L21 21'));
      break;
    case 'settings':
      // A gear: eight teeth around a ring.
      for (let i = 0; i < 8; i++) {
        ctx.save();
        ctx.translate(12, 12);
        ctx.rotate((i * Math.PI) / 4);
        ctx.fillRect(-1.8, -10.5, 3.6, 4);
        ctx.restore();
      }
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(12, 12, 6, 0, Math.PI * 2);
      ctx.stroke();
      break;
    case 'lock':
      ctx.stroke(P('M7.5 11V8a4.5 4.5 0 0 1 9 0v3'));
      ctx.fill(P('M5 11h14v10H5z'));
      break;
    case 'person':
      ctx.beginPath();
      ctx.arc(12, 8, 4.5, 0, Math.PI * 2);
      ctx.fill();
      ctx.fill(P('M3.5 21a8.5 8.5 0 0 1 17 0z'));
      break;
    case 'history':
      ctx.beginPath();
      ctx.arc(12, 12, 9, 0, Math.PI * 2);
      ctx.stroke();
      ctx.stroke(P('M12 7v5l3.5 2.5'));
      break;
    case 'forward':
      ctx.stroke(P('M4 18v-3a6 6 0 0 1 6-6h10M15 4l5 5-5 5'));
      break;
    case 'chat':
      ctx.stroke(P('M4 5h16v11H10l-5 4v-4H4z'));
      break;
    case 'network':
      ctx.stroke(P('M12 3v5M5 8h14M5 8v4M19 8v4M12 8v4'));
      ctx.fill(P('M2 12h6v6H2zM9 12h6v6H9zM16 12h6v6h-6z'));
      break;
    case 'volume':
      ctx.fill(P('M3 9h4l5-4v14l-5-4H3z'));
      ctx.stroke(P('M16 9.5a3.5 3.5 0 0 1 0 5'));
      break;
    case 'display':
      ctx.stroke(P('M3 4h18v12H3zM8 20h8M12 16v4'));
      break;
    case 'shield':
      ctx.stroke(P('M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z'));
      break;
    case 'warning':
      ctx.stroke(P('M12 3L2 20h20zM12 10v4'));
      ctx.beginPath();
      ctx.arc(12, 17, 1.2, 0, Math.PI * 2);
      ctx.fill();
      break;
    case 'keyboard':
      ctx.stroke(P('M2 6h20v12H2z'));
      ctx.fill(P('M5 9h2v2H5zM9 9h2v2H9zM13 9h2v2h-2zM17 9h2v2h-2zM7 14h10v1.5H7z'));
      break;
  }
  ctx.restore();
}
