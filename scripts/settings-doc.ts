// `npm run docs:settings`: writes the settings section of `.env.example`, the settings tables of
// README.md and the `environment:` blocks of the compose files from the services' settings specs
// (the same objects config.ts parses), so neither documentation nor deployment can drift from
// the code. `npm run docs:settings -- --check` only compares and exits 1 when a file is stale
// (test/deploy/settings-doc.test.ts does the same).
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { SettingsSpec } from '../lib/settings.ts'
import { COLLECTOR_SETTINGS } from '../collector/config.ts'
import { ORCHESTRATOR_SETTINGS } from '../orchestrator/config.ts'

export interface SettingsSection {
  /** Name used by the compose markers: `# >>> <id> settings`. */
  id: 'collector' | 'orchestrator'
  /** Heading in README and `.env.example`. */
  title: string
  /** How to run this service alone, shown under the heading. */
  note: string
  spec: SettingsSpec
}

/**
 * Values `.env.example` shows instead of the default, where the example file should steer a
 * compose user (the collector URL as seen from the orchestrator's container).
 */
const EXAMPLE_VALUES: Record<string, string> = {
  PEER_COLLECTOR_URL: 'http://gluetun:8080',
}

export const SETTINGS_SECTIONS: SettingsSection[] = [
  {
    id: 'collector',
    title: 'Peer collector',
    note: '`npm run start:collector`; image `compose/collector.Dockerfile`',
    spec: COLLECTOR_SETTINGS,
  },
  {
    id: 'orchestrator',
    title: 'Orchestrator',
    note: '`npm run start:orchestrator`; image `compose/orchestrator.Dockerfile`',
    spec: ORCHESTRATOR_SETTINGS,
  },
]

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const ENV_EXAMPLE_PATH = join(ROOT, '.env.example')
export const README_PATH = join(ROOT, 'README.md')
export const COMPOSE_FILES = [
  'compose/docker-compose.yml',
  'compose/docker-compose.gluetun.yml',
  'compose/docker-compose.gluetun-redundant.yml',
].map((f) => join(ROOT, f))

const ENV_BEGIN =
  '# ---- BEGIN GENERATED SETTINGS (npm run docs:settings; do not edit by hand) ----'
const ENV_END = '# ---- END GENERATED SETTINGS ----'
const MD_BEGIN = '<!-- BEGIN GENERATED SETTINGS (npm run docs:settings; do not edit by hand) -->'
const MD_END = '<!-- END GENERATED SETTINGS -->'

/** The value a setting gets in `.env.example`; empty means "the default applies". */
export function exampleValue(name: string, spec: SettingsSpec[string]): string {
  return EXAMPLE_VALUES[name] ?? spec.default ?? ''
}

