// Guards the layout: each wing imports only `lib/` and its own folder. The services
// (collector/, orchestrator/) never import each other or the UI; the UI wing (pages, islands,
// components and the browser library) never imports a service folder; lib/ is a leaf. Every
// relative import and `import()` in the source is read, type-only ones included, since a type
// import still ties the two folders' shapes together.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Folders of each wing. */
const WINGS: Array<[prefix: string, wing: string]> = [
  ['routes/', 'ui'],
  ['islands/', 'ui'],
  ['components/', 'ui'],
  ['utils/', 'ui'],
  ['collector/', 'collector'],
  ['orchestrator/', 'orchestrator'],
  ['lib/', 'lib'],
]

/**
 * Crossings the layout still needs: none. Kept so a needed exception is written down here, with
 * its reason; an entry that no longer occurs is reported, to be deleted.
 */
const ALLOWED = new Set<string>([])

const wingOf = (file: string) => WINGS.find(([prefix]) => file.startsWith(prefix))?.[1]

function sources(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`
    if (entry.isDirectory()) out.push(...sources(path))
    else if (/\.(ts|tsx|mts)$/.test(entry.name)) out.push(path)
  }
  return out
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g

/** Every `importer -> imported` pair whose two files sit in different wings. */
function crossings(): string[] {
  const top = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && WINGS.some(([p]) => p.startsWith(`${e.name}/`)))
    .map((e) => e.name)
  const found: string[] = []
  for (const file of top.flatMap(sources)) {
    const from = wingOf(file)
    if (!from) continue
    for (const [, spec] of readFileSync(join(ROOT, file), 'utf8').matchAll(SPECIFIER)) {
      const target = normalize(join(dirname(file), spec!))
      const to = wingOf(target)
      if (to === from || to === 'lib') continue
      found.push(`${file} -> ${relative('.', target)}`)
    }
  }
  return found.sort()
}

test('no file imports another wing than its own and lib/', (t) => {
  const found = crossings()
  const added = found.filter((c) => !ALLOWED.has(c))
  assert.deepEqual(added, [], 'new imports across wings')
  for (const gone of [...ALLOWED].filter((c) => !found.includes(c)))
    t.diagnostic(`no longer crosses, delete from ALLOWED: ${gone}`)
})

test('the scan sees a crossing when there is one', () => {
  // The check would pass on an empty scan too; make sure it reads real imports.
  const all = sources('collector').flatMap((f) =>
    [...readFileSync(join(ROOT, f), 'utf8').matchAll(SPECIFIER)].map((m) => m[1]),
  )
  assert.ok(
    all.some((s) => s!.includes('/lib/')),
    'collector files import lib/',
  )
  assert.equal(wingOf('utils/api.ts'), 'ui')
  assert.equal(wingOf('orchestrator/app.ts'), 'orchestrator')
})
