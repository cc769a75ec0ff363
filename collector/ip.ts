import { BlockList, isIP } from 'node:net'

export type AddressClass =
  | 'public'
  | 'private'
  | 'loopback'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid'

const RANGES: Array<[AddressClass, 'ipv4' | 'ipv6', string, number]> = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '100.64.0.0', 10], // carrier-grade NAT
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['link-local', 'ipv4', '169.254.0.0', 16],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '192.0.2.0', 24], // TEST-NET-1
  ['private', 'ipv4', '192.168.0.0', 16],
  ['reserved', 'ipv4', '198.18.0.0', 15], // benchmarking
  ['reserved', 'ipv4', '198.51.100.0', 24], // TEST-NET-2
  ['reserved', 'ipv4', '203.0.113.0', 24], // TEST-NET-3
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['reserved', 'ipv4', '240.0.0.0', 4], // includes 255.255.255.255
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv6', '::1', 128],
  ['reserved', 'ipv6', '64:ff9b:1::', 48],
  ['reserved', 'ipv6', '100::', 64], // discard-only
  ['reserved', 'ipv6', '2001:db8::', 32], // documentation
  ['private', 'ipv6', 'fc00::', 7], // unique local
  ['link-local', 'ipv6', 'fe80::', 10],
  ['multicast', 'ipv6', 'ff00::', 8],
]

const lists = new Map<AddressClass, BlockList>()
for (const [cls, family, net, prefix] of RANGES) {
  let list = lists.get(cls)
  if (!list) lists.set(cls, (list = new BlockList()))
  list.addSubnet(net, prefix, family)
}

/** The embedded IPv4 address of `::ffff:a.b.c.d` (mapped), else undefined. */
function unmapIPv4(addr: string): string | undefined {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr)
  return m?.[1]
}

/**
 * Address classification by parsed address, never by string prefix: covers IPv4 and IPv6
 * special-purpose ranges (RFC 6890 and the IANA registries) and IPv4-mapped IPv6.
 *
 * @example
 * classifyAddress('10.1.2.3') // 'private'
 * classifyAddress('::ffff:127.0.0.1') // 'loopback'
 * classifyAddress('8.8.8.8') // 'public'
 */
export function classifyAddress(raw: string): AddressClass {
  const addr = raw.trim().replace(/^\[|\]$/g, '')
  const family = isIP(addr)
  if (family === 0) return 'invalid'
  const mapped = family === 6 ? unmapIPv4(addr) : undefined
  if (mapped) return classifyAddress(mapped)
  const type = family === 4 ? 'ipv4' : 'ipv6'
  for (const [cls, list] of lists) if (list.check(addr, type)) return cls
  return 'public'
}

/** True for addresses that route on the public internet. */
export function isPublicAddress(addr: string): boolean {
  return classifyAddress(addr) === 'public'
}

/** Canonical text for an address (IPv4-mapped IPv6 becomes plain IPv4), or undefined if invalid. */
export function normalizeAddress(raw: string): string | undefined {
  const addr = raw.trim().replace(/^\[|\]$/g, '')
  const family = isIP(addr)
  if (family === 0) return undefined
  if (family === 6) return unmapIPv4(addr) ?? addr.toLowerCase()
  return addr
}