export function renderEnvSettings(sections: SettingsSection[] = SETTINGS_SECTIONS): string {
  const seen = new Set<string>()
  const out: string[] = [ENV_BEGIN]
  for (const section of sections) {
    out.push('', `# == ${section.title} (${section.note.replaceAll('`', '')}) ==`)
    for (const [name, s] of Object.entries(section.spec)) {
      if (seen.has(name)) {
        out.push(`# ${name}: shared, set above (both services read it)`)
        continue
      }
      seen.add(name)
      const def = s.default === undefined ? 'unset' : s.default === '' ? 'empty' : s.default
      out.push(`# ${s.doc.replace(/\.$/, '')}. Default: ${def}.`)
      out.push(`${name}=${exampleValue(name, s)}`)
    }
  }
  out.push(ENV_END)
  return out.join('\n')
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|')
}

export function renderReadmeSettings(sections: SettingsSection[] = SETTINGS_SECTIONS): string {
  const out: string[] = [MD_BEGIN]
  for (const section of sections) {
    out.push('', `### ${section.title} settings`, '', section.note, '')
    out.push('| Variable | Default | Meaning |', '| --- | --- | --- |')
    for (const [name, s] of Object.entries(section.spec)) {
      const def =
        s.default === undefined ? '_unset_' : s.default === '' ? '_empty_' : `\`${s.default}\``
      out.push(`| \`${name}\` | ${cell(def)} | ${cell(s.doc)} |`)
    }
  }
  out.push('', MD_END)
  return out.join('\n')
}

/** Replaces the text between the markers (inclusive); throws when the markers are missing. */
export function spliceGenerated(file: string, generated: string, begin: string, end: string) {
  const i = file.indexOf(begin)
  const j = file.indexOf(end)
  if (i < 0 || j < i) throw new Error(`generated-settings markers not found ("${begin}")`)
  return file.slice(0, i) + generated + file.slice(j + end.length)
}

const COMPOSE_REGION = /^( *)# >>> (\w+) settings[^\n]*\n(?:.*\n)*?\1# <<< \2 settings\n/gm

/**
 * Fills every `# >>> collector settings` ... `# <<< collector settings` region of a compose file
 * with one `NAME: "${NAME:-default}"` line per setting, so each setting in `.env` reaches the
 * container with the code's default when unset. Settings written by hand elsewhere in the same
 * `environment:` block (values the recipe pins, like PORT) are left to that line.
 */
export function renderCompose(text: string, sections: SettingsSection[] = SETTINGS_SECTIONS) {
  return text.replace(COMPOSE_REGION, (region: string, indent: string, id: string, at: number) => {
    const section = sections.find((s) => s.id === id)
    if (!section) throw new Error(`compose marker names an unknown service "${id}"`)
    const pinned = handWrittenKeys(text, at, at + region.length, indent)
    const lines = [`${indent}# >>> ${id} settings (npm run docs:settings; do not edit by hand)`]
    for (const [name, s] of Object.entries(section.spec)) {
      if (pinned.has(name)) continue
      lines.push(`${indent}${name}: "\${${name}:-${s.default ?? ''}}"`)
    }
    lines.push(`${indent}# <<< ${id} settings`)
    return lines.join('\n') + '\n'
  })
}

/** Keys at `indent` in the mapping around [start, end), outside that range. */
function handWrittenKeys(text: string, start: number, end: number, indent: string) {
  const keys = new Set<string>()
  const key = new RegExp(`^${indent}([A-Za-z0-9_]+):`)
  const inBlock = (line: string) => line.trim() === '' || line.startsWith(indent)
  const before = text.slice(0, start).split('\n').slice(0, -1).reverse()
  const after = text.slice(end).split('\n')
  for (const side of [before, after]) {
    for (const line of side) {
      if (!inBlock(line)) break
      const m = key.exec(line)
      if (m) keys.add(m[1]!)
    }
  }
  return keys
}

export interface DocFiles {
  env: string
  readme: string
  compose: string[]
}

export function readDocFiles(): DocFiles {
  return {
    env: readFileSync(ENV_EXAMPLE_PATH, 'utf8'),
    readme: readFileSync(README_PATH, 'utf8'),
    compose: COMPOSE_FILES.map((f) => readFileSync(f, 'utf8')),
  }
}

/** What the generated files should contain, given their current text. */
export function expectedFiles(
  current: DocFiles,
  sections: SettingsSection[] = SETTINGS_SECTIONS,
): DocFiles {
  return {
    env: spliceGenerated(current.env, renderEnvSettings(sections), ENV_BEGIN, ENV_END),
    readme: spliceGenerated(current.readme, renderReadmeSettings(sections), MD_BEGIN, MD_END),
    compose: current.compose.map((text) => renderCompose(text, sections)),
  }
}

/** Paths (relative to the repository) whose generated parts are out of date. */
export function staleFiles(current: DocFiles, want: DocFiles): string[] {
  const stale: string[] = []
  if (want.env !== current.env) stale.push('.env.example')
  if (want.readme !== current.readme) stale.push('README.md')
  want.compose.forEach((text, i) => {
    if (text !== current.compose[i]) stale.push(relative(ROOT, COMPOSE_FILES[i]!))
  })
  return stale
}

function main() {
  const check = process.argv.includes('--check')
  const current = readDocFiles()
  const want = expectedFiles(current)
  const stale = staleFiles(current, want)
  if (check) {
    if (stale.length) {
      console.error(`Stale settings docs in ${stale.join(', ')}: run npm run docs:settings`)
      process.exit(1)
    }
    console.log('Settings docs are up to date.')
    return
  }
  writeFileSync(ENV_EXAMPLE_PATH, want.env)
  writeFileSync(README_PATH, want.readme)
  want.compose.forEach((text, i) => writeFileSync(COMPOSE_FILES[i]!, text))
  console.log(stale.length ? `Updated ${stale.join(', ')}.` : 'Settings docs were up to date.')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main()
