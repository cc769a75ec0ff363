// `npm start`: runs the collector and the orchestrator side by side as child processes with
// this environment, forwards SIGTERM/SIGINT to both, and exits once both have exited. If one
// stops on its own, the other is stopped too, so a supervisor sees the failure and restarts.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** How long a child may take to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000

const SERVICES = {
  collector: 'collector/main.ts',
  orchestrator: 'orchestrator/main.ts',
} as const

const children = new Map<string, ChildProcess>()
let exitCode = 0
let stopping = false

function stopAll(signal: NodeJS.Signals) {
  if (stopping) return
  stopping = true
  for (const child of children.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  setTimeout(() => {
    for (const child of children.values()) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }, STOP_GRACE_MS).unref()
}

for (const [name, entry] of Object.entries(SERVICES)) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    env: process.env,
    stdio: 'inherit',
  })
  children.set(name, child)
  child.once('exit', (code, signal) => {
    children.delete(name)
    if (!stopping) {
      process.stderr.write(
        `start-all: ${name} exited (${signal ?? `code ${code}`}); stopping the other service\n`,
      )
      exitCode = code === 0 || code === null ? 1 : code
      stopAll('SIGTERM')
    } else if (code !== 0 && code !== null && exitCode === 0) {
      exitCode = code
    }
    if (children.size === 0) process.exit(exitCode)
  })
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => stopAll(signal))
}
