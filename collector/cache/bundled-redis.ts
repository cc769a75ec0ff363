import type { ChildProcess } from 'node:child_process'
import type { Logger } from '../../lib/log.ts'
import {
  findFreePort,
  RedisServerMissingError,
  spawnRedisServer,
  stopChild,
} from './redis-server-process.ts'

export interface BundledRedisOptions {
  /** `redis-server`, or a path to it. */
  bin: string
  maxMemoryMb: number
  log: Logger
  /** First delay before restarting a server that died; doubles up to 5 s. */
  restartDelayMs?: number
}

export interface BundledRedis {
  /** `redis://127.0.0.1:<port>`; stays the same across restarts so clients just reconnect. */
  url: string
  port: number
  /** Pid of the running server, null between a crash and its restart. */
  readonly pid: number | null
  readonly restarts: number
  /** Stops the server and its restarts; safe to call twice. */
  stop(): Promise<void>
}

const MAX_RESTART_DELAY_MS = 5000

/**
 * Starts the collector's private cache Redis: a `redis-server` child on a free loopback port,
 * without persistence, memory bounded with LRU eviction. It is restarted if it dies, and
 * stopped with the collector: by `stop()` on shutdown, by a synchronous kill in the process's
 * `exit` handler (process.exit, uncaught errors), and where `setpriv` exists by the kernel when
 * the collector dies any other way (SIGKILL, OOM), so no redis-server outlives the collector.
 * Returns null (after saying so once) when there is no binary or it cannot start.
 *
 * @example
 * const bundled = await startBundledRedis({ bin: 'redis-server', maxMemoryMb: 64, log })
 * if (bundled) connect(bundled.url)
 * await bundled?.stop()
 */
export async function startBundledRedis(
  options: BundledRedisOptions,
): Promise<BundledRedis | null> {
  const { bin, maxMemoryMb, log } = options
  // No persistence, so redis-server writes no files; its --dir stays the default temp dir and
  // nothing is left behind when it is killed.
  let port = 0
  let child: ChildProcess | null = null
  for (let attempt = 0; !child; attempt++) {
    port = await findFreePort()
    try {
      child = (await spawnRedisServer({ bin, port, maxMemoryMb, dieWithParent: true })).child
    } catch (err) {
      if (err instanceof RedisServerMissingError) {
        log.warn('no redis-server binary; the cache runs from memory only', { bin })
        return null
      }
      // Another process can take the port between our check and redis-server's bind.
      if (attempt < 2) continue
      log.warn('bundled redis-server did not start; the cache runs from memory only', { err })
      return null
    }
  }

  let stopping = false
  let restarts = 0
  let delay = options.restartDelayMs ?? 250
  let restartTimer: NodeJS.Timeout | undefined

  // Last resort for exits that skip stop() (process.exit, an uncaught error): kill synchronously.
  const onExit = () => {
    child?.kill('SIGKILL')
  }
  process.on('exit', onExit)

  function watch(c: ChildProcess) {
    // Neither the child nor its stderr pipe may keep the collector's event loop alive.
    c.unref()
    ;(c.stderr as { unref?: () => void } | null)?.unref?.()
    c.once('exit', (code, signal) => {
      if (child === c) child = null
      if (stopping) return
      log.warn('bundled redis-server exited; restarting it', { code, signal, delay_ms: delay })
      scheduleRestart()
    })
  }

  function scheduleRestart() {
    restartTimer = setTimeout(async () => {
      restartTimer = undefined
      if (stopping) return
      try {
        const started = (await spawnRedisServer({ bin, port, maxMemoryMb, dieWithParent: true }))
          .child
        if (stopping) {
          await stopChild(started)
          return
        }
        child = started
        restarts++
        delay = options.restartDelayMs ?? 250
        log.info('bundled redis-server restarted', { pid: started.pid, port })
        watch(started)
      } catch (err) {
        delay = Math.min(delay * 2, MAX_RESTART_DELAY_MS)
        log.warn('bundled redis-server restart failed; trying again', { err, delay_ms: delay })
        scheduleRestart()
      }
    }, delay)
    restartTimer.unref()
  }

  watch(child)
  log.info('bundled redis-server started', { pid: child.pid, port, max_memory_mb: maxMemoryMb })

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? null
    },
    get restarts() {
      return restarts
    },
    async stop() {
      if (stopping) return
      stopping = true
      clearTimeout(restartTimer)
      if (child) await stopChild(child)
      process.off('exit', onExit)
    },
  }
}
