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

type OrgTable = ReturnType<typeof createOrgTable>

const COMMA = 0x2c
const NEWLINE = 0x0a
const QUOTE = 0x22

/**
 * Walks the CSV bytes row by row without building a string per line: parsing ~20 MB as text
 * first tripled the memory held at start. `onRow` gets the byte ranges of the two numbers and
 * the ASN and organisation already decoded.
 */
function eachRow(
  data: Buffer,
  orgs: OrgTable,
  onRow: (startAt: number, startEnd: number, endEnd: number, asn: number, org: number) => void,
): void {
  let at = 0
  while (at < data.length) {
    let lineEnd = data.indexOf(NEWLINE, at)
    if (lineEnd < 0) lineEnd = data.length
    const a = data.indexOf(COMMA, at)
    const b = a < 0 ? -1 : data.indexOf(COMMA, a + 1)
    const c = b < 0 ? -1 : data.indexOf(COMMA, b + 1)
    if (a > at && b > a && c > b && c < lineEnd) {
      let asn = 0
      for (let i = b + 1; i < c; i++) asn = asn * 10 + (data[i] as number) - 48
      let orgEnd = lineEnd
      if (data[orgEnd - 1] === 0x0d) orgEnd--
      let org = data.toString('utf8', c + 1, orgEnd)
      if (data[c + 1] === QUOTE) org = org.slice(1, -1).replaceAll('""', '"')
      onRow(at, a, b, asn, orgs.id(org))
    }
    at = lineEnd + 1
  }
}

function countRows(data: Buffer): number {
  let n = 0
  for (let i = data.indexOf(NEWLINE); i >= 0; i = data.indexOf(NEWLINE, i + 1)) n++
  return n + 1
}

function loadIpv4(path: string, orgs: OrgTable) {
  const data = readFileSync(path)
  const max = countRows(data)
  const starts = new Uint32Array(max)
  const ends = new Uint32Array(max)
  const asns = new Uint32Array(max)
  const orgIds = new Uint32Array(max)
  const num = (from: number, to: number) => {
    let n = 0
    for (let i = from; i < to; i++) n = n * 10 + (data[i] as number) - 48
    return n
  }
  let n = 0
  eachRow(data, orgs, (s0, s1, e1, asn, org) => {
    starts[n] = num(s0, s1)
    ends[n] = num(s1 + 1, e1)
    asns[n] = asn
    orgIds[n++] = org
  })
  return {
    starts: starts.slice(0, n),
    ends: ends.slice(0, n),
    asns: asns.slice(0, n),
    orgIds: orgIds.slice(0, n),
  }
}

const MASK64 = (1n << 64n) - 1n

/** IPv6 numbers are 128-bit: kept as high and low 64-bit halves, compared pairwise. */
function loadIpv6(path: string, orgs: OrgTable) {
  const data = readFileSync(path)
  const max = countRows(data)
  const out = {
    startHi: new BigUint64Array(max),
    startLo: new BigUint64Array(max),
    endHi: new BigUint64Array(max),
    endLo: new BigUint64Array(max),
    asns: new Uint32Array(max),
    orgIds: new Uint32Array(max),
  }
  let n = 0
  eachRow(data, orgs, (s0, s1, e1, asn, org) => {
    const s = BigInt(data.toString('latin1', s0, s1))
    const e = BigInt(data.toString('latin1', s1 + 1, e1))
    out.startHi[n] = s >> 64n
    out.startLo[n] = s & MASK64
    out.endHi[n] = e >> 64n
    out.endLo[n] = e & MASK64
    out.asns[n] = asn
    out.orgIds[n++] = org
  })
  return {
    startHi: out.startHi.slice(0, n),
    startLo: out.startLo.slice(0, n),
    endHi: out.endHi.slice(0, n),
    endLo: out.endLo.slice(0, n),
    asns: out.asns.slice(0, n),
    orgIds: out.orgIds.slice(0, n),
  }
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

  // Only the names are kept; the dedupe map goes with the loaders.
  const names = orgs.names
  const record = (asn: number, orgId: number): AsnRecord => ({ asn, org: names[orgId] ?? '' })

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
