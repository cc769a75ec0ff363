/**
 * Starts the collector for a test, pointed only at loopback: in-process (the same service
 * `main.ts` builds, on an HTTP listener on port 0) or as a real child process (`tsx
 * collector/main.ts`), waiting for /health. Defaults: HTTP and DHT on 127.0.0.1 with free ports,
 * ALLOW_PRIVATE_PEERS=true, ALLOW_PRIVATE_TRACKERS=true, BUNDLED_REDIS=false, and TRACKERS / DHT_BOOTSTRAP taken from the
 * given local swarm or set to none, so the public defaults can never apply.
 *
 * @example
 * const swarm = await createLocalSwarm({ peers: 5 })
 * const collector = await startCollector({ swarm })
 * t.after(async () => { await collector.close(); await swarm.close() })
 * const res = await fetch(`${collector.url}/peers/${swarm.infohash}`)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { loadCollectorConfig } from '../../collector/config.ts'
import { startCollector as startCollectorServer } from '../../collector/server.ts'
import type { CollectorService } from '../../collector/service.ts'
import type { LoopPressure } from '../../collector/discovery/loop-pressure.ts'
import type { PeerEnricher, PeersAnswerCache } from '../../collector/types.ts'
import { createLogger } from '../../lib/log.ts'

export interface CollectorStartOptions {
  /** The local swarm to discover from; without it, no trackers and no DHT bootstrap. */
  swarm?: { trackerUrls: { udp: string; http: string }; dhtBootstrap: string }
  /** Which of the swarm's tracker URLs to configure (default 'both'). */
  trackers?: 'udp' | 'http' | 'both' | 'none'
  /** Use the swarm's DHT nodes (default true). */
  dht?: boolean
  /** More settings; they win over the defaults above. */
  env?: Record<string, string>
}

/** The collector settings for a loopback-only test run. */
export function localCollectorEnv(opts: CollectorStartOptions = {}): Record<string, string> {
  const { swarm } = opts
  const which = opts.trackers ?? 'both'
  const trackers = !swarm
    ? []
    : which === 'both'
      ? [swarm.trackerUrls.udp, swarm.trackerUrls.http]
      : which === 'none'
        ? []
        : [swarm.trackerUrls[which]]
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DHT_PORT: '0',
    DHT_HOST: '127.0.0.1',
    DHT_BOOTSTRAP: swarm && opts.dht !== false ? swarm.dhtBootstrap : 'none',
    TRACKERS: trackers.length ? trackers.join(',') : 'none',
    ALLOW_PRIVATE_PEERS: 'true',
    ALLOW_PRIVATE_TRACKERS: 'true',
    BUNDLED_REDIS: 'false',
    LOG_LEVEL: 'warn',
    ...opts.env,
  }
}

export interface InProcessCollector {
  url: string
  service: CollectorService
  close(): Promise<void>
}

export interface InProcessOptions extends CollectorStartOptions {
  cache?: PeersAnswerCache
  enricher?: PeerEnricher
  pressure?: LoopPressure
}

/**
 * The collector in this process, listening on 127.0.0.1 with a free port: started as main.ts
 * starts it, with no cache and no enricher unless given.
 */
export async function startCollector(opts: InProcessOptions = {}): Promise<InProcessCollector> {
  const config = loadCollectorConfig(localCollectorEnv(opts))
  const { service, url, close } = await startCollectorServer(config, {
    log: createLogger('collector', config.LOG_LEVEL),
    cache: opts.cache ?? null,
    enricher: opts.enricher ?? null,
    pressure: opts.pressure,
  })
  return { url, service, close }
}

export interface ChildCollector {
  url: string
  child: ChildProcess
  /** Everything the process wrote to stderr so far (its JSON log lines). */
  stderr(): string
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  close(): Promise<number | null>
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const START_TIMEOUT_MS = 20_000

/**
 * `tsx collector/main.ts` as a child process with the loopback settings (LOG_LEVEL info so its
 * "listening" line tells the port). Resolves once /health answers.
 */
export async function startCollectorProcess(
  opts: CollectorStartOptions = {},
): Promise<ChildCollector> {
  const env = {
    ...process.env,
    ...localCollectorEnv({ ...opts, env: { LOG_LEVEL: 'info', ...opts.env } }),
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  )
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`collector did not start:\n${stderr}`)),
      START_TIMEOUT_MS,
    )
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk
      const m = /"msg":"collector listening".*?"port":(\d+)/.exec(stderr)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`collector exited with ${code} before listening:\n${stderr}`))
    })
  }).catch((err) => {
    child.kill('SIGKILL')
    throw err
  })
  const url = `http://127.0.0.1:${port}`
  const health = await fetch(`${url}/health`)
  if (!health.ok) throw new Error(`collector /health answered ${health.status}`)

  return {
    url,
    child,
    stderr: () => stderr,
    exited,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const kill = setTimeout(() => child.kill('SIGKILL'), 8000)
        const code = await exited
        clearTimeout(kill)
        return code
      }
      return exited
    },
  }
}
