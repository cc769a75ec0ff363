// Guards how an engine stat answer becomes a snapshot: loose number types, camelCase speeds,
// the original's livepos fallbacks, and the unknown-session answer that ends a stream.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseStatAnswer } from '../../orchestrator/engine/stat-answer.ts'

const AT = new Date('2026-01-01T00:00:00Z')

test('numbers sent as strings are coerced; junk becomes null, never NaN', () => {
  const out = parseStatAnswer(
    {
      response: { peers: '7', speed_down: 410, speedUp: '12', downloaded: 'lots', status: 'dl' },
      error: null,
    },
    AT,
  )
  assert.equal(out.kind, 'ok')
  if (out.kind !== 'ok') return
  assert.deepEqual(out.stat.snapshot, {
    ts: '2026-01-01T00:00:00.000Z',
    peers: 7,
    speed_down: 410,
    speed_up: 12,
    downloaded: null,
    uploaded: null,
    status: 'dl',
    livepos: null,
  })
  assert.equal(out.stat.infohash, null)
})

test('livepos: older first/last names fill live_first/live_last/first_ts/last_ts, values stay strings', () => {
  const out = parseStatAnswer(
    {
      response: {
        infohash: 'AB'.repeat(20),
        livepos: { pos: '1639986704', first: '1639986000', last: 1639986710, buffer_pieces: '30' },
      },
      error: null,
    },
    AT,
  )
  assert.equal(out.kind, 'ok')
  if (out.kind !== 'ok') return
  assert.deepEqual(out.stat.snapshot.livepos, {
    pos: '1639986704',
    live_first: '1639986000',
    live_last: '1639986710',
    first_ts: '1639986000',
    last_ts: '1639986710',
    buffer_pieces: '30',
  })
  assert.equal(out.stat.infohash, 'ab'.repeat(20))
})

test('live_first/live_last win over first_ts/last_ts when both are sent', () => {
  const out = parseStatAnswer(
    {
      response: {
        livepos: { live_first: '10', first_ts: '11', live_last: '20', last_ts: '21' },
      },
      error: null,
    },
    AT,
  )
  assert.ok(out.kind === 'ok')
  assert.equal(out.stat.snapshot.livepos?.live_first, '10')
  assert.equal(out.stat.snapshot.livepos?.first_ts, '11')
  assert.equal(out.stat.snapshot.livepos?.live_last, '20')
  assert.equal(out.stat.snapshot.livepos?.last_ts, '21')
})

test('the unknown-session answer and other engine errors are told apart', () => {
  assert.deepEqual(parseStatAnswer({ response: null, error: 'unknown playback session id' }, AT), {
    kind: 'session_gone',
  })
  const busy = parseStatAnswer({ response: null, error: 'engine is busy' }, AT)
  assert.equal(busy.kind, 'error')
  assert.equal(parseStatAnswer([1, 2], AT).kind, 'error')
  assert.equal(parseStatAnswer({ response: 'ok', error: null }, AT).kind, 'error')
  const badHash = parseStatAnswer({ response: { infohash: 'not-a-hash' }, error: null }, AT)
  assert.ok(badHash.kind === 'ok' && badHash.stat.infohash === null)
})
