/**
 * A dialog over a dimmed screen: title, message and buttons. While open it receives every touch and key
 * (the screen confines hit testing and focus to it), and focus returns where it was when it closes.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { type KeyCode, softkeyIndex } from '../core/keys.js';
import type { Screen } from '../core/screen.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget } from '../core/widget.js';
import { Button, type ButtonVariant } from './button.js';
import { Label } from './label.js';

export interface ModalButton {
  label: string;
  variant?: ButtonVariant;
  /** Return false to keep the dialog open. */
  onPress?: () => boolean | void;
}

export interface ModalOptions {
  title: string;
  message?: string;
  buttons: readonly ModalButton[];
  width?: number;
}

export class Modal extends Widget {
  readonly panel: Widget;
  readonly buttons: readonly Button[];
  #screen: Screen | undefined;

  constructor(opts: ModalOptions) {
    super('container', { justifyContent: 'center', alignItems: 'center' });
    this.panel = new Widget('modal', { width: opts.width ?? 420, padding: 16, gap: 12, flexDirection: 'column' });
    this.panel.clipsChildren = true;
    this.panel.add(new Label(opts.title, { role: 'title' }));
    if (opts.message) this.panel.add(new Label(opts.message));
    const row = new Widget('container', { flexDirection: 'row', justifyContent: 'end', gap: 8 });
    row.interactive = false;
    this.buttons = opts.buttons.map(
      (b) =>
        new Button(b.label, {
          variant: b.variant ?? 'normal',
          onPress: () => {
            if (b.onPress?.() !== false) this.close();
          },
        }),
    );
    row.add(...this.buttons);
    this.panel.add(row);
    this.add(this.panel);
  }

  open(screen: Screen): void {
    this.#screen = screen;
    screen.openModal(this);
  }

  close(): void {
    this.#screen?.closeModal(this);
    this.#screen = undefined;
  }

  get isOpen(): boolean {
    return this.#screen !== undefined;
  }

  /** Softkeys press the dialog's buttons left to right, so a keypad-only board answers with one key. */
  override handleKey(code: KeyCode): boolean {
    if (super.handleKey(code)) return true;
    const i = softkeyIndex(code);
    const button = i === undefined ? undefined : this.buttons[i - 1];
    if (!button) return false;
    button.activate();
    return true;
  }

  /** The dim layer: the screen behind shows through, darkened. */
  override paint(ctx: SKRSContext2D, _style: Style, theme: Theme): void {
    ctx.fillStyle = theme.colors.overlay;
    ctx.fillRect(0, 0, this.bounds.w, this.bounds.h);
  }
}
