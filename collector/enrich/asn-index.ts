import { isIP } from 'node:net'
import { openFileView, PAGE_BYTES, type FileView } from './file-view.ts'

export interface AsnRecord {
  asn: number
  org: string
}

export interface AsnIndex {
  lookup(ip: string): AsnRecord | undefined
  /** Bytes held in this process now: kept pages and the indexes built so far. */
  bytesHeld(): number
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
/** One index entry per this many bytes of CSV: a lookup then reads about one page. */
const SAMPLE_BYTES = PAGE_BYTES
/** Pages each CSV's view keeps (1 MB). */
const MAX_PAGES_PER_FILE = 256
/** Reads while building an index: it goes through the file front to back. */
const INDEX_BUILD_PAGE_BYTES = 1 << 16
/** Rows are about 60 bytes, the longest ~250: room enough to find a row's first field. */
const ROW_PREFIX_BYTES = 512

/** Most one CSV holds in the process: kept pages and its index (~180 KB for either file). */
export const ASN_MAX_BYTES_PER_FILE = MAX_PAGES_PER_FILE * PAGE_BYTES + 512 * 1024

/** Orders two non-negative decimal numbers without leading zeros, as written in the CSVs. */
function compareDecimal(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
}

/** `start,end,asn,org` with the organisation optionally quoted ("" inside for a quote). */
function parseRow(text: string): Row | undefined {
  const a = text.indexOf(',')
  const b = text.indexOf(',', a + 1)
  const c = text.indexOf(',', b + 1)
  if (a <= 0 || b <= a || c <= b) return undefined
  let org = text.slice(c + 1).replace(/\r$/, '')
  if (org.startsWith('"')) org = org.slice(1, -1).replaceAll('""', '"')
  return {
    start: text.slice(0, a),
    end: text.slice(a + 1, b),
    asn: Number(text.slice(b + 1, c)),
    org,
  }
}

/** Where rows begin every SAMPLE_BYTES or so, and their range starts; built front to back. */
interface SampleIndex {
  offsets: Float64Array
  starts: string[]
  bytes: number
}

function buildIndex(path: string): SampleIndex {
  const view = openFileView(path, { pageBytes: INDEX_BUILD_PAGE_BYTES, maxPages: 2 })
  try {
    const offsets: number[] = []
    const starts: string[] = []
    let bytes = 0
    for (let at = 0; at < view.size; at += SAMPLE_BYTES) {
      // The first row beginning at or after `at`.
      let from = at
      if (at > 0) {
        const newline = view.bytes(at - 1, at - 1 + ROW_PREFIX_BYTES).indexOf(NEWLINE)
        if (newline < 0) continue
        from = at + newline
      }
      if (from >= view.size || from === offsets.at(-1)) continue
      const prefix = view.bytes(from, from + ROW_PREFIX_BYTES)
      const comma = prefix.indexOf(COMMA)
      if (comma <= 0) continue
      offsets.push(from)
      starts.push(prefix.toString('latin1', 0, comma))
      bytes += 8 + 16 + comma
    }
    return { offsets: Float64Array.from(offsets), starts, bytes }
  } finally {
    view.close()
  }
}

/** The row with the greatest start <= x, or undefined when x is before the first row. */
function findRow(view: FileView, index: SampleIndex, x: string): Row | undefined {
  // Last sampled row starting at or below x: the answer lies from it up to the next sample.
  let lo = 0
  let hi = index.starts.length - 1
  let k = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (compareDecimal(index.starts[mid] as string, x) <= 0) {
      k = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  if (k < 0) return undefined
  const from = index.offsets[k] as number
  const to = k + 1 < index.offsets.length ? (index.offsets[k + 1] as number) : view.size
  // Compared as latin1 text (digits are ASCII); only the row found is decoded as UTF-8.
  const chunk = view.bytes(from, to)
  const text = chunk.toString('latin1')
  let found = -1
  for (let at = 0; at < text.length;) {
    const comma = text.indexOf(',', at)
    if (comma < 0 || compareDecimal(text.slice(at, comma), x) > 0) break
    found = at
    const newline = text.indexOf('\n', comma)
    at = newline < 0 ? text.length : newline + 1
  }
  if (found < 0) return undefined
  const end = chunk.indexOf(NEWLINE, found)
  return parseRow(chunk.toString('utf8', found, end < 0 ? chunk.length : end))
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

/**
 * IP -> autonomous system from the `@ip-location-db/asn` numeric CSVs (`start,end,asn,org`,
 * inclusive ranges sorted by start). There is no MMDB of this data on the registry; instead of
 * parsing ~30 MB of rows into memory at start (about 40 MB of RSS), the sorted file is read in
 * place: an index of the row starting after every SAMPLE_BYTES of the file (~5,000 rows for
 * IPv4, ~150 KB) finds the stretch that holds an address, and one or two page reads finish the
 * lookup. The IPv6 index is built on the first IPv6 address.
 *
 * @example
 * const asn = openAsnIndex({ ipv4Csv: '.../asn-ipv4-num.csv', ipv6Csv: '.../asn-ipv6-num.csv' })
 * asn.lookup('1.1.1.1') // { asn: 13335, org: 'Cloudflare, Inc.' }
 *
 * Opens the CSVs (a missing one throws) and indexes the IPv4 one; IPv6 waits for its use.
 */
export function openAsnIndex(options: AsnIndexOptions): AsnIndex {
  const open = (path: string) => openFileView(path, { maxPages: MAX_PAGES_PER_FILE })
  const v4 = { view: open(options.ipv4Csv), index: undefined as SampleIndex | undefined }
  let v6: typeof v4 | undefined
  try {
    v4.index = buildIndex(options.ipv4Csv)
    v6 = options.ipv6Csv ? { view: open(options.ipv6Csv), index: undefined } : undefined
  } catch (err) {
    v4.view.close()
    throw err
  }
  return {
    lookup(ip) {
      const family = isIP(ip)
      const file = family === 4 ? v4 : family === 6 ? v6 : undefined
      if (!file) return undefined
      file.index ??= buildIndex(file.view.path)
      const x = String(family === 4 ? ipv4ToNumber(ip) : ipv6ToBigInt(ip))
      const row = findRow(file.view, file.index, x)
      return row && compareDecimal(x, row.end) <= 0 ? { asn: row.asn, org: row.org } : undefined
    },
    bytesHeld: () =>
      [v4, v6].reduce((n, f) => n + (f ? f.view.bytesHeld + (f.index?.bytes ?? 0) : 0), 0),
    close() {
      v4.view.close()
      v6?.view.close()
    },
  }
}
