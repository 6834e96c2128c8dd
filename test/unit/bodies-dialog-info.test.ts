/**
 * dialog-info (RFC 4235): the RFC's example, Asterisk and FreeSWITCH BLF bodies, the lamp mapping, and
 * full/partial state handling.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDialogInfo, lampState, parseDialogInfo, type DialogInfo, type DialogState } from '../../src/sip/bodies/dialog-info.js';

function parsed(text: string): DialogInfo {
  const r = parseDialogInfo(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

// RFC 4235 §5 (first example).
const RFC_EXAMPLE = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:alice@example.com">
  <dialog id="as7d900as8" call-id="a84b4c76e66710" local-tag="1928301774" direction="initiator">
    <state>early</state>
  </dialog>
</dialog-info>`;

// RFC 4235 §5 (the full participant example).
const RFC_FULL = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:alice@example.com">
  <dialog id="as7d900as8" call-id="a84b4c76e66710" local-tag="1928301774" remote-tag="456887766" direction="initiator">
    <state event="replaced">confirmed</state>
    <duration>274</duration>
    <local>
      <identity display="Alice">sip:alice@example.com</identity>
      <target uri="sip:alice@pc33.example.com">
        <param pname="+sip.rendering" pval="yes"/>
      </target>
    </local>
    <remote>
      <identity display="Bob">sip:bob@example.org</identity>
      <target uri="sip:bobster@phone21.example.org"/>
    </remote>
  </dialog>
</dialog-info>`;

// Asterisk (res_pjsip_dialog_info_body_generator) for a ringing extension.
const ASTERISK_RINGING = `<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:201@pbx.example.com">
 <dialog id="201" direction="recipient">
  <state>early</state>
 </dialog>
</dialog-info>`;

const asterisk = (state: string, version = 4): string => `<?xml version="1.0" encoding="UTF-8"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="sip:201@pbx.example.com">
 <dialog id="201">
  <state>${state}</state>
 </dialog>
</dialog-info>`;

// FreeSWITCH mod_sofia BLF for a ringing extension (with pickup target).
const FREESWITCH_RINGING = `<?xml version="1.0"?>
<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="7" state="full" entity="sip:1001@10.0.0.5">
<dialog id="e8f6b1d4-5c7a-4f0e-9a1b-2b3c4d5e6f70" direction="recipient">
<state>early</state>
<local>
<identity display="1001">sip:1001@10.0.0.5</identity>
<target uri="sip:1001@10.0.0.5">
<param pname="+sip.rendering" pvalue="no"/>
</target>
</local>
<remote>
<identity display="Extension 1000">sip:1000@10.0.0.5</identity>
<target uri="sip:**1001@10.0.0.5"/>
</remote>
</dialog>
</dialog-info>`;

test('RFC 4235 full example: every field read', () => {
  assert.deepEqual(parsed(RFC_FULL), {
    entity: 'sip:alice@example.com',
    version: 1,
    state: 'full',
    dialogs: [{
      id: 'as7d900as8', callId: 'a84b4c76e66710', localTag: '1928301774', remoteTag: '456887766', direction: 'initiator',
      state: 'confirmed', event: 'replaced',
      local: { identity: 'sip:alice@example.com', display: 'Alice', target: 'sip:alice@pc33.example.com' },
      remote: { identity: 'sip:bob@example.org', display: 'Bob', target: 'sip:bobster@phone21.example.org' },
    }],
  });
  assert.equal(lampState(parsed(RFC_FULL)), 'busy');
});

test('an outgoing early dialog is busy, an incoming one rings', () => {
  assert.equal(lampState(parsed(RFC_EXAMPLE)), 'busy');
  assert.equal(lampState(parsed(ASTERISK_RINGING)), 'ringing');
});

test('Asterisk device states map to the lamp (no direction given)', () => {
  const lamp: Record<string, string> = { terminated: 'idle', early: 'ringing', proceeding: 'ringing', confirmed: 'busy', trying: 'busy' };
  for (const [state, expected] of Object.entries(lamp)) assert.equal(lampState(parsed(asterisk(state))), expected, state);
});

test('FreeSWITCH ringing with the pickup target', () => {
  const info = parsed(FREESWITCH_RINGING);
  assert.equal(lampState(info), 'ringing');
  assert.deepEqual(info.dialogs[0]?.remote, { identity: 'sip:1000@10.0.0.5', display: 'Extension 1000', target: 'sip:**1001@10.0.0.5' });
});

test('no dialogs is idle; ringing wins over a confirmed call', () => {
  assert.equal(lampState(parsed('<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:x@y"/>')), 'idle');
  const both = `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="2" state="full" entity="sip:x@y">
    <dialog id="a"><state>confirmed</state></dialog><dialog id="b" direction="recipient"><state>early</state></dialog></dialog-info>`;
  assert.equal(lampState(parsed(both)), 'ringing');
});

test('participant with only a target uses it as identity; unknown direction is dropped', () => {
  const info = parsed(`<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="1" state="full" entity="sip:x@y">
    <dialog id="a" direction="sideways"><state>confirmed</state><remote><target uri="sip:t@h"/></remote><local/></dialog></dialog-info>`);
  assert.deepEqual(info.dialogs[0], { id: 'a', state: 'confirmed', remote: { identity: 'sip:t@h', target: 'sip:t@h' } });
});

test('malformed dialog-info is refused with the reason', () => {
  const wrap = (attrs: string, inner = ''): string => `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" ${attrs}>${inner}</dialog-info>`;
  const cases: [string, RegExp][] = [
    [wrap('version="1" state="full"'), /no entity/],
    [wrap('version="-1" state="full" entity="sip:x@y"'), /version/],
    [wrap('version="1" state="whole" entity="sip:x@y"'), /state must be/],
    [wrap('version="1" state="full" entity="sip:x@y"', '<dialog><state>early</state></dialog>'), /no id/],
    [wrap('version="1" state="full" entity="sip:x@y"', '<dialog id="a"><state>ringing</state></dialog>'), /dialog a: state must be/],
    [wrap('version="1" state="full" entity="sip:x@y"', '<dialog id="a"/>'), /state must be/],
    ['<dialog-info version="1" state="full" entity="sip:x@y"/>', /not dialog-info/],
  ];
  for (const [text, error] of cases) {
    const r = parseDialogInfo(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.error, error);
  }
});

const doc = (version: number, state: 'full' | 'partial', dialogs: [string, DialogState][]): DialogInfo => ({
  entity: 'sip:x@y', version, state, dialogs: dialogs.map(([id, s]) => ({ id, state: s })),
});

test('applyDialogInfo: full replaces, partial updates by id and drops terminated, gaps and orphans ask for a resubscribe', () => {
  const full = applyDialogInfo(undefined, doc(5, 'full', [['a', 'confirmed'], ['b', 'terminated']]));
  assert.ok(full.ok);
  assert.deepEqual(full.value.dialogs.map((d) => d.id), ['a']);
  const next = applyDialogInfo(full.value, doc(6, 'partial', [['a', 'terminated'], ['c', 'early']]));
  assert.ok(next.ok);
  assert.deepEqual(next.value.dialogs.map((d) => [d.id, d.state]), [['c', 'early']]);
  assert.equal(next.value.version, 6);
  assert.equal(lampState(next.value), 'ringing');

  const stale = applyDialogInfo(next.value, doc(6, 'full', []));
  assert.ok(stale.ok);
  assert.equal(stale.value, next.value, 'a repeated version is ignored');
  const gap = applyDialogInfo(next.value, doc(8, 'partial', []));
  assert.equal(gap.ok, false);
  if (!gap.ok) assert.match(gap.error, /jumped from 6 to 8: resubscribe/);
  const orphan = applyDialogInfo(undefined, doc(1, 'partial', []));
  assert.equal(orphan.ok, false);
  const jump = applyDialogInfo(next.value, doc(20, 'full', [['z', 'confirmed']]));
  assert.ok(jump.ok);
  assert.deepEqual(jump.value.dialogs.map((d) => d.id), ['z'], 'a full document may skip versions');
});
