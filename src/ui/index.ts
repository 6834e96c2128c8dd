// The UI toolkit's public surface: screens import from here, not from the files behind it.
export { type Rect, intersect, intersects, union, containsPoint } from './core/rect.js';
export { DamageTracker } from './core/damage.js';
export { type Theme, type ThemeName, type ThemeColors, lightTheme, darkTheme, highContrastTheme, themes, themeByName } from './core/theme.js';
export { type Role, type Style, resolveStyle } from './core/style.js';
export { type LayoutProps } from './core/layout.js';
export { ensureSystemFonts, addFallbackFont, fontFor, measureTextWidth, ellipsize, lineHeight } from './core/text.js';
export { type KeyCode, SOFTKEY_COUNT, LINE_KEY_COUNT, isKeyCode, isDigitKey, softkeyIndex, lineKeyIndex } from './core/keys.js';
export { Widget, type WidgetHost, type WidgetEvents, type LocalPoint, paintBox } from './core/widget.js';
export { Screen, type FocusDirection } from './core/screen.js';
export { Renderer, type RendererOptions } from './core/renderer.js';
export { type Animation, blink, pulse, FrameScheduler } from './core/animation.js';
export { InputRouter, type InputEvent, type PointerAction, type InputStats } from './core/input.js';
export { Ui, type UiOptions } from './core/ui.js';

export { Label, drawText } from './widgets/label.js';
export { Icon, ICON_NAMES, type IconName, type Presence, drawIcon } from './widgets/icon.js';
export { Button, type ButtonVariant } from './widgets/button.js';
export { Container } from './widgets/container.js';
export { List, type ListItem } from './widgets/list.js';
export { TextField } from './widgets/text-field.js';
export { DialPad, DialKey } from './widgets/dial-pad.js';
export { StatusBar, type StatusIndicators } from './widgets/status-bar.js';
export { SoftkeyBar, type SoftkeyDef } from './widgets/softkey-bar.js';
export { LineKeyStrip, LineKey, type LampState, type LampColor, type LineKeyDef } from './widgets/line-key-strip.js';
export { Modal, type ModalButton, type ModalOptions } from './widgets/modal.js';
export { Toast } from './widgets/toast.js';
export { ProgressBar } from './widgets/progress-bar.js';

export { type Display, type PixelReader, type RgbaBlock } from './display/display.js';
export { PngDisplay, encodePng, decodePng } from './display/png-display.js';
export { FbdevDisplay, type FbdevOptions, type PixelFormat, type Rotation, readFramebuffer, rgb565, expandRgb565 } from './display/fbdev-display.js';
export { FrameStream, type Frame, type FrameRect, encodeFrame, decodeFrame } from './display/frame-stream.js';
