// Forking rules of the dev PBX's proxy (sim/pbx/proxy.ts, RFC 3261 16.7) with fake transactions: which answer
// goes upstream (every 2xx, else 6xx, else the lowest class; 503 becomes 500; a dead branch counts as 408),
// when branches are CANCELed (after a 2xx or 6xx, on the caller's CANCEL — but never before a provisional), and
// the hop-by-hop ACK for non-2xx finals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, getHeaderValues, makeResponse, type SipRequest, type SipResponse } from '../../sim/pbx/message.js';
import { Proxy } from '../../sim/pbx/proxy.js';
import { ServerTransaction, type ClientCallbacks, type ClientTransactions, type ServerTransactions } from '../../sim/pbx/transactions.js';
import type { Flow } from '../../sim/pbx/transport.js';

interface FakeTx {
  branch: string;
  request: SipRequest;
  flow: Flow;
  callbacks: ClientCallbacks;
  provisional: boolean;
  finalStatus: number | undefined;
}

const flow = (id: string): Flow => ({ id, transport: 'tcp', remoteAddress: '127.0.0.1', remotePort: 1000 });

function invite(): SipRequest {
  return {
    kind: 'request', method: 'INVITE', uri: 'sip:bob@pbx.test', body: Buffer.alloc(0),
    headers: [
      { name: 'Via', value: 'SIP/2.0/TCP 127.0.0.1:4000;branch=z9hG4bKcaller' },
      { name: 'From', value: '<sip:alice@pbx.test>;tag=a' },
      { name: 'To', value: '<sip:bob@pbx.test>' },
      { name: 'Call-ID', value: 'c1' },
      { name: 'CSeq', value: '7 INVITE' },
      { name: 'Max-Forwards', value: '70' },
    ],
  };
}

function rig(branches: number) {
  const upstream: SipResponse[] = [];
  const txs: FakeTx[] = [];
  const cancels: FakeTx[] = [];
  const acks: SipRequest[] = [];
  const clients = {
    send(req: SipRequest, f: Flow, callbacks: ClientCallbacks, opts: { branch?: string } = {}) {
      const tx: FakeTx = { branch: opts.branch ?? `b${txs.length}`, request: req, flow: f, callbacks, provisional: false, finalStatus: undefined };
      if (req.method === 'CANCEL') cancels.push(txs.find((t) => t.branch === opts.branch)!);
      else txs.push(tx);
      return tx;
    },
    sendStateless(req: SipRequest) {
      acks.push(req);
      return true;
    },
  } as unknown as ClientTransactions;
  const table = { send: (_f: Flow, res: SipResponse) => upstream.push(res), forget: () => undefined } as unknown as ServerTransactions;
  const req = invite();
  const server = new ServerTransaction('k', req, flow('caller'), table);
  new Proxy(clients).forward(server, req, Array.from({ length: branches }, (_, i) => ({ uri: `sip:bob@10.0.0.${i}`, flow: flow(`t${i}`) })));
  /** The far end of branch i answers (what ClientTransaction.handle does before the callback). */
  const answer = (i: number, status: number): void => {
    const tx = txs[i]!;
    const res = makeResponse(tx.request, status, undefined, `callee${i}`);
    if (status < 200) tx.provisional = true;
    else tx.finalStatus ??= status;
    tx.callbacks.onResponse(res, tx as never);
  };
  return { upstream, txs, cancels, acks, server, answer, statuses: () => upstream.map((r) => r.status) };
}

test('each branch gets the request with its own Request-URI and Max-Forwards one less', () => {
  const r = rig(2);
  assert.deepEqual(r.txs.map((t) => t.request.uri), ['sip:bob@10.0.0.0', 'sip:bob@10.0.0.1']);
  assert.deepEqual(r.txs.map((t) => getHeader(t.request, 'Max-Forwards')), ['69', '69']);
});

test('the first 2xx goes up at once and the other ringing branch is CANCELed; its 487 stays here; a second 2xx still goes up', () => {
  const r = rig(2);
  r.answer(0, 100);
  r.answer(0, 180);
  r.answer(1, 180);
  assert.deepEqual(r.statuses(), [180, 180], '100 is hop by hop; provisionals are relayed');
  r.answer(1, 200);
  assert.deepEqual(r.statuses(), [180, 180, 200]);
  assert.deepEqual(r.cancels.map((t) => t.branch), ['b0']);
  const cancel = r.txs[0]!;
  assert.equal(cancel.finalStatus, undefined);
  r.answer(0, 487);
  assert.deepEqual(r.statuses(), [180, 180, 200], 'the 487 of the cancelled branch is not relayed');
  assert.equal(r.acks.length, 1, 'but it is ACKed by the proxy');
  assert.equal(r.acks[0]!.method, 'ACK');
  assert.equal(getHeader(r.acks[0]!, 'CSeq'), '7 ACK');
  assert.match(getHeader(r.acks[0]!, 'To')!, /tag=callee0/);
  r.answer(0, 200);
  assert.deepEqual(r.statuses(), [180, 180, 200, 200], 'every 2xx to an INVITE goes upstream (16.7 step 5)');
});

test('no 2xx: the lowest class wins (486 over 500), and only after every branch answered', () => {
  const r = rig(2);
  r.answer(0, 500);
  assert.deepEqual(r.statuses(), []);
  r.answer(1, 486);
  assert.deepEqual(r.statuses(), [486]);
  assert.equal(r.acks.length, 2);
});

test('a 6xx wins over everything and CANCELs the others; a 503 goes up as 500', () => {
  const r = rig(3);
  r.answer(0, 180);
  r.answer(1, 404);
  r.answer(2, 603);
  assert.deepEqual(r.cancels.map((t) => t.branch), ['b0']);
  r.answer(0, 487);
  assert.deepEqual(r.statuses(), [180, 603]);

  const only = rig(1);
  only.answer(0, 503);
  assert.deepEqual(only.statuses(), [500]);
});

test("the caller's CANCEL: ringing branches are CANCELed now, silent ones when their first provisional comes", () => {
  const r = rig(2);
  r.answer(0, 180);
  r.server.onCancel?.();
  assert.deepEqual(r.cancels.map((t) => t.branch), ['b0'], 'no CANCEL before a provisional (RFC 3261 9.1)');
  r.answer(1, 180);
  assert.deepEqual(r.cancels.map((t) => t.branch), ['b0', 'b1']);
  assert.deepEqual(r.statuses(), [180], 'nothing provisional goes up after the CANCEL');
  r.answer(0, 487);
  r.answer(1, 487);
  assert.deepEqual(r.statuses(), [180, 487]);
});

test('a branch that never answers counts as 408, made from the caller\'s request so its Vias are the caller\'s', () => {
  const r = rig(1);
  r.answer(0, 180);
  const tx = r.txs[0]!;
  tx.callbacks.onTimeout(tx as never);
  assert.deepEqual(r.cancels.map((t) => t.branch), ['b0'], 'a ringing branch that times out is CANCELed (16.8)');
  assert.deepEqual(r.statuses(), [180, 408]);
  const last = r.upstream.at(-1)!;
  assert.deepEqual(getHeaderValues(last, 'Via'), ['SIP/2.0/TCP 127.0.0.1:4000;branch=z9hG4bKcaller']);
  assert.match(getHeader(last, 'To')!, /;tag=/);
});
