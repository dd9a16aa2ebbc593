import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AllowList, canonicalAddress, isPublicAddress } from './address.js';

describe('webhook target addresses', () => {
  it('refuses every address that is not the public internet, in all its spellings', () => {
    const notPublic = [
      '127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '192.0.2.1', '198.18.0.1', '224.0.0.1', '255.255.255.255',
      '::', '::1', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1', '2001:db8::1', '64:ff9b::a9fe:a9fe', '2002:a9fe:a9fe::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:169.254.169.254', '0:0:0:0:0:ffff:a00:1',
    ];
    for (const a of notPublic) assert.equal(isPublicAddress(a), false, a);
  });

  it('lets public addresses through, IPv4 and IPv6', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) assert.equal(isPublicAddress(a), true, a);
  });

  it('reads IPv4-mapped IPv6 addresses as the IPv4 address they carry', () => {
    assert.deepEqual(canonicalAddress('::ffff:7f00:1'), { address: '127.0.0.1', family: 4 });
    assert.deepEqual(canonicalAddress('0:0:0:0:0:FFFF:A9FE:A9FE'), { address: '169.254.169.254', family: 4 });
    assert.deepEqual(canonicalAddress('2001:DB8:0:0::1'), { address: '2001:db8::1', family: 6 });
  });

  it('allow-lists exact addresses and CIDR ranges, and nothing else', () => {
    const allow = new AllowList(['127.0.0.1', '10.1.0.0/16', 'fd00::/8']);
    for (const a of ['127.0.0.1', '::ffff:127.0.0.1', '10.1.200.3', 'fd00::5']) assert.equal(allow.has(a), true, a);
    for (const a of ['127.0.0.2', '10.2.0.1', 'fe80::1', '169.254.169.254']) assert.equal(allow.has(a), false, a);
    for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'localhost', '10.0.0.0/8/8', '::1/129', '10.0.0.0/x']) {
      assert.throws(() => new AllowList([bad]), /allow\[0\] must be an IP address or CIDR range/, bad);
    }
  });
});
