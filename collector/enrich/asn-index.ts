import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'

/**
 * IP -> autonomous system from the `@ip-location-db/asn` numeric CSVs
 * (`start,end,asn,org`, inclusive ranges sorted by start). There is no MMDB of this data on the
 * registry, so the rows are packed once into typed arrays and searched by bisection: about
 * 410k IPv4 rows take ~5 MB instead of ~60 MB as objects, and a lookup is ~20 comparisons.
 *
 * @example
 * const asn = loadAsnIndex({ ipv4Csv: '.../asn-ipv4-num.csv', ipv6Csv: '.../asn-ipv6-num.csv' })
 * asn.lookup('1.1.1.1') // { asn: 13335, org: 'Cloudflare, Inc.' }
 */
export interface AsnRecord {
  asn: number
  org: string
}

export interface AsnIndex {
  lookup(ip: string): AsnRecord | undefined
  readonly rows: { ipv4: number; ipv6: number }
}

export interface AsnIndexOptions {
  ipv4Csv: string
  ipv6Csv?: string
}

/** One CSV line split into its range, ASN and organisation (which may be quoted). */
function splitRow(line: string): [string, string, number, string] | undefined {
  const a = line.indexOf(',')
  const b = line.indexOf(',', a + 1)
  const c = line.indexOf(',', b + 1)
  if (a < 0 || b < 0 || c < 0) return undefined
  let org = line.slice(c + 1)
  if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replaceAll('""', '"')
  const asn = Number(line.slice(b + 1, c))
  if (!Number.isInteger(asn)) return undefined
  return [line.slice(0, a), line.slice(a + 1, b), asn, org]
}

/** Organisation names repeat (one AS announces many ranges): store each once. */
function createOrgTable() {
  const names: string[] = []
  const ids = new Map<string, number>()
  return {
    names,
    id(name: string): number {
      let id = ids.get(name)
      if (id === undefined) ids.set(name, (id = names.push(name) - 1))
      return id
    },
  }
}

function* lines(path: string): Generator<string> {
  const text = readFileSync(path, 'utf8')
  let start = 0
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const line = text.slice(start, end).trimEnd()
    if (line) yield line
    start = end + 1
  }
}

function loadIpv4(path: string, orgs: ReturnType<typeof createOrgTable>) {
  const starts: number[] = []
  const ends: number[] = []
  const asns: number[] = []
  const orgIds: number[] = []
  for (const line of lines(path)) {
    const row = splitRow(line)
    if (!row) continue
    starts.push(Number(row[0]))
    ends.push(Number(row[1]))
    asns.push(row[2])
    orgIds.push(orgs.id(row[3]))
  }
  return {
    starts: Uint32Array.from(starts),
    ends: Uint32Array.from(ends),
    asns: Uint32Array.from(asns),
    orgIds: Uint32Array.from(orgIds),
  }
}

const MASK64 = (1n << 64n) - 1n

/** IPv6 numbers are 128-bit: kept as high and low 64-bit halves, compared pairwise. */
function loadIpv6(path: string, orgs: ReturnType<typeof createOrgTable>) {
  const rows: Array<[bigint, bigint, number, number]> = []
  for (const line of lines(path)) {
    const row = splitRow(line)
    if (!row) continue
    rows.push([BigInt(row[0]), BigInt(row[1]), row[2], orgs.id(row[3])])
  }
  const n = rows.length
  const out = {
    startHi: new BigUint64Array(n),
    startLo: new BigUint64Array(n),
    endHi: new BigUint64Array(n),
    endLo: new BigUint64Array(n),
    asns: new Uint32Array(n),
    orgIds: new Uint32Array(n),
  }
  rows.forEach(([s, e, asn, org], i) => {
    out.startHi[i] = s >> 64n
    out.startLo[i] = s & MASK64
    out.endHi[i] = e >> 64n
    out.endLo[i] = e & MASK64
    out.asns[i] = asn
    out.orgIds[i] = org
  })
  return out
}

function ipv4ToNumber(ip: string): number {
  const p = ip.split('.')
  return ((Number(p[0]) << 24) | (Number(p[1]) << 16) | (Number(p[2]) << 8) | Number(p[3])) >>> 0
}

function ipv6ToBigInt(ip: string): bigint {
  const gap = ip.indexOf('::')
  const head = gap < 0 ? ip : ip.slice(0, gap)
  const tail = gap < 0 ? '' : ip.slice(gap + 2)
  const expand = (part: string): string[] => {
    if (!part) return []
    const groups = part.split(':')
    const last = groups[groups.length - 1] as string
    if (last.includes('.')) {
      const n = ipv4ToNumber(last)
      groups.splice(-1, 1, (n >>> 16).toString(16), (n & 0xffff).toString(16))
    }
    return groups
  }
  const h = expand(head)
  const t = expand(tail)
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n)
}

/** Index of the last row whose start <= x (-1 if none), for rows sorted by start. */
function bisect(n: number, startLe: (i: number) => boolean): number {
  let lo = 0
  let hi = n - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (startLe(mid)) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

export function loadAsnIndex(options: AsnIndexOptions): AsnIndex {
  const orgs = createOrgTable()
  const v4 = loadIpv4(options.ipv4Csv, orgs)
  const v6 = options.ipv6Csv ? loadIpv6(options.ipv6Csv, orgs) : undefined

  const record = (asn: number, orgId: number): AsnRecord => ({
    asn,
    org: orgs.names[orgId] ?? '',
  })

  return {
    rows: { ipv4: v4.starts.length, ipv6: v6?.asns.length ?? 0 },
    lookup(ip) {
      const family = isIP(ip)
      if (family === 4) {
        const x = ipv4ToNumber(ip)
        const i = bisect(v4.starts.length, (k) => (v4.starts[k] as number) <= x)
        if (i < 0 || x > (v4.ends[i] as number)) return undefined
        return record(v4.asns[i] as number, v4.orgIds[i] as number)
      }
      if (family === 6 && v6) {
        const x = ipv6ToBigInt(ip)
        const hi = x >> 64n
        const lo = x & MASK64
        const le = (aHi: bigint, aLo: bigint, bHi: bigint, bLo: bigint) =>
          aHi < bHi || (aHi === bHi && aLo <= bLo)
        const i = bisect(v6.asns.length, (k) =>
          le(v6.startHi[k] as bigint, v6.startLo[k] as bigint, hi, lo),
        )
        if (i < 0 || !le(hi, lo, v6.endHi[i] as bigint, v6.endLo[i] as bigint)) return undefined
        return record(v6.asns[i] as number, v6.orgIds[i] as number)
      }
      return undefined
    },
  }
}
