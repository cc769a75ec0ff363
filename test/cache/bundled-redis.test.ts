// Guards the bundled redis-server: it starts on loopback and answers, comes back when killed,
// and never outlives whoever started it (stop(), process.exit, a crash).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { pingRedis } from '../../collector/cache/redis-server-process.ts'
import { startBundledRedis } from '../../collector/cache/bundled-redis.ts'
import { alive, recordingLogger, until } from './support.ts'

test('the bundled redis-server answers on loopback, is restarted when it dies, and stops', async (t) => {
  const bundled = await startBundledRedis({
    bin: 'redis-server',
    maxMemoryMb: 16,
    log: recordingLogger(),
    restartDelayMs: 50,
  })
  assert.ok(bundled, 'redis-server is installed here')
  t.after(() => bundled.stop())
  assert.match(bundled.url, /^redis:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(await pingRedis(bundled.port), true)
  const first = bundled.pid!
  assert.ok(alive(first))

  process.kill(first, 'SIGKILL')
  await until('restart', () => bundled.restarts === 1 && bundled.pid !== null)
  assert.notEqual(bundled.pid, first)
  assert.equal(await pingRedis(bundled.port), true) // same port: clients just reconnect

  const second = bundled.pid!
  await bundled.stop()
  await bundled.stop() // twice is fine
  assert.equal(alive(second), false)
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(await pingRedis(bundled.port), false) // and nothing restarted it
})

test('without a redis-server binary it says so once and returns null', async () => {
  const lines: { level: string; msg: string }[] = []
  const bundled = await startBundledRedis({
    bin: '/nonexistent/redis-server',
    maxMemoryMb: 16,
    log: recordingLogger(lines),
  })
  assert.equal(bundled, null)
  assert.equal(lines.filter((l) => l.level === 'warn').length, 1)
  assert.match(lines[0]!.msg, /no redis-server binary/)
})

// SIGKILL relies on util-linux setpriv (installed on Debian); the image's distroless runtime has
// none, but there the container ends with its main process anyway.
for (const how of ['exit', 'throw', 'sigkill']) {
  test(`no orphan redis-server when its process ends by ${how} without stopping it`, async () => {
    const fixture = fileURLToPath(new URL('./fixtures/bundled-redis-host.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, how], {
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    await new Promise((resolve) => child.once('exit', resolve))
    const { pid } = JSON.parse(out.trim().split('\n')[0] ?? '{}') as { pid: number | null }
    assert.ok(pid, `fixture printed a pid: ${out}`)
    await until('redis-server gone', () => !alive(pid), 3000)
  })
}
