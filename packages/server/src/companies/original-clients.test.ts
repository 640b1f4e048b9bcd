import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressAllowed, admits, normalRange } from './original-clients.js';

describe('original clients: address allow-lists', () => {
  test('exact IPv4 and IPv6 addresses, and prefixes of both', () => {
    const list = ['203.0.113.7', '10.1.0.0/16', '2001:db8::1', '2001:db8:aa00::/40'];
    assert.ok(addressAllowed('203.0.113.7', list));
    assert.ok(!addressAllowed('203.0.113.8', list));
    assert.ok(addressAllowed('10.1.255.3', list));
    assert.ok(!addressAllowed('10.2.0.1', list));
    assert.ok(addressAllowed('2001:db8::1', list));
    assert.ok(addressAllowed('2001:0db8:0000:0000:0000:0000:0000:0001', list), 'IPv6 written in full');
    assert.ok(!addressAllowed('2001:db8::2', list));
    assert.ok(addressAllowed('2001:db8:aaff::5', list));
    assert.ok(!addressAllowed('2001:db8:ab00::5', list));
  });

  test('an IPv4 peer seen on a dual-stack socket as ::ffff:a.b.c.d is its IPv4 address; families never cross otherwise', () => {
    assert.ok(addressAllowed('::ffff:10.1.2.3', ['10.1.0.0/16']));
    assert.ok(!addressAllowed('::1', ['127.0.0.1']));
    assert.ok(!addressAllowed('127.0.0.1', ['::/0']));
    assert.ok(addressAllowed('127.0.0.1', ['0.0.0.0/0']));
    assert.ok(!addressAllowed('not an address', ['0.0.0.0/0']));
    assert.ok(!addressAllowed('10.1.2.3', []));
  });

  test('entries are kept the one way ipaddr.js writes them', () => {
    assert.equal(normalRange('2001:0DB8:0000::/32'), '2001:db8::/32');
    assert.equal(normalRange('2001:DB8::0:1'), '2001:db8::1');
  });

  test('LEGACY_AGENTS=true lets the default company take them from anywhere, unless it lists addresses', () => {
    const byConfig = { accepted: true, accepted_by_server_config: true };
    assert.ok(admits({ ...byConfig, allowed_addresses: [] }, '198.51.100.1'));
    assert.ok(!admits({ ...byConfig, allowed_addresses: ['10.0.0.0/8'] }, '198.51.100.1'));
    assert.ok(!admits({ accepted: false, accepted_by_server_config: false, allowed_addresses: ['0.0.0.0/0'] }, '198.51.100.1'), 'off, whatever it lists');
    assert.ok(!admits({ accepted: true, accepted_by_server_config: false, allowed_addresses: [] }, '198.51.100.1'), 'on with no address admits none');
  });
});
