import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { sleep } from '../../lib/deadline.ts'

export interface RedisServerSpawnOptions {
  port: number
  /** The executable; a bare name is looked up on PATH (default `redis-server`). */
  bin?: string
  maxMemoryMb?: number
  /** Working directory redis-server may write to (it writes nothing without persistence). */
  dir?: string
  /** How long to wait for the first PONG. */
  readyTimeoutMs?: number
  /**
   * Have the kernel stop the server when this process dies, even by SIGKILL (Linux
   * PR_SET_PDEATHSIG through util-linux `setpriv`, where installed; otherwise not available).
   */
  dieWithParent?: boolean
}

export interface SpawnedRedisServer {
  child: ChildProcess
  port: number
  url: string
}

export class RedisServerMissingError extends Error {
  constructor(bin: string) {
    super(`redis-server binary not found: ${bin}`)
    this.name = 'RedisServerMissingError'
  }
}

/**
 * Starts a cache-only `redis-server` on loopback: no RDB/AOF persistence, memory bounded with
 * LRU eviction, no config file (so nothing can be rewritten). Resolves once it answers PING.
 *
 * @example
 * const server = await spawnRedisServer({ port: await findFreePort() })
 * console.log(`redis://127.0.0.1:${server.port}`, server.child.pid)
 */
export async function spawnRedisServer(
  options: RedisServerSpawnOptions,
): Promise<SpawnedRedisServer> {
  const bin = options.bin ?? 'redis-server'
  const args = [
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--maxmemory', `${options.maxMemoryMb ?? 64}mb`,
    '--maxmemory-policy', 'allkeys-lru',
    '--dir', options.dir ?? tmpdir(),
    '--daemonize', 'no',
    '--loglevel', 'warning',
  ] // prettier-ignore
  const setpriv = options.dieWithParent ? findSetpriv() : undefined
  // setpriv sets the parent-death signal, then execs redis-server: same pid, no extra process.
  const child = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'SIGTERM', '--', bin, ...args], {
        stdio: ['ignore', 'ignore', 'pipe'],
      })
    : spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d
  })
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new RedisServerMissingError(bin) : err),
    )
    child.once('exit', (code, signal) =>
      reject(
        // setpriv reports a missing program with exit status 127, as a shell would.
        setpriv && code === 127
          ? new RedisServerMissingError(bin)
          : new Error(`redis-server exited (${signal ?? code}) before answering: ${stderr.trim()}`),
      ),
    )
  })
  exited.catch(() => {})
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000)
  try {
    for (;;) {
      // Ask for the process id, not just PONG: another server may have taken the port first.
      const pid = await Promise.race([serverPid(options.port), exited])
      if (pid === child.pid) break
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING in time')
      await Promise.race([sleep(30), exited])
    }
  } catch (err) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    throw err
  }
  return { child, port: options.port, url: `redis://127.0.0.1:${options.port}` }
}

const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv']

function findSetpriv(): string | undefined {
  return SETPRIV_PATHS.find((p) => existsSync(p))
}

/** True when something on 127.0.0.1:port answers `PING` with `+PONG`. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return askRedis(port, 'PING', timeoutMs, false, (buf, done) => {
    if (buf.includes('\r\n')) done(buf.startsWith('+PONG'))
  })
}

/** The `process_id` a Redis server on 127.0.0.1:port reports, or undefined. */
function serverPid(port: number, timeoutMs = 500): Promise<number | undefined> {
  return askRedis<number | undefined>(port, 'INFO server', timeoutMs, undefined, (buf, done) => {
    if (buf.startsWith('-')) return done(undefined)
    const m = /process_id:(\d+)/.exec(buf)
    if (m && buf.includes('\r\n', (m.index ?? 0) + m[0].length)) done(Number(m[1]))
  })
}

/**
 * Sends one inline command to 127.0.0.1:port; `read` sees the whole reply so far after each
 * chunk and calls `done` once it has its answer. Resolves `failed` on timeout or socket error.
 */
function askRedis<T>(
  port: number,
  command: string,
  timeoutMs: number,
  failed: T,
  read: (buf: string, done: (value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    let buf = ''
    const done = (value: T) => {
      socket.destroy()
      resolve(value)
    }
    socket.setTimeout(timeoutMs, () => done(failed))
    socket.once('error', () => done(failed))
    socket.once('connect', () => socket.write(`${command}\r\n`))
    socket.setEncoding('utf8').on('data', (d: string) => {
      buf += d
      read(buf, done)
    })
  })
}

/** A loopback TCP port that was free a moment ago (the OS picks it). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Sends SIGTERM, waits up to `graceMs` for the exit, then SIGKILL. Safe to call twice. */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  try {
    await exited
  } finally {
    clearTimeout(timer)
  }
}
