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

/** Folders of each wing, most specific first (the browser library sits inside orchestrator/). */
const WINGS: Array<[prefix: string, wing: string]> = [
  ['orchestrator/panel/client/', 'ui'],
  ['routes/', 'ui'],
  ['islands/', 'ui'],
  ['components/', 'ui'],
  ['utils/', 'ui'],
  ['collector/', 'collector'],
  ['orchestrator/', 'orchestrator'],
  ['lib/', 'lib'],
]

/**
 * Crossings the UI wing's current layout still needs, until the island framework sits in lib/
 * and the UI moves into components/ and utils/ are done: the orchestrator mounts the pages it
 * serves and shares the browser's types, and the pages take the island wrapper, the page shell
 * and two server-side helpers. This list may only shrink: a crossing not on it fails the test;
 * an entry that no longer occurs is reported, to be deleted here.
 */
const ALLOWED = new Set<string>([
  // The page shell and the island wrapper, until the islands framework moves to lib/.
  'routes/_app.tsx -> orchestrator/panel/assets.ts',
  'routes/_error.tsx -> orchestrator/panel/route.ts',
  'routes/settings.tsx -> orchestrator/panel/island.tsx',
  'routes/settings.tsx -> orchestrator/panel/route.ts',
  'routes/streams.tsx -> orchestrator/panel/island.tsx',
  'routes/streams.tsx -> orchestrator/panel/route.ts',
  // Data pages load through the orchestrator, until it is handed to them by the mount.
  'routes/settings.tsx -> orchestrator/loop-detection/settings.ts',
  'routes/streams.tsx -> orchestrator/streams/stream-page.ts',
  // The orchestrator mounts the pages it serves.
  'orchestrator/panel/index.ts -> routes/_app.tsx',
  'orchestrator/panel/index.ts -> routes/_error.tsx',
  'orchestrator/panel/index.ts -> routes/settings.tsx',
  'orchestrator/panel/index.ts -> routes/streams.tsx',
  // Row types the browser and the orchestrator's page data share, until they move to lib/.
  'orchestrator/live/streams-hub.ts -> utils/types.ts',
  'orchestrator/panel/data.ts -> utils/types.ts',
])

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
  assert.equal(wingOf('orchestrator/panel/client/api.ts'), 'ui')
  assert.equal(wingOf('orchestrator/app.ts'), 'orchestrator')
})
