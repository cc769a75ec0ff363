// Guards the compose recipes a user copies: each file passes Debian's `docker-compose config`,
// and a missing setting, a shell-dependent health check or a wrong path fails here, not on the
// user's server.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { COLLECTOR_SETTINGS, loadCollectorConfig } from '../../collector/config.ts'
import { ORCHESTRATOR_SETTINGS, loadOrchestratorConfig } from '../../orchestrator/config.ts'
import { ROOT } from '../../scripts/settings-doc.ts'
import { checkCompose, composeConfig, type Expectations } from './compose-rules.ts'

const COMPOSE_DIR = join(ROOT, 'compose')

const COLLECTOR = Object.keys(COLLECTOR_SETTINGS)
const ORCHESTRATOR = Object.keys(ORCHESTRATOR_SETTINGS)

const base = {
  orchestrator: 'orchestrator',
  collectorSettings: COLLECTOR,
  orchestratorSettings: ORCHESTRATOR,
  collectorValues: { CACHE_TTL_SECONDS: '30', MAX_PEERS_TO_ENRICH: '50', PORT: '8080' },
}
const FILES: Record<string, Expectations> = {
  'docker-compose.yml': {
    ...base,
    collectors: { 'peer-collector': null },
    collectorUrl: 'http://peer-collector:8080',
  },
  'docker-compose.gluetun.yml': {
    ...base,
    collectors: { 'peer-collector': 'gluetun' },
    collectorUrl: 'http://gluetun:8080',
  },
  'docker-compose.gluetun-redundant.yml': {
    ...base,
    collectors: { 'peer-collector-1': 'gluetun', 'peer-collector-2': 'gluetun-2' },
    // Both collectors: the orchestrator asks each and merges their answers.
    collectorUrl: 'http://gluetun:8080,http://gluetun-2:8080',
  },
}

/** Runs a (possibly altered) compose text through docker-compose and the rules. */
function problemsOf(name: string, text: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'compose-'))
  try {
    const file = join(dir, name)
    writeFileSync(file, text)
    // Relative paths resolve against compose/, as for the real file.
    const res = composeConfig(file, { projectDirectory: COMPOSE_DIR })
    if (!res.ok) return [`docker-compose config failed: ${res.error}`]
    return checkCompose(res.config, FILES[name]!)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

for (const [name, want] of Object.entries(FILES)) {
  test(`${name} passes docker-compose config and says everything a deployment needs`, () => {
    const res = composeConfig(join(COMPOSE_DIR, name))
    assert.ok(res.ok, res.ok ? '' : res.error)
    assert.deepEqual(checkCompose(res.config, want), [])
  })
}

const asText = (env: Record<string, unknown> = {}) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? undefined : String(v)]))

for (const [name, want] of Object.entries(FILES)) {
  test(`${name}: with no .env, the services start on the code's defaults`, () => {
    const res = composeConfig(join(COMPOSE_DIR, name))
    assert.ok(res.ok)
    for (const collector of Object.keys(want.collectors)) {
      const env = asText(res.config.services[collector]!.environment)
      // The services' own parsers: a value compose hands over must be valid, and an empty
      // TRACKERS or DHT_BOOTSTRAP (meaning none) must not sneak in instead of the defaults.
      assert.deepEqual(loadCollectorConfig(env), {
        ...loadCollectorConfig({}),
        HOST: '0.0.0.0',
        PORT: 8080,
      })
    }
    const env = asText(res.config.services[want.orchestrator]!.environment)
    assert.deepEqual(loadOrchestratorConfig(env), {
      ...loadOrchestratorConfig({}),
      APP_PORT: 8000,
      DATA_DIR: '/data',
      PEER_COLLECTOR_ENABLED: name === 'docker-compose.yml',
      PEER_COLLECTOR_URL: want.collectorUrl,
    })
  })
}

