import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHardwareId, resolveInstanceId, uuidV5 } from '../../src/sip/instance-id.js';

test('uuidV5 matches the RFC 9562 v5 algorithm (DNS namespace, "www.example.com")', () => {
  // Known value: uuid v5(ns:DNS, "www.example.com") = 2ed6657d-e927-568b-95e1-2665a8aea6a2
  assert.equal(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
});

test('instance id: stable per MAC, different per MAC, config wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-net-'));
  for (const [name, mac] of [['lo', '00:00:00:00:00:00'], ['eth0', 'B8:27:EB:12:34:56'], ['wlan0', 'b8:27:eb:ff:ff:ff']]) {
    mkdirSync(join(dir, name!));
    writeFileSync(join(dir, name!, 'address'), `${mac}\n`);
  }
  const src = { netDir: dir, serialFiles: [join(dir, 'none')] };
  assert.equal(findHardwareId(src), 'mac:b8:27:eb:12:34:56');
  const a = resolveInstanceId(undefined, src);
  assert.equal(resolveInstanceId(undefined, src), a, 'same after restart');
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  writeFileSync(join(dir, 'eth0', 'address'), 'b8:27:eb:12:34:57\n');
  assert.notEqual(resolveInstanceId(undefined, src), a);
  writeFileSync(join(dir, 'serial'), '10000000abcdef01\0');
  assert.equal(findHardwareId({ netDir: dir, serialFiles: [join(dir, 'serial')] }), 'serial:10000000abcdef01');
  assert.equal(resolveInstanceId('urn:uuid:6A8C1F52-1D1E-4C5A-9D43-3B1A6F0D2E01', src), '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01');
});
