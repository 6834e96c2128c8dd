/**
 * Why the phone is not signed in, in words the user can act on: no network, a TLS certificate the phone
 * refused, credentials the server refused, or something else, with the network's own reason underneath.
 * Shown as a banner on the idle screen and in Settings → Account.
 */
import { Container } from '../widgets/container.js';
import { Icon } from '../widgets/icon.js';
import type { RegistrationCause, RegistrationView } from './phone-view.js';
import { type ScreenContext, textLine } from './screen-kit.js';

const TLS = /certificate|cert_|self[- ]signed|unable to verify|unable_to_verify|handshake|\btls\b|ssl|x509|hostname\/ip does not match|err_tls/i;
const NETWORK = /enetunreach|ehostunreach|econnrefused|econnreset|etimedout|enotfound|eai_again|network|unreachable|no route|dns|timed? ?out|connection (refused|lost|closed|failed)|socket|offline/i;
const AUTH = /\b(401|403|407)\b|forbidden|unauthori[sz]ed|authentication|credentials|password/i;

/** The cause the app gave, else one read from the reason text (TLS before network: a TLS error mentions the socket too). */
export function registrationCause(r: RegistrationView): RegistrationCause | undefined {
  if (r.state === 'registered') return undefined;
  if (r.cause) return r.cause;
  const reason = r.reason ?? '';
  if (reason === '') return r.state === 'failed' ? 'other' : undefined;
  if (TLS.test(reason)) return 'tls';
  if (AUTH.test(reason)) return 'auth';
  if (NETWORK.test(reason)) return 'network';
  return 'other';
}

const TITLES = { network: 'error.network', tls: 'error.tls' } as const;
const HINTS = { network: 'error.networkHint', tls: 'error.tlsHint' } as const;

/**
 * A two-line banner for no network or a refused certificate (what happened, then the network's reason and
 * what to do); undefined for other problems, which the registration line already says in one line.
 */
export function problemBanner(ctx: ScreenContext): Container | undefined {
  const r = ctx.view.registration;
  const cause = registrationCause(r);
  if (cause !== 'network' && cause !== 'tls') return undefined;
  const c = ctx.theme.colors;
  const box = new Container({ flexDirection: 'row', alignItems: 'center', gap: 12, padding: { x: 14, y: 10 }, flexShrink: 0 });
  box.setStyle({ background: c.danger, radius: 8 });
  const text = new Container({ flexGrow: 1, flexShrink: 1, gap: 2 }).add(
    textLine(ctx.t.t(TITLES[cause]), { color: c.dangerText, fontWeight: 'bold', fontSize: ctx.theme.fontSize.large }),  );
  if (r.reason) text.add(textLine(r.reason, { color: c.dangerText }));
  text.add(textLine(ctx.t.t(HINTS[cause]), { color: c.dangerText, fontSize: ctx.theme.fontSize.small }));
  box.add(new Icon(cause === 'tls' ? 'shield' : 'network', { size: 30, color: c.dangerText }), text);
  return box;
}
