/**
 * Design tokens: every color, font size, radius and spacing a widget paints with comes from the active theme,
 * so switching light → dark → high contrast is one assignment and needs no widget code.
 */

export interface ThemeColors {
  background: string;
  surface: string;
  surfaceAlt: string;
  text: string;
  textMuted: string;
  textInverse: string;
  primary: string;
  primaryText: string;
  danger: string;
  dangerText: string;
  success: string;
  warning: string;
  border: string;
  focus: string;
  pressed: string;
  statusBar: string;
  statusBarText: string;
  softkey: string;
  softkeyText: string;
  lampOn: string;
  lampOff: string;
  lampAlert: string;
  overlay: string;
  toast: string;
  toastText: string;
  track: string;
  /** Presence colors (available, busy, away, dnd, offline). */
  presenceAvailable: string;
  presenceBusy: string;
  presenceAway: string;
  presenceOffline: string;
}

export interface Theme {
  readonly name: ThemeName;
  readonly colors: ThemeColors;
  readonly fontSize: { small: number; body: number; large: number; title: number; dial: number };
  readonly radius: { small: number; medium: number; large: number };
  readonly spacing: { xs: number; s: number; m: number; l: number };
  /** Width of the focus ring: keypad-only boards rely on it, so high contrast makes it thicker. */
  readonly focusWidth: number;
  readonly borderWidth: number;
}

export type ThemeName = 'light' | 'dark' | 'high-contrast';

const shared = {
  fontSize: { small: 13, body: 16, large: 20, title: 22, dial: 28 },
  radius: { small: 4, medium: 8, large: 14 },
  spacing: { xs: 2, s: 4, m: 8, l: 16 },
};

export const lightTheme: Theme = {
  name: 'light',
  ...shared,
  focusWidth: 2,
  borderWidth: 1,
  colors: {
    background: '#f3f5f8',
    surface: '#ffffff',
    surfaceAlt: '#e6eaf0',
    text: '#1b1f24',
    textMuted: '#5d6673',
    textInverse: '#ffffff',
    primary: '#1d6fd6',
    primaryText: '#ffffff',
    danger: '#c8322b',
    dangerText: '#ffffff',
    success: '#1f9d4c',
    warning: '#d98a00',
    border: '#c5ccd6',
    focus: '#ff8a00',
    pressed: '#cdd7e4',
    statusBar: '#22344d',
    statusBarText: '#ffffff',
    softkey: '#dfe5ec',
    softkeyText: '#1b1f24',
    lampOn: '#1f9d4c',
    lampOff: '#b9c1cc',
    lampAlert: '#e0392f',
    overlay: 'rgba(0,0,0,0.45)',
    toast: '#2c323a',
    toastText: '#ffffff',
    track: '#d5dbe3',
    presenceAvailable: '#1f9d4c',
    presenceBusy: '#d6302a',
    presenceAway: '#e0a200',
    presenceOffline: '#9aa3ae',
  },
};

export const darkTheme: Theme = {
  name: 'dark',
  ...shared,
  focusWidth: 2,
  borderWidth: 1,
  colors: {
    background: '#121417',
    surface: '#1e2227',
    surfaceAlt: '#2a3037',
    text: '#e9edf2',
    textMuted: '#9aa4b1',
    textInverse: '#121417',
    primary: '#3d8bfd',
    primaryText: '#ffffff',
    danger: '#e5534b',
    dangerText: '#ffffff',
    success: '#3fb950',
    warning: '#e3a008',
    border: '#3a424c',
    focus: '#ffa63d',
    pressed: '#37414d',
    statusBar: '#0a0c0e',
    statusBarText: '#e9edf2',
    softkey: '#2a3037',
    softkeyText: '#e9edf2',
    lampOn: '#3fb950',
    lampOff: '#48515c',
    lampAlert: '#ff5a4f',
    overlay: 'rgba(0,0,0,0.6)',
    toast: '#e9edf2',
    toastText: '#121417',
    track: '#2f363e',
    presenceAvailable: '#3fb950',
    presenceBusy: '#f85149',
    presenceAway: '#e3a008',
    presenceOffline: '#6e7681',
  },
};

/** Pure black and white with saturated accents, larger type and a thick focus ring. */
export const highContrastTheme: Theme = {
  name: 'high-contrast',
  fontSize: { small: 16, body: 19, large: 23, title: 26, dial: 32 },
  radius: { small: 0, medium: 2, large: 4 },
  spacing: shared.spacing,
  focusWidth: 4,
  borderWidth: 2,
  colors: {
    background: '#000000',
    surface: '#000000',
    surfaceAlt: '#000000',
    text: '#ffffff',
    textMuted: '#ffffff',
    textInverse: '#000000',
    primary: '#ffff00',
    primaryText: '#000000',
    danger: '#ff3030',
    dangerText: '#000000',
    success: '#00ff00',
    warning: '#ffff00',
    border: '#ffffff',
    focus: '#00ffff',
    pressed: '#404040',
    statusBar: '#000000',
    statusBarText: '#ffffff',
    softkey: '#000000',
    softkeyText: '#ffffff',
    lampOn: '#00ff00',
    lampOff: '#404040',
    lampAlert: '#ff3030',
    overlay: 'rgba(0,0,0,0.8)',
    toast: '#ffffff',
    toastText: '#000000',
    track: '#404040',
    presenceAvailable: '#00ff00',
    presenceBusy: '#ff3030',
    presenceAway: '#ffff00',
    presenceOffline: '#808080',
  },
};

export const themes: Readonly<Record<ThemeName, Theme>> = {
  light: lightTheme,
  dark: darkTheme,
  'high-contrast': highContrastTheme,
};

/** Looks a theme up by its config name; an unknown name is an error that lists the valid ones. */
export function themeByName(name: string): Theme {
  const t = (themes as Record<string, Theme | undefined>)[name];
  if (!t) throw new Error(`unknown theme "${name}" (expected one of: ${Object.keys(themes).join(', ')})`);
  return t;
}
