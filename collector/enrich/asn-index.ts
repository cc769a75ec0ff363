import { isIP } from 'node:net'
import { openFileView, type FileView } from './file-view.ts'

/**
 * IP -> autonomous system from the `@ip-location-db/asn` numeric CSVs (`start,end,asn,org`,
 * inclusive ranges sorted by start). There is no MMDB of this data on the registry; instead of
 * parsing ~30 MB of rows into memory at start (about 40 MB of RSS), the sorted file itself is
 * bisected by byte offset through a FileView: ~25 short reads a lookup, answered by the OS page
 * cache, and the same rows as before.
 *
 * @example
 * const asn = openAsnIndex({ ipv4Csv: '.../asn-ipv4-num.csv', ipv6Csv: '.../asn-ipv6-num.csv' })
 * asn.lookup('1.1.1.1') // { asn: 13335, org: 'Cloudflare, Inc.' }
 */
export interface AsnRecord {
  asn: number
  org: string
}

export interface AsnIndex {
  lookup(ip: string): AsnRecord | undefined
  /** Pages of the two files held in memory now (each PAGE_BYTES). */
  pagesHeld(): number
  close(): void
}

export interface AsnIndexOptions {
  ipv4Csv: string
  ipv6Csv?: string
}

/** One CSV row; the range ends stay decimal text, compared as such. */
interface Row {
  start: string
  end: string
  asn: number
  org: string
}

const NEWLINE = 0x0a
const COMMA = 0x2c
/** Bytes read around a position to find its line; rows are about 60 bytes, the longest ~250. */
const LINE_WINDOW_BYTES = 512

/**
 * The line holding byte `at`: `from` after the previous newline, `to` at the next one (or the
 * end of the file), and its bytes. The window widens until both ends are inside it.
 */
function lineAround(view: FileView, at: number) {
  for (let window = LINE_WINDOW_BYTES; ; window *= 2) {
    const base = Math.max(0, at - window)
    const chunk = view.bytes(base, at + window)
    const prev = at === base ? -1 : chunk.lastIndexOf(NEWLINE, at - base - 1)
    const next = chunk.indexOf(NEWLINE, at - base)
    const fromKnown = prev >= 0 || base === 0
    const toKnown = next >= 0 || base + chunk.length >= view.size
    if (fromKnown && toKnown) {
      const from = prev + 1
      const to = next >= 0 ? next : chunk.length
      return { from: base + from, to: base + to, text: chunk.subarray(from, to) }
    }
  }
}

/** Orders two non-negative decimal numbers without leading zeros, as written in the CSVs. */
function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
}

/** The first field of a row (its range start), or undefined for a line that is not a row. */
function startOf(line: Buffer): string | undefined {
  const comma = line.indexOf(COMMA)
  return comma > 0 ? line.toString('latin1', 0, comma) : undefined
}

/** `start,end,asn,org` with the organisation optionally quoted ("" inside for a quote). */
function parseRow(line: Buffer): Row | undefined {
  const text = line.toString('utf8').replace(/\r$/, '')
  const a = text.indexOf(',')
  const b = text.indexOf(',', a + 1)
  const c = text.indexOf(',', b + 1)
  if (a <= 0 || b <= a || c <= b) return undefined
  let org = text.slice(c + 1)
  if (org.startsWith('"')) org = org.slice(1, -1).replaceAll('""', '"')
  return {
    start: text.slice(0, a),
    end: text.slice(a + 1, b),
    asn: Number(text.slice(b + 1, c)),
    org,
  }
}

/**
 * The row with the greatest start <= x, bisecting byte positions: every position belongs to one
 * line and the lines are sorted, so "this position's row starts at or below x" is true up to
 * some line and false after it. A line that is not a row (a blank last line) counts as after.
 */
function findRow(view: FileView, x: string): Row | undefined {
  let lo = 0
  let hi = view.size - 1
  let found: Buffer | undefined
  while (lo <= hi) {
    const line = lineAround(view, lo + Math.floor((hi - lo) / 2))
    const start = startOf(line.text)
    if (start !== undefined && compareDecimal(start, x) <= 0) {
      found = line.text
      lo = line.to + 1
    } else hi = line.from - 1
  }
  return found && parseRow(found)
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

/** Pages each CSV's view keeps (1 MB): a bisection reads ~25 lines, the first few always the same. */
export const ASN_MAX_PAGES_PER_FILE = 256

/** Opens the CSVs (a missing one throws); nothing is read until the first lookup. */
export function openAsnIndex(options: AsnIndexOptions): AsnIndex {
  const v4 = openFileView(options.ipv4Csv, { maxPages: ASN_MAX_PAGES_PER_FILE })
  let v6: FileView | undefined
  try {
    v6 = options.ipv6Csv
      ? openFileView(options.ipv6Csv, { maxPages: ASN_MAX_PAGES_PER_FILE })
      : undefined
  } catch (err) {
    v4.close()
    throw err
  }
  return {
    lookup(ip) {
      const family = isIP(ip)
      const view = family === 4 ? v4 : family === 6 ? v6 : undefined
      if (!view) return undefined
      const x = String(family === 4 ? ipv4ToNumber(ip) : ipv6ToBigInt(ip))
      const row = findRow(view, x)
      return row && compareDecimal(x, row.end) <= 0 ? { asn: row.asn, org: row.org } : undefined
    },
    pagesHeld: () => v4.pagesHeld + (v6?.pagesHeld ?? 0),
    close() {
      v4.close()
      v6?.close()
    },
  }
}
