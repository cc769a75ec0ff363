// Guards the peer filter: private, loopback and special addresses must be recognised as
// parsed addresses (IPv4, IPv6 and IPv4-mapped IPv6), never by string prefix.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { classifyAddress, isPublicAddress, normalizeAddress } from '../../collector/ip.ts'

test('public IPv4 and IPv6 addresses are public', () => {
  for (const a of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '172.32.0.1', '100.128.0.1'])
    assert.equal(classifyAddress(a), 'public', a)
})

test('private, loopback, link-local and reserved ranges are recognised', () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['127.0.0.2', 'loopback'],
    ['169.254.1.1', 'link-local'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['fd00::1', 'private'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:192.168.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['[::1]', 'loopback'],
  ]
  for (const [addr, cls] of cases) assert.equal(classifyAddress(addr), cls, addr)
})

test('strings that only look like addresses are invalid, not public', () => {
  for (const a of ['', '10.0.0', '127.0.0.1.evil.com', 'localhost', '1.2.3.256'])
    assert.equal(classifyAddress(a), 'invalid', a)
  assert.equal(isPublicAddress('10.evil.example'), false)
})

test('IPv4-mapped IPv6 normalises to plain IPv4', () => {
  assert.equal(normalizeAddress('::ffff:8.8.4.4'), '8.8.4.4')
  assert.equal(normalizeAddress('2001:DB8::1'), '2001:db8::1')
  assert.equal(normalizeAddress('nope'), undefined)
})
