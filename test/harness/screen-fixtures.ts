// Fixed phone states for the UI screen tests (goldens and behaviour): one moment in time, one user, a few
// colleagues, calls and log entries, so every screen draws the same pixels on every run.
import type { CallControlSnapshot, CallView } from '../../src/phone/call-control.js';
import type { CallLogEntry } from '../../src/phone/call-log.js';
import type { ColleaguesSnapshot } from '../../src/phone/colleagues.js';
import type { DirectoryEntry } from '../../src/phone/directory.js';
import type { PresenceState } from '../../src/phone/presence.js';
import { lightTheme } from '../../src/ui/core/theme.js';
import type { PhoneView } from '../../src/ui/screens/phone-view.js';
import type { Widget } from '../../src/ui/core/widget.js';
import { Label } from '../../src/ui/widgets/label.js';

/** 09:41 on Wednesday 25 November 2026 in Seoul. */
export const NOW = Date.UTC(2026, 10, 25, 0, 41, 0);
export const SECOND = 1000;

export function call(over: Partial<CallView> & Pick<CallView, 'id' | 'line' | 'state' | 'remote'>): CallView {
  return { direction: 'incoming', held: false, remoteHold: false, muted: false, conference: false, silent: false, startedAt: NOW - 60 * SECOND, dtmfReceived: '', ...over };
}

export function calls(list: CallView[], over: Partial<CallControlSnapshot> = {}): CallControlSnapshot {
  return { lines: 3, calls: list, muted: list.some((c) => c.muted && !c.held), offHook: false, dnd: false, forwarding: {}, ...over };
}

export const PRESENCE: PresenceState = {
  state: 'available',
  source: 'automatic',
  availability: 3500,
  activity: 'Available',
  rpid: { basic: 'open', activities: [] },
  note: 'Lab until 11',
  since: NOW - 3_600 * SECOND,
};

export const COLLEAGUES: ColleaguesSnapshot = {
  contacts: [
    { name: 'Bob Marsh', uri: 'sip:bob@example.com', lamp: 'busy', presence: { state: 'busy', note: 'Budget review', canIm: true } },
    { name: 'Carol Nguyen', uri: 'sip:carol@example.com', lamp: 'idle', presence: { state: 'available', canIm: false } },
    { name: '박서준', uri: 'sip:seojun@example.com', lamp: 'ringing', presence: { state: 'away', canIm: true } },
    { name: 'Dave Okafor', uri: 'sip:dave@example.com', presence: { state: 'dnd', note: 'Interviewing' } },
    { name: 'Front desk', uri: 'sip:1000@example.com', presence: { state: 'offline', canIm: false } },
  ],
  messages: { waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 1 },
  otherDevices: [],
};

export const BOB = { uri: 'sip:1002@example.com', name: 'Bob Marsh', number: '1002' };
export const DAVE = { uri: 'sip:dave@example.com', name: 'Dave Okafor' };
export const ERIN = { uri: 'sip:1005@example.com', number: '1005' };

function logEntry(id: number, over: Partial<CallLogEntry> & Pick<CallLogEntry, 'direction' | 'outcome' | 'remoteUri' | 'startedAt'>): CallLogEntry {
  return { id, endedAt: over.startedAt + 60 * SECOND, durationS: 0, seen: true, ...over };
}

export const CALL_LOG: readonly CallLogEntry[] = [
  logEntry(6, { direction: 'incoming', outcome: 'missed', remoteUri: 'sip:1002@example.com', remoteName: 'Bob Marsh', remoteNumber: '1002', startedAt: NOW - 4 * 60 * SECOND, seen: false }),
  logEntry(5, { direction: 'outgoing', outcome: 'answered', remoteUri: 'sip:+82221234567@example.com', remoteNumber: '+82 2 1234 567', startedAt: NOW - 50 * 60 * SECOND, answeredAt: NOW - 49 * 60 * SECOND, durationS: 372 }),
  logEntry(4, { direction: 'incoming', outcome: 'answered', remoteUri: 'sip:seojun@example.com', remoteName: '박서준', remoteNumber: '1007', startedAt: NOW - 3 * 3600 * SECOND, answeredAt: NOW - 3 * 3600 * SECOND, durationS: 95 }),
  logEntry(3, { direction: 'incoming', outcome: 'rejected', remoteUri: 'sip:1005@example.com', remoteNumber: '1005', startedAt: NOW - 20 * 3600 * SECOND }),
  logEntry(2, { direction: 'incoming', outcome: 'missed', remoteUri: 'sip:dave@example.com', remoteName: 'Dave Okafor', startedAt: NOW - 30 * 3600 * SECOND }),
  logEntry(1, { direction: 'outgoing', outcome: 'busy', remoteUri: 'sip:carol@example.com', remoteName: 'Carol Nguyen', startedAt: NOW - 5 * 86400 * SECOND }),
];

export const DIRECTORY_RESULTS: readonly DirectoryEntry[] = [
  { source: 'ldap', id: 'cn=kim1', name: 'Kim Minji', title: 'Product manager', department: 'Devices', numbers: [{ kind: 'work', number: '02-555-0101', normalized: '+8225550101' }] },
  { source: 'ldap', id: 'cn=kim2', name: 'Kimberly Hart', title: 'Support engineer', department: 'Customer care', numbers: [{ kind: 'mobile', number: '010 1234 5678', normalized: '+821012345678' }] },
  { source: 'carddav', id: 'k3', name: 'Kim Jisoo', numbers: [{ kind: 'home', number: '031 555 0199', normalized: '+82315550199' }] },
];

export function baseView(over: Partial<PhoneView> = {}): PhoneView {
  return {
    registration: { state: 'registered', aor: 'sip:alice@example.com', displayName: 'Alice Kim', contact: 'sip:alice@192.0.2.15:5061;transport=tls', server: 'sip:pbx.example.com;transport=tls', expires: 3600 },
    calls: calls([]),
    presence: PRESENCE,
    colleagues: COLLEAGUES,
    dialer: { digits: '', preview: '' },
    now: NOW,
    locale: 'en',
    theme: lightTheme,
    timeZone: 'Asia/Seoul',
    missedCalls: 1,
    settings: { ringVolumeDb: -6, adminPinSet: true, adminUnlocked: false },
    lock: { locked: false, pinSet: true },
    ...over,
  };
}

/** Every label's text on the screen, in tree order (what the screen says, without reading pixels). */
export function screenTexts(root: Widget): string[] {
  const out: string[] = [];
  const walk = (w: Widget): void => {
    if (!w.visible) return;
    if (w instanceof Label && w.text !== '') out.push(w.text);
    for (const c of w.children) walk(c);
  };
  walk(root);
  return out;
}
