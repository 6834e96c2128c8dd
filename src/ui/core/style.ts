/**
 * Widgets do not carry colors: they name a role ("button", "softkey", …) and the role's style is looked up in
 * the active theme, adjusted for state (pressed, focused, disabled). A widget may override single properties
 * (`widget.styleOverride`) for the rare one-off; the override wins over the theme.
 */
import type { Theme } from './theme.js';

export type Role =
  | 'screen'
  | 'container'
  | 'panel'
  | 'label'
  | 'caption'
  | 'title'
  | 'icon'
  | 'button'
  | 'button-primary'
  | 'button-danger'
  | 'list'
  | 'list-item'
  | 'text-field'
  | 'dial-key'
  | 'status-bar'
  | 'softkey-bar'
  | 'softkey'
  | 'line-key'
  | 'modal'
  | 'toast'
  | 'progress';

export interface Style {
  /** Fill behind the widget; undefined = transparent (parent shows through). */
  background: string | undefined;
  color: string;
  fontSize: number;
  fontWeight: 'normal' | 'bold';
  radius: number;
  borderColor: string | undefined;
  borderWidth: number;
}

export interface WidgetState {
  pressed: boolean;
  focused: boolean;
  disabled: boolean;
}

function base(theme: Theme, role: Role): Style {
  const c = theme.colors;
  const s: Style = {
    background: undefined,
    color: c.text,
    fontSize: theme.fontSize.body,
    fontWeight: 'normal',
    radius: 0,
    borderColor: undefined,
    borderWidth: 0,
  };
  switch (role) {
    case 'screen':
      return { ...s, background: c.background };
    case 'container':
    case 'icon':
    case 'label':
      return s;
    case 'panel':
      return { ...s, background: c.surface, radius: theme.radius.medium, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'caption':
      return { ...s, color: c.textMuted, fontSize: theme.fontSize.small };
    case 'title':
      return { ...s, fontSize: theme.fontSize.title, fontWeight: 'bold' };
    case 'button':
      return { ...s, background: c.surfaceAlt, radius: theme.radius.medium, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'button-primary':
      return { ...s, background: c.primary, color: c.primaryText, radius: theme.radius.medium, fontWeight: 'bold' };
    case 'button-danger':
      return { ...s, background: c.danger, color: c.dangerText, radius: theme.radius.medium, fontWeight: 'bold' };
    case 'list':
      return { ...s, background: c.surface };
    case 'list-item':
      return { ...s, borderColor: c.border, borderWidth: 1 };
    case 'text-field':
      return { ...s, background: c.surface, fontSize: theme.fontSize.large, radius: theme.radius.small, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'dial-key':
      return { ...s, background: c.surface, fontSize: theme.fontSize.dial, radius: theme.radius.medium, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'status-bar':
      return { ...s, background: c.statusBar, color: c.statusBarText, fontSize: theme.fontSize.small };
    case 'softkey-bar':
      return { ...s, background: c.surfaceAlt };
    case 'softkey':
      return { ...s, background: c.softkey, color: c.softkeyText, radius: theme.radius.small, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'line-key':
      return { ...s, background: c.surface, radius: theme.radius.small, borderColor: c.border, borderWidth: theme.borderWidth, fontSize: theme.fontSize.small };
    case 'modal':
      return { ...s, background: c.surface, radius: theme.radius.large, borderColor: c.border, borderWidth: theme.borderWidth };
    case 'toast':
      return { ...s, background: c.toast, color: c.toastText, radius: theme.radius.large };
    case 'progress':
      return { ...s, background: c.track, color: c.primary, radius: theme.radius.small };
  }
}

export function resolveStyle(theme: Theme, role: Role, state: WidgetState, override?: Partial<Style>): Style {
  let s = base(theme, role);
  if (state.pressed && s.background !== undefined) s = { ...s, background: theme.colors.pressed, color: theme.colors.text };
  if (state.disabled) s = { ...s, color: theme.colors.textMuted };
  return override ? { ...s, ...override } : s;
}
