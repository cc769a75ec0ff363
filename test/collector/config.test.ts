// Guards the collector's settings: the documented defaults, empty lists meaning "none" (so an empty
// TRACKERS never falls back to the public trackers), and errors naming the variable.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { COLLECTOR_SETTINGS, loadCollectorConfig } from '../../collector/config.ts'
import { ConfigError } from '../../lib/settings.ts'

test('defaults are the documented ones', () => {
  const c = loadCollectorConfig({})
  assert.equal(c.PORT, 8080)
  assert.equal(c.DHT_PORT, 6881)
  assert.equal(c.ALLOW_PRIVATE_PEERS, false)
  assert.ok(c.DHT_BOOTSTRAP.some((b) => b.host === 'router.bittorrent.com' && b.port === 6881))
  assert.ok(c.TRACKERS.length > 0 && c.TRACKERS.every((u) => u.startsWith('udp://')))
  assert.equal(c.CACHE_TTL_SECONDS, 30)
  assert.equal(c.MAX_PEERS_TO_ENRICH, 50)
  assert.equal(c.BUNDLED_REDIS, true)
  for (const [name, spec] of Object.entries(COLLECTOR_SETTINGS)) assert.ok(spec.doc, name)
})

test('an empty TRACKERS or DHT_BOOTSTRAP means none, never the public defaults', () => {
  const c = loadCollectorConfig({ TRACKERS: '', DHT_BOOTSTRAP: '  ' })
  assert.deepEqual(c.TRACKERS, [])
  assert.deepEqual(c.DHT_BOOTSTRAP, [])
  assert.deepEqual(loadCollectorConfig({ TRACKERS: 'none' }).TRACKERS, [])
})

test('lists parse into trackers and host:port pairs', () => {
  const c = loadCollectorConfig({
    TRACKERS: 'udp://127.0.0.1:6969/announce, http://127.0.0.1:8000/announce',
    DHT_BOOTSTRAP: '127.0.0.2:6881,[::1]:6882',
  })
  assert.deepEqual(c.TRACKERS, ['udp://127.0.0.1:6969/announce', 'http://127.0.0.1:8000/announce'])
  assert.deepEqual(c.DHT_BOOTSTRAP, [
    { host: '127.0.0.2', port: 6881 },
    { host: '::1', port: 6882 },
  ])
})

test('bad values throw a ConfigError naming the variable', () => {
  for (const [name, value] of [
    ['TRACKERS', 'wss://tracker.example/announce'],
    ['TRACKERS', 'udp://no-port/announce'],
    ['MAX_TRACKED_SWARMS', '0'],
    ['HOST', 'localhost:80'],
    ['LOG_LEVEL', 'loud'],
  ]) {
    assert.throws(
      () => loadCollectorConfig({ [name as string]: value }),
      (err: unknown) => err instanceof ConfigError && err.variable === name,
      `${name}=${value}`,
    )
  }
})
