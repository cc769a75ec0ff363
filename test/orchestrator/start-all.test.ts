// Guards `npm start` (scripts/start-all.ts): both services come up from one command with the
// inherited environment (loopback-only settings here), and SIGTERM stops both cleanly.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { localCollectorEnv } from '../helpers/collector-process.ts'
import { createTempDir } from '../helpers/orchestrator-process.ts'
import { eventually, freePort } from '../helpers/wait.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const waitForHealth = (url: string): Promise<any> =>
  eventually(
    async () => {
      const res = await fetch(url)
      return res.ok ? await res.json() : undefined
    },
    { timeoutMs: 30_000, intervalMs: 250, what: `${url} to answer` },
  )

test('npm start runs collector and orchestrator, and SIGTERM stops both', async (t) => {
  const data = await createTempDir()
  t.after(() => data.remove())
  const [collectorPort, appPort] = [await freePort(), await freePort()]
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      // No swarm given: no trackers, no DHT bootstrap, everything on 127.0.0.1.
      ...localCollectorEnv({ env: { PORT: String(collectorPort), LOG_LEVEL: 'warn' } }),
      APP_PORT: String(appPort),
      APP_HOST: '127.0.0.1',
      DATA_DIR: data.dir,
      PEER_COLLECTOR_ENABLED: 'true',
      PEER_COLLECTOR_URL: `http://127.0.0.1:${collectorPort}`,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (c) => (stderr += c))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL')
  })

  const orch = await waitForHealth(`http://127.0.0.1:${appPort}/health`)
  assert.equal(orch.status, 'ok')
  await waitForHealth(`http://127.0.0.1:${collectorPort}/health`)
  // The orchestrator reaches the collector it was started with.
  const check = await fetch(`http://127.0.0.1:${appPort}/peer-collector/health`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ collector_url: `http://127.0.0.1:${collectorPort}` }),
  })
  assert.equal(check.status, 200)
  await check.arrayBuffer()

  child.kill('SIGTERM')
  assert.equal(await exited, 0, stderr)
  await assert.rejects(fetch(`http://127.0.0.1:${appPort}/health`))
  await assert.rejects(fetch(`http://127.0.0.1:${collectorPort}/health`))
})
