/**
 * English, the reference catalog: its keys are the key set every other language must fill (see catalog.ts),
 * and its `{name}` placeholders are the parameters a key takes. A value with `one`/`other` is chosen by
 * the count (Intl.PluralRules), so "1 missed call" and "2 missed calls" need no code in the screens.
 */
export const en = {
  // Registration (the reason is the network's own words and is shown as it came)
  'registration.registered': 'Signed in',
  'registration.registering': 'Signing in…',
  'registration.unregistered': 'Not signed in',
  'registration.failed': 'Sign-in failed',
  'registration.withReason': '{state}: {reason}',

  // Presence
  'presence.available': 'Available',
  'presence.busy': 'Busy',
  'presence.in-conference': 'In a conference',
  'presence.dnd': 'Do not disturb',
  'presence.brb': 'Be right back',
  'presence.away': 'Away',
  'presence.offline': 'Offline',
  'presence.manualHidden': 'Set to {state} (shown when signed in)',

  // Idle
  'idle.missedCalls': { one: '{count} missed call', other: '{count} missed calls' },
  'idle.voicemail': { one: '{count} new voicemail', other: '{count} new voicemails' },
  'idle.voicemailUrgent': { one: '{count} urgent', other: '{count} urgent' },
  'idle.voicemailOld': 'No new voicemail ({count} saved)',
  'idle.forwardAlways': 'All calls forwarded to {target}',
  'idle.dndOn': 'Do not disturb is on',

  // Line keys
  'lineKey.line': 'Line {line}',
  'lineKey.lineWithUser': '{user} · {line}',

  // Dialer
  'dialer.title': 'Dial',
  'dialer.placeholder': 'Enter a number',
  'dialer.preview': 'Calls {number}',
  'dialer.blocked': 'Not dialed: {reason}',

  // Incoming
  'incoming.title': 'Incoming call',
  'incoming.silent': 'Ringing silently (do not disturb)',
  'incoming.forwardedFrom': 'Forwarded from {party}',
  'incoming.forwardedFromReason': 'Forwarded from {party} ({reason})',
  'forwardReason.unconditional': 'always',
  'forwardReason.user-busy': 'busy',
  'forwardReason.no-answer': 'no answer',
  'forwardReason.do-not-disturb': 'do not disturb',
  'forwardReason.deflection': 'deflected',
  'forwardReason.unavailable': 'unavailable',
  'incoming.moreRinging': { one: '{count} more call ringing', other: '{count} more calls ringing' },

  // Who the other party is
  'party.private': 'Private number',
  'party.unknown': 'Unknown caller',

  // In call
  'call.title': 'Call',
  'call.conferenceTitle': 'Conference',
  'call.dialing': 'Calling…',
  'call.ringback': 'Ringing…',
  'call.earlyMedia': 'Connecting…',
  'call.connected': 'Connected',
  'call.onHold': 'On hold',
  'call.remoteHold': 'Holding you',
  'call.muted': 'Microphone off',
  'call.conferenceWith': 'Conference with {first} and {second}',
  'call.waiting': 'Call waiting: {party}',
  'call.otherHeld': 'On hold: {party} · {duration}',
  'call.transferring': 'Transferring to {target}…',
  'call.transferFailed': 'Transfer to {target} failed: {reason}',

  // Softkeys
  'softkey.answer': 'Answer',
  'softkey.reject': 'Reject',
  'softkey.forward': 'Forward',
  'softkey.end': 'End',
  'softkey.hold': 'Hold',
  'softkey.resume': 'Resume',
  'softkey.mute': 'Mute',
  'softkey.unmute': 'Unmute',
  'softkey.transfer': 'Transfer',
  'softkey.conference': 'Conference',
  'softkey.swap': 'Swap',
  'softkey.dial': 'Dial',
  'softkey.delete': 'Delete',
  'softkey.cancel': 'Cancel',
  'softkey.contacts': 'Contacts',
  'softkey.callLog': 'Calls',
  'softkey.presence': 'Status',
  'softkey.menu': 'Menu',
  'softkey.redial': 'Redial',
} as const;
