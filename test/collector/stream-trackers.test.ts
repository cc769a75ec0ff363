// Guards which of a magnet's own trackers the collector may contact: udp/http(s) only, a bounded
// number, and no private, loopback or link-local host (by address or by what a name resolves
// to) unless allowed. The resolver is replaced here, so no name is ever looked up for real.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  admitStreamTrackers,
  MAX_STREAM_TRACKERS,
} from '../../collector/discovery/stream-trackers.ts'

const names: Record<string, string[]> = {
  'tracker.example': ['198.51.100.1', '8.8.8.8'], // one reserved (documentation) address
  'public.example': ['8.8.4.4'],
  'intranet.example': ['8.8.4.4', '10.1.2.3'],
}
const resolve = async (host: string) => {
  const found = names[host]
  if (!found) throw new Error('ENOTFOUND')
  return found
}

test('udp, http and https trackers pass; ws, wss and other schemes are ignored with a reason', async () => {
  const { usable, rejected } = await admitStreamTrackers(
    [
      'udp://8.8.8.8:6969/announce',
      'http://8.8.8.8/announce',
      'https://8.8.8.8/announce',
      'wss://tracker.example/ws',
      'ws://8.8.8.8:80',
      'ftp://8.8.8.8/x',
      'not a url',
    ],
    { allowPrivate: false, resolve },
  )
  assert.deepEqual(
    usable.map((u) => u.url),
    ['udp://8.8.8.8:6969/announce', 'http://8.8.8.8/announce', 'https://8.8.8.8/announce'],
  )
  assert.deepEqual(
    rejected.map((r) => [r.url, r.status]),
    [
      ['wss://tracker.example/ws', 'ignored'],
      ['ws://8.8.8.8:80', 'ignored'],
      ['ftp://8.8.8.8/x', 'ignored'],
      ['not a url', 'ignored'],
    ],
  )
  assert.ok(rejected.every((r) => r.origin === 'stream' && (r.reason ?? '').length > 5))
})

test('private, loopback and link-local hosts are refused unless allowed, literal or resolved', async () => {
  const urls = [
    'udp://10.0.0.5:6969/announce',
    'udp://127.0.0.1:6969/announce',
    'http://[fe80::1]:80/announce',
    'udp://localhost:6969/announce',
    'http://intranet.example/announce',
  ]
  const refused = await admitStreamTrackers(urls, { allowPrivate: false, resolve })
  assert.deepEqual(refused.usable, [])
  assert.deepEqual(
    refused.rejected.map((r) => [r.status, /ALLOW_PRIVATE_TRACKERS/.test(r.reason ?? '')]),
    urls.map(() => ['refused', true]),
  )
  assert.match(refused.rejected[4]!.reason!, /10\.1\.2\.3/, 'names the private address')
  const allowed = await admitStreamTrackers(urls, { allowPrivate: true, resolve })
  assert.deepEqual(
    allowed.usable.map((u) => u.url),
    urls,
  )
})

test('reserved addresses and names that do not resolve are refused even when private ones are allowed', async () => {
  const { usable, rejected } = await admitStreamTrackers(
    ['udp://tracker.example:1/a', 'udp://0.0.0.0:1/a', 'udp://nowhere.example:1/a'],
    { allowPrivate: true, resolve },
  )
  assert.deepEqual(usable, [])
  assert.deepEqual(
    rejected.map((r) => r.status),
    ['refused', 'refused', 'refused'],
  )
  assert.match(rejected[2]!.reason!, /did not resolve/)
})

test('a UDP tracker given by name is contacted at the address that was checked', async () => {
  const { usable } = await admitStreamTrackers(
    ['udp://public.example:6969/announce', 'http://public.example/announce'],
    { allowPrivate: false, resolve },
  )
  assert.deepEqual(usable, [
    { url: 'udp://public.example:6969/announce', connectUrl: 'udp://8.8.4.4:6969/announce' },
    // HTTP(S) keeps the name: TLS and virtual hosts need it.
    { url: 'http://public.example/announce', connectUrl: 'http://public.example/announce' },
  ])
})

test(`at most ${MAX_STREAM_TRACKERS} trackers are taken from one magnet, duplicates once`, async () => {
  const urls = Array.from({ length: 20 }, (_, i) => `udp://8.8.8.8:${1000 + i}/announce`)
  const { usable, rejected } = await admitStreamTrackers([urls[0]!, ...urls], {
    allowPrivate: false,
    resolve,
  })
  assert.equal(usable.length, MAX_STREAM_TRACKERS)
  assert.equal(rejected.length, 20 - MAX_STREAM_TRACKERS)
  assert.ok(rejected.every((r) => r.status === 'ignored' && /more than 16/.test(r.reason ?? '')))
})
