// Guards "the docs cannot drift": `.env.example`, the README's settings tables and the compose
// files' environment blocks must say what the code's settings specs say.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { COLLECTOR_SETTINGS, loadCollectorConfig } from '../../collector/config.ts'
import { ORCHESTRATOR_SETTINGS, loadOrchestratorConfig } from '../../orchestrator/config.ts'
import { int } from '../../lib/settings.ts'
import {
  SETTINGS_SECTIONS,
  expectedFiles,
  readDocFiles,
  staleFiles,
} from '../../scripts/settings-doc.ts'

/** Reads `NAME=value` lines the way docker-compose's env files are read (no quoting used). */
function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line)
    if (m) out[m[1]!] = m[2]!
  }
  return out
}

test('.env.example, the README tables and the compose environments match the code', () => {
  const current = readDocFiles()
  const stale = staleFiles(current, expectedFiles(current))
  assert.deepEqual(stale, [], `stale: ${stale.join(', ')}; run npm run docs:settings`)
})

test('a new setting in the code makes every generated file stale', () => {
  const current = readDocFiles()
  const sections = SETTINGS_SECTIONS.map((s) =>
    s.id === 'collector'
      ? {
          ...s,
          spec: { ...s.spec, NEW_KNOB_SECONDS: { default: '7', doc: 'A knob', parse: int() } },
        }
      : s,
  )
  const want = expectedFiles(current, sections)
  assert.deepEqual(staleFiles(current, want), [
    '.env.example',
    'README.md',
    'compose/docker-compose.yml',
    'compose/docker-compose.gluetun.yml',
    'compose/docker-compose.gluetun-redundant.yml',
  ])
  assert.match(want.env, /^# A knob\. Default: 7\.\nNEW_KNOB_SECONDS=7$/m)
  assert.match(want.readme, /^\| `NEW_KNOB_SECONDS` \| `7` \| A knob \|$/m)
  assert.match(want.compose[1]!, /^ {6}NEW_KNOB_SECONDS: "\$\{NEW_KNOB_SECONDS:-7\}"$/m)
})

test('every setting of both services is in .env.example and the README with its default', () => {
  const { env, readme } = readDocFiles()
  const example = parseEnvFile(env)
  for (const spec of [COLLECTOR_SETTINGS, ORCHESTRATOR_SETTINGS]) {
    for (const [name, s] of Object.entries(spec)) {
      assert.ok(name in example, `${name} missing from .env.example`)
      const def = s.default === undefined ? '_unset_' : `\`${s.default}\``
      assert.ok(readme.includes(`| \`${name}\` | ${def} |`), `${name} missing from README`)
    }
  }
  // SPEC section 3 asks for these two lines literally.
  assert.equal(example.PEER_COLLECTOR_ENABLED, 'false')
  assert.equal(example.PEER_COLLECTOR_URL, 'http://gluetun:8080')
})

test('.env.example as an env file starts both services with their defaults', () => {
  const example = parseEnvFile(readDocFiles().env)
  assert.deepEqual(loadCollectorConfig(example), loadCollectorConfig({}))
  assert.deepEqual(loadOrchestratorConfig(example), {
    ...loadOrchestratorConfig({}),
    PEER_COLLECTOR_URL: 'http://gluetun:8080',
  })
})
