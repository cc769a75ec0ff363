// What each compose file must say, checked on the normalized output of `docker-compose config`
// (so anchors, interpolation and defaults are already applied the way compose applies them).
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { spawnSync } from 'node:child_process'

export interface ComposeService {
  build?: { context: string; dockerfile?: string }
  image?: string
  network_mode?: string
  depends_on?: Record<string, { condition?: string }>
  environment?: Record<string, string | number | boolean | null>
  healthcheck?: { test?: string[] | string; disable?: boolean }
  restart?: string
  ports?: Array<{ target: number; published?: number | string; protocol?: string } | string>
}
export interface ComposeConfig {
  services: Record<string, ComposeService>
}

/**
 * Runs Debian's `docker-compose -f <file> config` (no Docker engine needed) in a clean
 * environment, so variables of the machine running the tests cannot change the result, and
 * returns the normalized configuration. docker-compose 1.x prints YAML only; python3-yaml is a
 * hard dependency of Debian's docker-compose package, so it is there to turn it into JSON.
 */
export function composeConfig(
  file: string,
  opts: { projectDirectory?: string; env?: Record<string, string> } = {},
): { ok: true; config: ComposeConfig } | { ok: false; error: string } {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', ...opts.env }
  const args = ['-f', file]
  if (opts.projectDirectory) args.push('--project-directory', opts.projectDirectory)
  const res = spawnSync('docker-compose', [...args, 'config'], { env, encoding: 'utf8' })
  if (res.error) throw res.error
  if (res.status !== 0) return { ok: false, error: res.stderr.trim() }
  const json = spawnSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: res.stdout, encoding: 'utf8' },
  )
  if (json.status !== 0) throw new Error(`could not read compose output: ${json.stderr}`)
  return { ok: true, config: JSON.parse(json.stdout) as ComposeConfig }
}

export interface Expectations {
  /** Collector service name -> the Gluetun service whose network it must share (or null). */
  collectors: Record<string, string | null>
  orchestrator: string
  /** Where the orchestrator must point PEER_COLLECTOR_URL by default (comma-separated list). */
  collectorUrl: string
  /** Every setting each service reads, from the settings specs. */
  collectorSettings: string[]
  orchestratorSettings: string[]
  /** Settings the collector's environment must set to a value (not empty). */
  collectorValues: Record<string, string>
}

/** Returns one sentence per problem; an empty list means the file is right. */
export function checkCompose(config: ComposeConfig, want: Expectations): string[] {
  const problems: string[] = []
  const services = config.services ?? {}
  const need = (name: string) => {
    const s = services[name]
    if (!s) problems.push(`service "${name}" is missing`)
    return s
  }

  for (const [name, s] of Object.entries(services)) {
    if (s.build) problems.push(...checkBuild(name, s.build))
  }

  for (const [name, gluetun] of Object.entries(want.collectors)) {
    const c = need(name)
    if (!c) continue
    problems.push(...checkHealthcheck(name, c, String(c.environment?.PORT ?? '8080')))
    if (c.restart !== 'unless-stopped') problems.push(`${name}: restart is not unless-stopped`)
    const env = c.environment ?? {}
    for (const [k, v] of Object.entries(want.collectorValues)) {
      if (String(env[k] ?? '') !== v) problems.push(`${name}: ${k} should be ${v}, is ${env[k]}`)
    }
    for (const k of want.collectorSettings) {
      if (!(k in env)) problems.push(`${name}: setting ${k} is not passed to the container`)
    }
    for (const k of Object.keys(env)) {
      if (!want.collectorSettings.includes(k)) problems.push(`${name}: ${k} is not a setting`)
    }
    if (gluetun === null) {
      if (c.network_mode) problems.push(`${name}: network_mode should be unset without a VPN`)
      continue
    }
    if (c.network_mode !== `service:${gluetun}`)
      problems.push(`${name}: network_mode should be service:${gluetun}, is ${c.network_mode}`)
    if (c.depends_on?.[gluetun]?.condition !== 'service_healthy')
      problems.push(`${name}: depends_on ${gluetun} with condition service_healthy is missing`)
    if (c.ports?.length) problems.push(`${name}: ports must be published on ${gluetun} instead`)
    const g = need(gluetun)
    if (!g) continue
    const port = Number(env.PORT ?? 8080)
    if (!g.ports?.some((p) => portTarget(p) === port))
      problems.push(`${gluetun}: does not publish the collector port ${port}`)
    const allowed = String(g.environment?.FIREWALL_INPUT_PORTS ?? '').split(',')
    if (!allowed.includes(String(port)))
      problems.push(`${gluetun}: FIREWALL_INPUT_PORTS does not let ${port} in`)
  }

  const o = need(want.orchestrator)
  if (o) {
    const env = o.environment ?? {}
    problems.push(...checkHealthcheck(want.orchestrator, o, String(env.APP_PORT ?? '8000')))
    if (o.network_mode) problems.push(`${want.orchestrator}: must stay outside the VPN namespace`)
    if (env.PEER_COLLECTOR_URL !== want.collectorUrl)
      problems.push(`${want.orchestrator}: PEER_COLLECTOR_URL should be ${want.collectorUrl}`)
    for (const k of want.orchestratorSettings) {
      if (!(k in env)) problems.push(`${want.orchestrator}: setting ${k} is not passed`)
    }
    for (const k of Object.keys(env)) {
      if (!want.orchestratorSettings.includes(k))
        problems.push(`${want.orchestrator}: ${k} is not a setting`)
    }
    // Each URL's host must be a service the orchestrator can resolve: the VPN container (whose
    // namespace the collector shares) or the collector itself. The value may list several.
    for (const url of String(env.PEER_COLLECTOR_URL ?? 'http://invalid').split(',')) {
      const host = new URL(url.trim()).hostname
      const reachable = Object.entries(want.collectors).some(([c, g]) => (g ?? c) === host)
      if (!reachable)
        problems.push(`${want.orchestrator}: PEER_COLLECTOR_URL host ${host} runs no collector`)
    }
  }
  return problems
}

/** docker-compose 1.x keeps "ip:published:target/proto" entries as text. */
function portTarget(p: NonNullable<ComposeService['ports']>[number]): number {
  if (typeof p !== 'string') return Number(p.target)
  return Number(p.split('/')[0]!.split(':').at(-1))
}

function checkBuild(name: string, build: { context: string; dockerfile?: string }): string[] {
  if (
    !isAbsolute(build.context) ||
    !existsSync(build.context) ||
    !statSync(build.context).isDirectory()
  )
    return [`${name}: build context ${build.context} is not a directory`]
  const dockerfile = join(build.context, build.dockerfile ?? 'Dockerfile')
  if (!existsSync(dockerfile)) return [`${name}: dockerfile ${dockerfile} does not exist`]
  return []
}

/** The health check must run without a shell: exec form (CMD), calling /health on the port. */
function checkHealthcheck(name: string, s: ComposeService, port: string): string[] {
  const hc = s.healthcheck
  if (!hc || hc.disable || !hc.test) return [`${name}: no health check`]
  if (!Array.isArray(hc.test) || hc.test[0] !== 'CMD')
    return [`${name}: health check needs a shell (use the exec form ["CMD", ...])`]
  const cmd = hc.test.slice(1).join(' ')
  if (!cmd.includes(`:${port}/health`))
    return [`${name}: health check does not call :${port}/health`]
  if (!hc.test[1]?.startsWith('/nodejs/bin/node'))
    return [`${name}: health check must use the image's node (/nodejs/bin/node), no shell or curl`]
  return []
}
