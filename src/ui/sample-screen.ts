/**
 * A reference composition of the toolkit (status bar, line keys, entry field, contact list, dial pad,
 * softkeys): what the golden-image tests and the render bench draw, and a template for the phone's screens.
 * It holds no phone state; every value is a constructor argument.
 */
import type { Screen } from './core/screen.js';
import { Container } from './widgets/container.js';
import { DialPad } from './widgets/dial-pad.js';
import { LineKeyStrip } from './widgets/line-key-strip.js';
import { List, type ListItem } from './widgets/list.js';
import { ProgressBar } from './widgets/progress-bar.js';
import { SoftkeyBar } from './widgets/softkey-bar.js';
import { StatusBar } from './widgets/status-bar.js';
import { TextField } from './widgets/text-field.js';

export interface SampleScreen {
  status: StatusBar;
  lineKeys: LineKeyStrip;
  entry: TextField;
  contacts: List;
  dialPad: DialPad;
  softkeys: SoftkeyBar;
  level: ProgressBar;
}

export const SAMPLE_CONTACTS: readonly ListItem[] = [
  { id: 'bob', primary: 'Bob Marsh', secondary: 'ext. 1002 · Sales', icon: 'presence', presence: 'available' },
  { id: 'carol', primary: 'Carol Nguyen', secondary: 'ext. 1003 · Support', icon: 'presence', presence: 'busy' },
  { id: 'dave', primary: 'Dave Okafor', secondary: 'ext. 1004 · Lab', icon: 'presence', presence: 'away' },
  { id: 'erin', primary: 'Erin Lindqvist-Montgomery, Facilities and Buildings', secondary: 'ext. 1005', icon: 'presence', presence: 'offline' },
  { id: 'vm', primary: 'Voicemail', icon: 'voicemail' },
  { id: 'frank', primary: 'Frank Ito', secondary: 'ext. 1006', icon: 'presence', presence: 'available' },
];

/** Builds the sample under `screen` (which should be 800 × 480). `onAction` receives softkey and key names. */
export function buildSampleScreen(screen: Screen, onAction: (what: string) => void = () => undefined): SampleScreen {
  const status = new StatusBar('alice@example.com');
  status.setClock('09:41');
  status.setIndicators({ presence: 'available', voicemail: 2, dnd: false, mute: true });

  const lineKeys = new LineKeyStrip(6, { onPress: (i) => onAction(`line${i}`) });
  lineKeys.key(1)?.set({ label: 'alice (1001)', lamp: 'on' });
  lineKeys.key(2)?.set({ label: 'Bob Marsh', lamp: 'on', color: 'red' });
  lineKeys.key(3)?.set({ label: 'Carol Nguyen', lamp: 'off' });
  lineKeys.key(4)?.set({ label: 'Reception', lamp: 'off' });
  lineKeys.key(5)?.set({ label: 'Park 1', lamp: 'off' });
  lineKeys.key(6)?.set({ label: 'Night mode', lamp: 'off' });

  const entry = new TextField({ placeholder: 'Enter a number', value: '' });
  const contacts = new List(SAMPLE_CONTACTS, { rowHeight: 50, onSelect: (item) => onAction(`contact:${item.id}`) });
  const level = new ProgressBar(0.6, { height: 8 });
  const middle = new Container({ flexGrow: 1, flexShrink: 1, padding: 8, gap: 8 }).add(entry, contacts, level);

  const dialPad = new DialPad({ width: 250, padding: 8, onDigit: (d) => entry.insert(d) });

  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1 }).add(lineKeys, middle, dialPad);

  const softkeys = new SoftkeyBar();
  softkeys.setKeys([
    { label: 'Redial', onPress: () => onAction('redial') },
    { label: 'Contacts', onPress: () => onAction('contacts') },
    undefined,
    { label: 'More', onPress: () => onAction('more') },
  ]);

  screen.add(status, body, softkeys);
  // Softkeys and line keys act whatever has focus: the screen's key handler is the last stop of bubbling.
  screen.on('key', (code) => softkeys.handleSoftkey(code) || lineKeys.handleLineKey(code));
  return { status, lineKeys, entry, contacts, dialPad, softkeys, level };
}
