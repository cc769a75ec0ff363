// Guards the start against a data folder it cannot use: a read-only DATA_DIR stops the start
// with one line naming it (instead of a 500 on the first Save), and a settings file with one
// bad or unknown key loses only that key.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createTempDir, startTestOrchestrator } from '../helpers/orchestrator-process.ts'

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..')

test('a read-only DATA_DIR stops the start with one line naming it', async (t) => {
  const temp = await createTempDir()
  t.after(() => temp.remove())
  const dir = join(temp.dir, 'data')
  await mkdir(dir)
  await chmod(temp.dir, 0o755)
  await chmod(dir, 0o555)
  // Root writes through permissions by its capabilities, so as root the orchestrator runs with
  // every capability dropped (util-linux's setpriv): still uid 0, so it can read the checkout
  // wherever it lies (a private temp folder, say, which another user could not enter), but the
  // folder's mode bits now apply to it.
  const command = [process.execPath, '--import', 'tsx', 'orchestrator/main.ts']
  if (process.getuid?.() === 0)
    command.unshift('setpriv', '--inh-caps=-all', '--bounding-set=-all', '--')
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', APP_PORT: '0', APP_HOST: '127.0.0.1', DATA_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)))
  clearTimeout(timer)
  assert.notEqual(code, 0, `it must not start:\n${stderr}`)
  assert.doesNotMatch(stderr, /"listening"/)
  const lines = stderr
    .trim()
    .split('\n')
    .filter((l) => /DATA_DIR/.test(l))
  assert.equal(lines.length, 1, stderr)
  assert.match(lines[0]!, new RegExp(`DATA_DIR ${dir} is not writable`))
  assert.deepEqual(await readdir(dir), [])
})

test('a settings file with one bad and one unknown key keeps every other saved value', async (t) => {
  const data = await createTempDir()
  t.after(() => data.remove())
  await writeFile(
    join(data.dir, 'runtime-settings.json'),
    // Written as text: an object literal would turn `__proto__` into a prototype, not a key.
    `{"version":1,"settings":{"PEER_COLLECTOR_ENABLED":true,` +
      `"PEER_COLLECTOR_URL":"ftp://not-a-collector","CACHE_TTL_SECONDS":12,` +
      `"FUTURE_SETTING":"x","__proto__":{"polluted":true}}}`,
  )
  const orch = await startTestOrchestrator({
    DATA_DIR: data.dir,
    PEER_COLLECTOR_URL: 'http://127.0.0.1:18080',
  })
  t.after(() => orch.close())
  const now = orch.runtime.get()
  assert.equal(now.PEER_COLLECTOR_ENABLED, true, 'kept')
  assert.equal(now.CACHE_TTL_SECONDS, 12, 'kept')
  assert.equal(
    now.PEER_COLLECTOR_URL,
    'http://127.0.0.1:18080',
    'the bad value fell back to the environment',
  )
  assert.equal((now as unknown as Record<string, unknown>).FUTURE_SETTING, undefined)
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})
