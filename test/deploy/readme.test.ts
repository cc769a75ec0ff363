// Guards the READMEs against rot: the commands they tell a newcomer to run exist, and every
// file they link or name is in the repository.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ROOT } from '../../scripts/settings-doc.ts'

const DOCS = ['README.md', 'collector/README.md']
const scripts = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>
  }
).scripts

test('the quick start is the two commands the issue promises', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  const quick = /## Quick start\n+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  assert.match(quick, /^npm ci && npm run demo\b/m)
  assert.match(quick, /^npm test\b/m)
})

for (const doc of DOCS) {
  test(`${doc}: every npm script it mentions exists`, () => {
    const text = readFileSync(join(ROOT, doc), 'utf8')
    const named = [...text.matchAll(/\bnpm run ([a-z:-]+)/g)].map((m) => m[1]!)
    if (/\bnpm start\b/.test(text)) named.push('start')
    if (/\bnpm test\b/.test(text)) named.push('test')
    assert.ok(named.length > 0)
    for (const name of named) assert.ok(name in scripts, `${doc} mentions npm run ${name}`)
  })

  test(`${doc}: every linked or named repository file exists`, () => {
    const text = readFileSync(join(ROOT, doc), 'utf8')
    const here = dirname(join(ROOT, doc))
    for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = m[1]!
      if (/^[a-z]+:/.test(target)) continue
      assert.ok(existsSync(join(here, target)), `${doc} links ${target}`)
    }
    for (const m of text.matchAll(
      /`((?:compose|collector|scripts|test|orchestrator)\/[\w./-]+)`/g,
    )) {
      const path = m[1]!.replace(/\*.*$/, '')
      assert.ok(existsSync(join(ROOT, path)), `${doc} names ${m[1]}`)
    }
  })
}
