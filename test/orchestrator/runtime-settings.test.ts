// Guards the runtime settings: a validated JSON PATCH (defect D13 ignored the body), values
// that survive a restart of a real orchestrator process, and a crash mid-save that never loses
// the previous values.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LOOP_DETECTION_DEFAULTS } from '../../orchestrator/loop-detection/settings.ts'
import {
  createTempDir,
  spawnOrchestrator,
  startTestOrchestrator,
} from '../helpers/orchestrator-process.ts'

// What the environment does not set: Loop Detection's defaults, and address masking off.
const UNNAMED_DEFAULTS = { ...LOOP_DETECTION_DEFAULTS, MASK_PEER_ADDRESSES: false }

const patch = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/config/runtime`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

test('the environment gives the first values', async (t) => {
  const orch = await startTestOrchestrator({
    PEER_COLLECTOR_ENABLED: 'true',
    PEER_COLLECTOR_URL: 'http://127.0.0.1:18080/',
    CACHE_TTL_SECONDS: '45',
  })
  t.after(() => orch.close())
  const res = await fetch(`${orch.url}/config/runtime`)
  assert.deepEqual(await res.json(), {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:18080',
    CACHE_TTL_SECONDS: 45,
    ...UNNAMED_DEFAULTS,
  })
})

test('PATCH validates its JSON body and names the bad fields', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const cases: Array<[unknown, number, RegExp]> = [
    [
      { PEER_COLLECTOR_URL: 'ftp://127.0.0.1/x' },
      422,
      /PEER_COLLECTOR_URL: expected an http or https URL/,
    ],
    [{ PEER_COLLECTOR_URL: 'not a url' }, 422, /PEER_COLLECTOR_URL/],
    [{ PEER_COLLECTOR_ENABLED: 'yes' }, 422, /PEER_COLLECTOR_ENABLED/],
    [{ CACHE_TTL_SECONDS: -1 }, 422, /CACHE_TTL_SECONDS/],
    [{ PEER_COLLECTOR_ENABLD: true }, 422, /unknown field\(s\) PEER_COLLECTOR_ENABLD/],
    [[1, 2], 422, /\(body\)/],
    ['{"PEER_COLLECTOR_ENABLED": tru', 400, /.*/],
  ]
  for (const [body, status, detail] of cases) {
    const res = await patch(orch.url, body)
    assert.equal(res.status, status, JSON.stringify(body))
    const b = (await res.json()) as { error: string; detail?: string }
    assert.match(`${b.error} ${b.detail ?? ''}`, detail)
  }
  const now = await (await fetch(`${orch.url}/config/runtime`)).json()
  assert.deepEqual(now, {
    PEER_COLLECTOR_ENABLED: false,
    PEER_COLLECTOR_URL: null,
    CACHE_TTL_SECONDS: 30,
    ...UNNAMED_DEFAULTS,
  })
})

test('PATCH changes only what it names and writes the file atomically', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const res = await patch(orch.url, {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: 'https://collector.test:8443/',
  })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: 'https://collector.test:8443',
    CACHE_TTL_SECONDS: 30,
    ...UNNAMED_DEFAULTS,
  })
  const res2 = await patch(orch.url, { CACHE_TTL_SECONDS: 5, PEER_COLLECTOR_URL: null })
  assert.deepEqual(await res2.json(), {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: null,
    CACHE_TTL_SECONDS: 5,
    ...UNNAMED_DEFAULTS,
  })
  const onDisk = JSON.parse(await readFile(join(orch.dataDir, 'runtime-settings.json'), 'utf8'))
  assert.equal(onDisk.settings.CACHE_TTL_SECONDS, 5)
  assert.deepEqual(
    settingsFiles(await readdir(orch.dataDir)),
    ['runtime-settings.json'],
    'no temp file left',
  )
})

test('a half-written temp file from a crash never loses the previous values', async (t) => {
  const data = await createTempDir()
  t.after(() => data.remove())
  const first = await startTestOrchestrator({ DATA_DIR: data.dir })
  await patch(first.url, { PEER_COLLECTOR_ENABLED: true, CACHE_TTL_SECONDS: 12 })
  await first.close()

  // What a crash between write and rename leaves behind: a torn temp file beside the real one.
  const torn = join(data.dir, 'runtime-settings.json.4242.deadbeef.tmp')
  await writeFile(torn, '{"version":1,"settings":{"PEER_COLLECTOR_ENABLED":fal')

  const second = await startTestOrchestrator({ DATA_DIR: data.dir, CACHE_TTL_SECONDS: '99' })
  t.after(() => second.close())
  const now = await (await fetch(`${second.url}/config/runtime`)).json()
  assert.deepEqual(now, {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: null,
    CACHE_TTL_SECONDS: 12,
    ...UNNAMED_DEFAULTS,
  })
  assert.deepEqual(
    settingsFiles(await readdir(data.dir)),
    ['runtime-settings.json'],
    'the torn file was cleaned up',
  )
})

test('PATCH then restart the orchestrator process: the values are still there', async (t) => {
  const data = await createTempDir()
  t.after(() => data.remove())
  const env = { DATA_DIR: data.dir, API_KEY: 'restart-key', PEER_COLLECTOR_ENABLED: 'false' }
  const first = await spawnOrchestrator(env)
  t.after(() => first.stop())
  const res = await patch(
    first.url,
    {
      PEER_COLLECTOR_ENABLED: true,
      PEER_COLLECTOR_URL: 'http://127.0.0.1:9',
      CACHE_TTL_SECONDS: 7,
    },
    { 'x-api-key': 'restart-key' },
  )
  assert.equal(res.status, 200)
  assert.equal(await first.stop(), 0, 'SIGTERM stops it cleanly')

  const second = await spawnOrchestrator(env)
  t.after(() => second.stop())
  assert.deepEqual(await (await fetch(`${second.url}/config/runtime`)).json(), {
    PEER_COLLECTOR_ENABLED: true,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:9',
    CACHE_TTL_SECONDS: 7,
    ...UNNAMED_DEFAULTS,
  })
})

/** The runtime settings' own files; the history database shares DATA_DIR. */
function settingsFiles(names: string[]): string[] {
  return names.filter((n) => n.startsWith('runtime-settings'))
}
