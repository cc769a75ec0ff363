// Guards the identifier contract of GET /peers/{id}: hex, base32 and magnet forms all name the
// same swarm, and anything else is a 400 that says what was wrong.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseSwarmIdentifier } from '../../collector/discovery/identifier.ts'
import { HttpError } from '../../lib/http-error.ts'

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a'
const BASE32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK' // the same 20 bytes

test('a 40-hex infohash is accepted in either case and comes back lowercase', async () => {
  assert.deepEqual(await parseSwarmIdentifier(HEX.toUpperCase()), {
    infohash: HEX,
    kind: 'hex',
    trackers: [],
  })
})

test('a 32-char base32 infohash names the same swarm as its hex form', async () => {
  assert.equal((await parseSwarmIdentifier(BASE32)).infohash, HEX)
  assert.equal((await parseSwarmIdentifier(BASE32.toLowerCase())).infohash, HEX)
})

test('magnet URIs work plain and URL-encoded, with hex or base32 inside', async () => {
  const magnet = `magnet:?xt=urn:btih:${HEX}&dn=Some%20Stream&tr=udp%3A%2F%2Fx%3A1`
  for (const id of [
    magnet,
    encodeURIComponent(magnet),
    `magnet:?xt=urn:btih:${BASE32}`,
    `MAGNET:?xt=urn:btih:${HEX}`,
  ]) {
    const { infohash, kind } = await parseSwarmIdentifier(id)
    assert.deepEqual({ infohash, kind }, { infohash: HEX, kind: 'magnet' }, id)
  }
})

test("a magnet's tr= trackers come back as given, for the collector to check", async () => {
  const magnet = `magnet:?xt=urn:btih:${HEX}&tr=udp%3A%2F%2Fa.example%3A1&tr=wss%3A%2F%2Fb.example`
  const { trackers } = await parseSwarmIdentifier(encodeURIComponent(magnet))
  assert.deepEqual([...trackers].sort(), ['udp://a.example:1', 'wss://b.example'])
  assert.deepEqual((await parseSwarmIdentifier(`magnet:?xt=urn:btih:${HEX}`)).trackers, [])
})

async function rejects(id: string, detail: RegExp) {
  await assert.rejects(parseSwarmIdentifier(id), (err: unknown) => {
    assert.ok(err instanceof HttpError)
    assert.equal(err.status, 400)
    assert.equal(err.message, 'invalid identifier')
    assert.match(err.detail ?? '', detail)
    return true
  })
}

test('anything else is a 400 naming the problem', async () => {
  await rejects('', /empty/)
  await rejects('not-an-infohash', /expected a 40-hex infohash.*"not-an-infohash"/)
  await rejects(HEX.slice(0, 39), /expected a 40-hex/)
  await rejects(HEX + 'a', /expected a 40-hex/)
  await rejects('z'.repeat(40), /expected a 40-hex/)
  await rejects('magnet:?dn=no-infohash', /magnet URI has no valid/)
  await rejects(`magnet:?xt=urn:btih:${'z'.repeat(40)}`, /magnet URI has no valid/)
  await rejects('magnet%3A%ZZ', /URL encoding/)
  await rejects('x'.repeat(5000), /at most 4096/)
})
