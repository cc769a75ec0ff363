// Guards reading GeoIP files in place: any byte range read through the page LRU equals the file's
// own bytes, the view never holds more than its page budget, and a closed view refuses reads.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { asMmdbBuffer, openFileView } from '../../collector/enrich/file-view.ts'

async function tempFile(t: { after(fn: () => Promise<void>): void }, bytes: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'file-view-'))
  t.after(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'data.bin')
  await writeFile(path, bytes)
  return path
}

test('ranges read through a small page budget equal the file, and memory stays within it', async (t) => {
  const data = randomBytes(100_000 + 123) // a partial last page too
  const view = openFileView(await tempFile(t, data), { maxPages: 4, pageBytes: 4096 })
  t.after(() => view.close())
  assert.equal(view.size, data.length)
  for (let i = 0; i < 2000; i++) {
    const start = randomInt(data.length)
    const end = Math.min(data.length, start + randomInt(1, 10_000))
    assert.ok(view.bytes(start, end).equals(data.subarray(start, end)), `${start}..${end}`)
    assert.equal(view.byte(start), data[start])
    assert.ok(view.bytesHeld <= 4 * 4096, `${view.bytesHeld} bytes held`)
  }
  assert.throws(() => view.byte(data.length), RangeError)
})

test('as a Buffer for mmdb-lib, integers and floats read as Buffer reads them', async (t) => {
  const data = randomBytes(3 * 4096)
  const view = openFileView(await tempFile(t, data), { maxPages: 2 })
  t.after(() => view.close())
  const buf = asMmdbBuffer(view)
  assert.ok(Buffer.isBuffer(buf))
  assert.equal(buf.length, data.length)
  // Around a page boundary, where a value's bytes come from two pages.
  for (let at = 4090; at < 4100; at++) {
    assert.equal(buf[at], data[at])
    assert.equal(buf.readUInt16BE(at), data.readUInt16BE(at))
    assert.equal(buf.readUInt32BE(at), data.readUInt32BE(at))
    assert.equal(buf.readInt32BE(at), data.readInt32BE(at))
    assert.equal(buf.readUIntBE(at, 3), data.readUIntBE(at, 3))
    assert.ok(Object.is(buf.readDoubleBE(at), data.readDoubleBE(at)))
    assert.ok(Object.is(buf.readFloatBE(at), data.readFloatBE(at)))
    assert.equal(buf.toString('latin1', at, at + 8), data.toString('latin1', at, at + 8))
    assert.ok(buf.subarray(at, at + 8).equals(data.subarray(at, at + 8)))
  }
  assert.throws(() => buf.readBigUInt64BE(0), /not served/)
})

test('a closed view refuses to read instead of answering from stale memory', async (t) => {
  const view = openFileView(await tempFile(t, randomBytes(10_000)))
  view.byte(0)
  view.close()
  view.close() // safe twice
  assert.throws(() => view.byte(5000), /closed/)
  assert.equal(view.bytesHeld, 0)
})