test('every variable the compose files read is listed in .env.example', () => {
  const example = readFileSync(join(ROOT, '.env.example'), 'utf8')
  const listed = new Set([...example.matchAll(/^([A-Z0-9_]+)=/gm)].map((m) => m[1]))
  for (const name of Object.keys(FILES)) {
    const text = readFileSync(join(COMPOSE_DIR, name), 'utf8')
    for (const m of text.matchAll(/\$\{([A-Z0-9_]+)/g)) {
      assert.ok(listed.has(m[1]), `${name} reads ${m[1]}, which .env.example does not list`)
    }
  }
})

// Each alteration removes or breaks one thing a working deployment needs; the checks must notice.
const MUTATIONS: Array<[file: string, what: string, from: RegExp, to: string, says: RegExp]> = [
  [
    'docker-compose.gluetun.yml',
    'network_mode removed',
    /^ *network_mode: .*\n/m,
    '',
    /network_mode/,
  ],
  [
    'docker-compose.gluetun.yml',
    'depends_on made unconditional',
    /condition: service_healthy/,
    'condition: service_started',
    /service_healthy/,
  ],
  [
    'docker-compose.gluetun.yml',
    'CACHE_TTL_SECONDS removed',
    /^ *CACHE_TTL_SECONDS: .*\n/m,
    '',
    /CACHE_TTL_SECONDS/,
  ],
  [
    'docker-compose.gluetun.yml',
    'MAX_PEERS_TO_ENRICH removed',
    /^ *MAX_PEERS_TO_ENRICH: .*\n/m,
    '',
    /MAX_PEERS_TO_ENRICH/,
  ],
  [
    'docker-compose.gluetun.yml',
    'setting misspelled',
    /MAX_TRACKED_SWARMS:/,
    'MAX_TRACKED_SWARM:',
    /MAX_TRACKED_SWARM\b/,
  ],
  [
    'docker-compose.gluetun.yml',
    'restart policy removed',
    /(condition: service_healthy\n) {4}restart: unless-stopped\n/,
    '$1',
    /restart/,
  ],
  [
    'docker-compose.gluetun.yml',
    'health check through a shell',
    /- CMD\n/,
    '- CMD-SHELL\n',
    /shell/,
  ],
  [
    'docker-compose.gluetun.yml',
    'wrong Dockerfile path',
    /collector\.Dockerfile/,
    'colector.Dockerfile',
    /colector\.Dockerfile/,
  ],
  [
    'docker-compose.gluetun.yml',
    'wrong build context',
    /context: \.\./,
    'context: ../nowhere',
    /nowhere/,
  ],
  [
    'docker-compose.gluetun.yml',
    'collector URL wrong',
    /http:\/\/gluetun:8080}/,
    'http://collector:8080}',
    /PEER_COLLECTOR_URL/,
  ],
  [
    'docker-compose.gluetun.yml',
    'firewall closed',
    /FIREWALL_INPUT_PORTS: "8080"/,
    'FIREWALL_INPUT_PORTS: ""',
    /FIREWALL_INPUT_PORTS/,
  ],
  [
    'docker-compose.gluetun-redundant.yml',
    'second collector outside its VPN',
    /service:gluetun-2/,
    'service:gluetun',
    /network_mode should be service:gluetun-2/,
  ],
  [
    'docker-compose.gluetun-redundant.yml',
    'second VPN not awaited',
    /gluetun-2:\n {8}condition: service_healthy/,
    'gluetun-2:\n        condition: service_started',
    /depends_on gluetun-2/,
  ],
  [
    'docker-compose.yml',
    'orchestrator health check removed',
    /healthcheck:\n(?: {6}.*\n)+/,
    '',
    /orchestrator: no health check/,
  ],
  ['docker-compose.yml', 'orchestrator setting dropped', /^ *API_KEY: .*\n/m, '', /API_KEY/],
  [
    'docker-compose.gluetun-redundant.yml',
    'second collector not asked',
    /,http:\/\/gluetun-2:8080}/,
    '}',
    /PEER_COLLECTOR_URL should be/,
  ],
  [
    'docker-compose.gluetun-redundant.yml',
    'second URL names no collector',
    /,http:\/\/gluetun-2:8080}/,
    ',http://gluetun-3:8080}',
    /PEER_COLLECTOR_URL host gluetun-3 runs no collector/,
  ],
]

for (const [file, what, from, to, says] of MUTATIONS) {
  test(`${file}: ${what} fails the check`, () => {
    const text = readFileSync(join(COMPOSE_DIR, file), 'utf8')
    assert.match(text, from, 'the mutation no longer applies; update it')
    const problems = problemsOf(file, text.replace(from, to))
    assert.ok(
      problems.some((p) => says.test(p)),
      `${what} went unnoticed; problems: ${problems.join('; ')}`,
    )
  })
}
