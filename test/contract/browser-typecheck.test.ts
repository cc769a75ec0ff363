/**
 * Guards the browser wing's own typecheck (tsconfig.browser.json: DOM, no Node types): a browser
 * file importing a Node module fails it, and the browser wing's program holds only browser code
 * and the shared lib/, never a service module reached through a type import.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))

function tsc(...args: string[]) {
  const r = spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8' })
  return { code: r.status, out: `${r.stdout}${r.stderr}` }
}

test('a browser file importing node:fs fails the browser typecheck', () => {
  const r = tsc('--noEmit', '-p', 'test/fixtures/browser-bad/tsconfig.json')
  assert.notEqual(r.code, 0, 'the browser typecheck accepted a Node import')
  assert.match(r.out, /imports-node\.ts.*error TS2307: Cannot find module 'node:fs'/)
})

test('a browser file using the DOM and the shared contract passes the browser typecheck', () => {
  const r = tsc('--noEmit', '-p', 'test/fixtures/browser-good/tsconfig.json')
  assert.equal(r.code, 0, r.out)
})

test('the browser typecheck sees only browser code and lib/, and no Node types', () => {
  const r = tsc('--noEmit', '-p', 'tsconfig.browser.json', '--listFilesOnly')
  assert.equal(r.code, 0, r.out)
  const files = r.out.split('\n').filter(Boolean)
  assert.ok(
    !files.some((f) => f.includes('/@types/node/')),
    'Node types were pulled into the browser program',
  )
  // The browser wing and the shared leaf (lib/, whose browser-safe modules it may use; one that
  // needed Node would fail the compile above), never a service's folder.
  const BROWSER = /^(components|islands|utils|lib)\//
  const outside = files
    .filter((f) => !f.includes('/node_modules/'))
    .map((f) => relative(ROOT, f))
    .filter((f) => !BROWSER.test(f))
  assert.deepEqual(outside, [], 'browser code imports modules outside the browser wing')
  assert.ok(files.some((f) => f.endsWith('islands/StreamsTable.tsx')))
})
