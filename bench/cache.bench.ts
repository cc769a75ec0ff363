// Answer cache: warm `GET /peers/{id}` latency by the tier that answers, against a real
// redis-server and a local tracker swarm on loopback (nothing leaves 127.0.0.0/8).
// - memory hit: the baseline (default max_age, answer in the lru-cache);
// - Redis hit: memory tier cleared before each request, answer read from redis-server;
// - miss: `?max_age=0`, a fresh answer from the (already tracked, settled) swarm, written back
//   (no enricher here, so this is the cache's own overhead plus a registry snapshot);
// - cold miss: the first request for a swarm nobody asked about yet (tracker announce), what a
//   Redis hit saves a second collector.
// Printed as medians and as ratios to the memory hit measured in this same run.
import type { PeersAnswer } from '../collector/types.ts'
import { CACHE_SETTINGS } from '../collector/cache/settings.ts'
import { createCollectorCache } from '../collector/cache/create-collector-cache.ts'
import { createLogger } from '../lib/log.ts'
import { loadSettings } from '../lib/settings.ts'
import {
  findFreePort,
  spawnRedisServer,
  stopChild,
} from '../collector/cache/redis-server-process.ts'
import { startCollector } from '../test/helpers/collector-process.ts'
import { createLocalSwarm } from '../test/helpers/local-swarm.ts'

const ROUNDS = 300
const PEERS = 20
const COLD = 8

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
  return { median: at(0.5), p90: at(0.9) }
}

export default async function cacheBench(): Promise<void> {
  const redis = await spawnRedisServer({ port: await findFreePort(), maxMemoryMb: 64 })
  const swarm = await createLocalSwarm({ peers: PEERS, mode: 'tracker', dhtNodes: 2 })
  const cache = await createCollectorCache(
    loadSettings(CACHE_SETTINGS, { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '1000' }),
    { log: createLogger('bench', 'warn') },
  )
  const collector = await startCollector({ swarm, dht: false, cache, env: { LOG_LEVEL: 'warn' } })
  try {
    const url = `${collector.url}/peers/${swarm.infohash}`
    const get = async (query = '') => {
      const t0 = performance.now()
      const res = await fetch(url + query)
      const body = (await res.json()) as PeersAnswer
      if (res.status !== 200) throw new Error(`status ${res.status}`)
      return { ms: performance.now() - t0, body }
    }
    // Warm up: the swarm settles, the answer is cached, connections are open.
    for (let i = 0; ; i++) {
      const { body } = await get('?wait=3000')
      if (!body.discovering && body.peer_count === PEERS) break
      if (i > 20) throw new Error('swarm did not settle')
    }
    for (let i = 0; i < 50; i++) await get()

    const figures = cache.health() as { cache: { peers: Record<string, number> } }
    const before = { ...figures.cache.peers }
    const memory: number[] = []
    const redisHit: number[] = []
    const miss: number[] = []
    // Interleaved so machine noise spreads over all three alike.
    for (let i = 0; i < ROUNDS; i++) {
      memory.push((await get()).ms)
      cache.clearMemory()
      redisHit.push((await get()).ms)
      miss.push((await get('?max_age=0')).ms)
    }
    const after = (cache.health() as { cache: { peers: Record<string, number> } }).cache.peers
    const served = {
      memory: after.hits_memory! - before.hits_memory!,
      redis: after.hits_redis! - before.hits_redis!,
      misses: after.misses! - before.misses!,
    }

    const cold: number[] = []
    for (let i = 0; i < COLD; i++) {
      const torrent = await swarm.addTorrent({ peers: 3, mode: 'tracker' })
      const t0 = performance.now()
      await fetch(`${collector.url}/peers/${torrent.infohash}?wait=3000`).then((r) => r.json())
      cold.push(performance.now() - t0)
    }

    const base = stats(memory)
    const row = (name: string, xs: number[], count: number | null) => {
      const s = stats(xs)
      console.log(
        `${name.padEnd(12)} median ${s.median.toFixed(2).padStart(6)} ms  p90 ${s.p90.toFixed(2).padStart(6)} ms  ` +
          `x${(s.median / base.median).toFixed(2)} of memory hit  ${count === null ? `(${xs.length} new swarms)` : `(${count}/${xs.length} served so)`}`,
      )
    }
    console.log(`warm GET /peers, ${PEERS}-peer tracker swarm, ${ROUNDS} rounds, redis:// loopback`)
    row('memory hit', memory, served.memory)
    row('redis hit', redisHit, served.redis)
    row('miss', miss, served.misses)
    row('cold miss', cold, null)
  } finally {
    await collector.close()
    await swarm.close()
    await stopChild(redis.child)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await cacheBench()
