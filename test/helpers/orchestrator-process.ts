/**
 * Starts the orchestrator for tests: in-process (real HTTP on a free loopback port) or as a real
 * child process running `orchestrator/main.ts`, for restart and signal tests. Both use a fresh
 * temp DATA_DIR unless one is given, and both are stopped by the returned `close()`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createLogger } from '../../lib/log.ts'
import { loadOrchestratorConfig } from '../../orchestrator/config.ts'
import { startOrchestrator, type RunningOrchestrator } from '../../orchestrator/server.ts'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')

/** A temp folder removed by the returned cleanup. */
export async function createTempDir(
  prefix = 'orch-test-',
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * The orchestrator in this process, listening on 127.0.0.1:<free port>. `env` overrides the
 * settings (strings, as in the environment); the poller runs with COLLECT_INTERVAL_S.
 *
 * @example
 * const orch = await startTestOrchestrator({ COLLECT_INTERVAL_S: '1' })
 * t.after(() => orch.close())
 */
export async function startTestOrchestrator(
  env: Record<string, string> = {},
): Promise<RunningOrchestrator & { dataDir: string }> {
  const temp = env.DATA_DIR ? undefined : await createTempDir()
  const config = loadOrchestratorConfig({
    APP_PORT: '0',
    APP_HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Long default so only tests that want the schedule see it; others call pollOnce().
    COLLECT_INTERVAL_S: '3600',
    ...env,
    DATA_DIR: env.DATA_DIR ?? (temp as { dir: string }).dir,
  })
  const log = createLogger('orchestrator-test', config.LOG_LEVEL)
  const orch = await startOrchestrator(config, log)
  const close = orch.close
  return {
    ...orch,
    dataDir: config.DATA_DIR,
    async close() {
      await close()
      await temp?.remove()
    },
  }
}

export interface OrchestratorProcess {
  url: string
  port: number
  child: ChildProcess
  /** stderr lines so far (JSON log lines), for diagnosis. */
  output: string[]
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code (safe twice). */
  stop(graceMs?: number): Promise<number | null>
}

/**
 * `tsx orchestrator/main.ts` as a child process with only the given environment (plus PATH),
 * resolved when it logs `listening`.
 *
 * @example
 * const p = await spawnOrchestrator({ DATA_DIR: dir })
 * t.after(() => p.stop())
 */
export async function spawnOrchestrator(
  env: Record<string, string>,
  opts: { startTimeoutMs?: number } = {},
): Promise<OrchestratorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'orchestrator/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      APP_PORT: '0',
      APP_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const output: string[] = []
  let exited: Promise<number | null>
  exited = new Promise((res) => child.once('exit', (code) => res(code)))

  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`orchestrator did not start in time:\n${output.join('\n')}`))
    }, opts.startTimeoutMs ?? 20_000)
    let buf = ''
    child.stderr!.setEncoding('utf8')
    child.stderr!.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (output.length < 500) output.push(line)
        try {
          const msg = JSON.parse(line) as { msg?: string; port?: number }
          if (msg.msg === 'listening' && typeof msg.port === 'number') {
            clearTimeout(timer)
            resolvePort(msg.port)
          }
        } catch {
          // not a log line
        }
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`orchestrator exited with ${code} before listening:\n${output.join('\n')}`))
    })
  })

  let stopping: Promise<number | null> | undefined
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    output,
    stop(graceMs = 5000) {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
        const code = await exited
        clearTimeout(timer)
        return code
      })()
      return stopping
    },
  }
}
