// Guards the one bounded-wait helper every service uses: work that finishes in time wins, work
// that does not gets the fallback or a DeadlineError, and an abort ends the wait early.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DeadlineError, sleep, withDeadline } from '../../lib/deadline.ts'

const never = () => new Promise<never>(() => {})
const after = <T>(ms: number, value: T) =>
  new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))

test('work that finishes in time is the answer', async () => {
  assert.equal(await withDeadline(after(5, 'done'), 1000), 'done')
})

test('work that does not finish in time gets the fallback', async () => {
  const t0 = performance.now()
  assert.equal(await withDeadline(never(), 30, { onTimeout: () => 'late' }), 'late')
  assert.ok(performance.now() - t0 < 1000)
})

test('without a fallback a late answer rejects with a DeadlineError naming the wait', async () => {
  await assert.rejects(withDeadline(never(), 10), (err: unknown) => {
    assert.ok(err instanceof DeadlineError)
    assert.match(err.message, /10 ms/)
    return true
  })
  await assert.rejects(withDeadline(never(), 10, { message: 'redis slow' }), /redis slow/)
})

test('work that fails in time fails the wait', async () => {
  await assert.rejects(withDeadline(Promise.reject(new Error('boom')), 1000), /boom/)
})

test('an abort ends the wait before the timer', async () => {
  const ctl = new AbortController()
  const t0 = performance.now()
  const wait = withDeadline(never(), 60_000, { signal: ctl.signal, onTimeout: () => 'stopped' })
  ctl.abort()
  assert.equal(await wait, 'stopped')
  await assert.rejects(withDeadline(never(), 60_000, { signal: AbortSignal.abort() }))
  assert.ok(performance.now() - t0 < 1000)
})

test('sleep waits its time, or less when aborted', async () => {
  let t0 = performance.now()
  await sleep(20)
  assert.ok(performance.now() - t0 >= 15)
  const ctl = new AbortController()
  t0 = performance.now()
  const nap = sleep(60_000, ctl.signal)
  ctl.abort()
  await nap
  assert.ok(performance.now() - t0 < 1000)
})
