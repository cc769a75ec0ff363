// A real redis-server for tests: free loopback port, its own temp dir, stopped in t.after.
// It can be killed, paused (SIGSTOP, a hung server) and restarted on the same port, which is
// what the outage tests need.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ChildProcess } from 'node:child_process'
import {
  findFreePort,
  spawnRedisServer,
  stopChild,
} from '../../collector/cache/redis-server-process.ts'

export interface TestRedisServer {
  url: string
  port: number
  readonly pid: number
  /** Kills the server with `signal` (default SIGKILL) and waits until it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again on the same port (after kill). */
  restart(): Promise<void>
  /** SIGSTOP: the socket stays open but nothing answers. */
  pause(): void
  resume(): void
  stop(): Promise<void>
}

export async function startRedisServer(t: {
  after(fn: () => Promise<void> | void): void
}): Promise<TestRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'test-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  for (let attempt = 0; ; attempt++) {
    port = await findFreePort()
    try {
      child = (await spawnRedisServer({ port, dir, maxMemoryMb: 32 })).child
      break
    } catch (err) {
      if (attempt >= 3) throw err // a lost race for the port gets a few more tries
    }
  }
  const handle: TestRedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid ?? -1
    },
    async kill(signal = 'SIGKILL') {
      if (!child || child.exitCode !== null || child.signalCode !== null) return
      const gone = new Promise((resolve) => child!.once('exit', resolve))
      child.kill('SIGCONT')
      child.kill(signal)
      await gone
    },
    async restart() {
      await handle.kill('SIGTERM')
      child = (await spawnRedisServer({ port, dir, maxMemoryMb: 32 })).child
    },
    pause() {
      child?.kill('SIGSTOP')
    },
    resume() {
      child?.kill('SIGCONT')
    },
    async stop() {
      if (child) {
        child.kill('SIGCONT')
        await stopChild(child)
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
  t.after(() => handle.stop())
  return handle
}
