// Issue 13 §3, the rule itself: which address is the client's, and the key a
// per-address limit counts under (the apps that use it: client-address.test.ts).
import type http from 'node:http';
import { expect } from 'chai';
import { addressKey, clientAddress } from '../../shared/http/client-address.js';

/** Just enough of a request for clientAddress(). */
const req = (remoteAddress: string, xff?: string) =>
  ({ socket: { remoteAddress }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } }) as unknown as http.IncomingMessage;

describe('clientAddress() and addressKey()', () => {
  it('take the peer unless it is a trusted hop, then the entry that hop appended', () => {
    expect(clientAddress(req('127.0.0.1', '6.6.6.6'), 0)).to.equal('127.0.0.1');
    expect(clientAddress(req('::ffff:10.0.0.2', '6.6.6.6'), 0)).to.equal('10.0.0.2');
    expect(clientAddress(req('10.0.0.2', '6.6.6.6, 203.0.113.7'), 1)).to.equal('203.0.113.7');
    expect(clientAddress(req('10.0.0.2', '6.6.6.6, 203.0.113.7, 10.0.0.1'), 2)).to.equal('203.0.113.7');
    expect(clientAddress(req('10.0.0.2'), 1)).to.equal('10.0.0.2');
    // Proxies that write a port or brackets; an entry that is no address leaves the peer.
    expect(clientAddress(req('10.0.0.2', '203.0.113.7:51234'), 1)).to.equal('203.0.113.7');
    expect(clientAddress(req('10.0.0.2', '[2001:DB8::1]:443'), 1)).to.equal('2001:db8::1');
    expect(clientAddress(req('10.0.0.2', 'unknown'), 1)).to.equal('10.0.0.2');
  });

  it('key IPv4 by address and IPv6 by /64, whatever the spelling', () => {
    const key = addressKey('2001:db8:aa:bb::1');
    expect(key).to.equal('2001:db8:aa:bb::/64');
    for (const same of ['2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff', '2001:DB8:AA:BB:1::', '2001:db8:aa:bb:0:0:0:9%eth0']) expect(addressKey(same), same).to.equal(key);
    expect(addressKey('2001:db8:aa:bc::1')).not.to.equal(key);
    expect(addressKey('::1')).to.equal('0:0:0:0::/64');
    expect(addressKey('64:ff9b::192.0.2.1')).to.equal('64:ff9b:0:0::/64');
    expect(addressKey('198.51.100.7')).to.equal('198.51.100.7');
    expect(addressKey('::ffff:198.51.100.7')).to.equal('198.51.100.7');
    expect(addressKey('')).to.equal('unknown');
  });
});
