/**
 * The strip along the top: title (account or screen name) on the left, indicators and the clock on the
 * right. Each part is its own widget, so a clock tick repaints the clock's rectangle only.
 */
import { Icon, type Presence } from './icon.js';
import { Label } from './label.js';
import { Widget } from '../core/widget.js';

export interface StatusIndicators {
  dnd?: boolean;
  mute?: boolean;
  /** Waiting voicemail messages; 0 hides the indicator. */
  voicemail?: number;
  presence?: Presence;
}

export class StatusBar extends Widget {
  readonly title: Label;
  readonly clock: Label;
  readonly #dnd: Icon;
  readonly #mute: Icon;
  readonly #voicemail: Icon;
  readonly #voicemailCount: Label;
  readonly #presence: Icon;

  constructor(title = '', opts: { height?: number } = {}) {
    super('status-bar', { flexDirection: 'row', alignItems: 'center', height: opts.height ?? 32, padding: { x: 10 }, gap: 8, flexShrink: 0 });
    this.interactive = false;
    this.#presence = new Icon('presence', { size: 14 });
    this.title = new Label(title, { flexGrow: 1, flexShrink: 1 });
    this.#dnd = new Icon('dnd', { size: 18 });
    this.#mute = new Icon('mute', { size: 18 });
    this.#voicemail = new Icon('voicemail', { size: 20 });
    this.#voicemailCount = new Label('');
    this.clock = new Label('', { minWidth: 44, align: 'right' });
    this.add(this.#presence, this.title, this.#dnd, this.#mute, this.#voicemail, this.#voicemailCount, this.clock);
    this.setIndicators({});
  }

  setTitle(text: string): void {
    this.title.text = text;
  }

  setClock(text: string): void {
    this.clock.text = text;
  }

  setIndicators(ind: StatusIndicators): void {
    this.#dnd.visible = ind.dnd === true;
    this.#mute.visible = ind.mute === true;
    const vm = Number.isFinite(ind.voicemail) ? Math.max(0, Math.floor(ind.voicemail!)) : 0;
    this.#voicemail.visible = vm > 0;
    this.#voicemailCount.visible = vm > 0;
    this.#voicemailCount.text = vm > 99 ? '99+' : String(vm);
    this.#presence.visible = ind.presence !== undefined;
    if (ind.presence) this.#presence.presence = ind.presence;
  }
}
