// Guards how the collector tells saturation from a busy moment: with a crowd of callers waiting
// on a busy loop, background work waits (until the loop eases, or its longest wait passed) and
// waits already running are cut short; a busy loop without a crowd, or a crowd on an idle loop,
// holds nothing back, and a loop that stays busy once the crowd left stops counting as saturated
// after the linger time.
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import {
  createLoopPressure,
  type LoopPressure,
  type LoopPressureOptions,
} from '../../collector/discovery/loop-pressure.ts'
import { saturateLoop } from '../helpers/saturate.ts'
import { eventually } from '../helpers/wait.ts'

const MIN_CALLERS = 8
const options = { sampleMs: 20, minCallers: MIN_CALLERS }

/** Whether `p` has settled once pending callbacks ran. */
async function isSettled(p: Promise<void>): Promise<boolean> {
  let done = false
  void p.then(() => (done = true))
  await new Promise((r) => setImmediate(r))
  return done
}

/** `n` callers in flight; the returned function answers them all. */
function crowd(pressure: LoopPressure, n = MIN_CALLERS): () => void {
  const answered = Array.from({ length: n }, () => pressure.caller())
  return () => answered.forEach((a) => a())
}

/** A pressure over a saturated loop: kept busy, with a crowd in flight, until the test ends. */
async function saturatedPressure(t: TestContext, over: LoopPressureOptions) {
  const pressure = createLoopPressure({ ...options, ...over })
  t.after(() => pressure.close())
  const stop = saturateLoop()
  t.after(stop)
  const answerCrowd = crowd(pressure)
  t.after(answerCrowd)
  await eventually(() => pressure.saturated(), { what: 'saturation', intervalMs: 10 })
  return { pressure, stop, answerCrowd }
}

const samplesPassed = (pressure: LoopPressure, n: number) => {
  const from = pressure.stats().samples
  return eventually(() => pressure.stats().samples >= from + n, {
    what: `${n} samples`,
    intervalMs: 10,
  })
}

test('a crowd on a busy loop holds work back and cuts waits; it goes once the loop eases', async (t) => {
  const { pressure, stop, answerCrowd } = await saturatedPressure(t, { maxWaitMs: 60_000 })
  let cut = 0
  const off = pressure.onSaturated(() => cut++)
  await eventually(() => cut > 0, { what: 'a running wait cut short', intervalMs: 10 })
  off()

  const held = pressure.whenIdle()
  assert.equal(await isSettled(held), false, 'held back while saturated')
  assert.equal(pressure.stats().waiting, 1)
  // The crowd answered but the loop still busy (answers being written): still saturated.
  answerCrowd()
  await samplesPassed(pressure, 2)
  assert.equal(pressure.saturated(), true)
  assert.equal(await isSettled(held), false)

  stop()
  await held
  assert.equal(pressure.saturated(), false)
  assert.deepEqual(
    { deferred: pressure.stats().deferred, waiting: pressure.stats().waiting },
    { deferred: 1, waiting: 0 },
  )
})

test('under sustained saturation a held-back caller still goes after its longest wait', async (t) => {
  const { pressure } = await saturatedPressure(t, { maxWaitMs: 300 })
  const t0 = performance.now()
  await pressure.whenIdle()
  assert.ok(pressure.saturated(), 'released while still saturated')
  assert.ok(performance.now() - t0 >= 290, 'not before its longest wait')
})

test('an aborted caller is released at once', async (t) => {
  const { pressure } = await saturatedPressure(t, { maxWaitMs: 60_000 })
  const abort = new AbortController()
  const held = pressure.whenIdle(abort.signal)
  assert.equal(await isSettled(held), false)
  abort.abort()
  assert.equal(await isSettled(held), true)
})

test('a busy loop without a crowd is not saturation', async (t) => {
  const pressure = createLoopPressure(options)
  t.after(() => pressure.close())
  let seen = false
  pressure.onSaturated(() => (seen = true))
  const stop = saturateLoop()
  t.after(stop)
  const answer = crowd(pressure, MIN_CALLERS - 1)
  t.after(answer)
  await samplesPassed(pressure, 5)
  stop()
  assert.equal(seen, false)
  assert.equal(pressure.saturated(), false)
  assert.equal(await isSettled(pressure.whenIdle()), true, 'whenIdle resolves at once')
})

test('a crowd on an idle loop is not saturation', async (t) => {
  const pressure = createLoopPressure(options)
  t.after(() => pressure.close())
  t.after(crowd(pressure, 4 * MIN_CALLERS))
  await samplesPassed(pressure, 5)
  assert.equal(pressure.saturated(), false)
  assert.equal(await isSettled(pressure.whenIdle()), true)
  assert.equal(pressure.stats().deferred, 0)
})

test('saturation outlasts the crowd by its linger time at most, on a loop that stays busy', async (t) => {
  const { pressure, answerCrowd } = await saturatedPressure(t, { lingerMs: 200, maxWaitMs: 60_000 })
  const held = pressure.whenIdle()
  answerCrowd()
  // The loop stays as busy as before; only the crowd is gone.
  await eventually(() => !pressure.saturated(), { what: 'saturation to end', intervalMs: 10 })
  await held
  assert.equal(pressure.stats().waiting, 0)
})
