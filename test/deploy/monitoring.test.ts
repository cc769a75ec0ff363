// Guards the compose `monitoring` profile a user turns on with `--profile monitoring`: each
// compose file passes `docker-compose config` with Prometheus and Grafana only in that profile,
// Prometheus scrapes the orchestrator and exactly the collectors that file runs, the mounted
// files exist, and every metric the Grafana dashboard graphs is one the services really expose
// (scraped here from both, running on loopback).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROOT } from '../../scripts/settings-doc.ts'
import { startCollector } from '../helpers/collector-process.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'
import { parsePrometheusText } from '../helpers/prometheus-text.ts'
import { composeConfig } from './compose-rules.ts'

const COMPOSE = join(ROOT, 'compose')
const DASHBOARD = join(COMPOSE, 'monitoring/grafana/dashboards/acestream-peer-insight.json')

/** Compose file -> where Prometheus must find the collectors. */
const FILES: Record<string, string[]> = {
  'docker-compose.yml': ['peer-collector:8080'],
  'docker-compose.gluetun.yml': ['gluetun:8080'],
  'docker-compose.gluetun-redundant.yml': ['gluetun:8080', 'gluetun-2:8080'],
}

type Service = {
  profiles?: string[]
  command?: string[]
  volumes?: Array<string | { source: string; target: string; type?: string }>
  ports?: unknown[]
}

function yaml(file: string): any {
  const res = spawnSync(
    'python3',
    [
      '-c',
      'import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)',
      file,
    ],
    { encoding: 'utf8' },
  )
  assert.equal(res.status, 0, res.stderr)
  return JSON.parse(res.stdout)
}

for (const [name, collectors] of Object.entries(FILES)) {
  test(`${name}: the monitoring profile runs Prometheus scraping both services and Grafana`, () => {
    const res = composeConfig(join(COMPOSE, name))
    assert.ok(res.ok, res.ok ? '' : res.error)
    const services = res.config.services as Record<string, Service>
    for (const s of ['prometheus', 'grafana'])
      assert.deepEqual(services[s]?.profiles, ['monitoring'], `${s} only in the profile`)
    for (const s of ['orchestrator', ...Object.keys(services).filter((n) => /collector/.test(n))])
      assert.equal(services[s]!.profiles, undefined, `${s} runs without the profile`)

    // The config file Prometheus is told to read is in the folder mounted for it.
    const prom = services.prometheus!
    const configArg = prom.command!.find((a) => a.startsWith('--config.file='))!
    const mount = prom.volumes!.map(volumeOf).find((v) => v.target === '/etc/prometheus/config')!
    assert.ok(mount && existsSync(mount.source), 'monitoring folder mounted')
    const configFile = join(mount.source, configArg.split('/').pop()!)
    const targets = Object.fromEntries(
      yaml(configFile).scrape_configs.map((c: any) => [
        c.job_name,
        c.static_configs.flatMap((s: any) => s.targets),
      ]),
    )
    assert.deepEqual(targets, { orchestrator: ['orchestrator:8000'], collector: collectors })
    for (const t of collectors) assert.ok(services[t.split(':')[0]!], `${t} is a service here`)

    for (const v of services.grafana!.volumes!.map(volumeOf)) {
      if (v.type === 'volume') continue
      assert.ok(existsSync(v.source), `${v.source} exists`)
    }
  })
}

test('Grafana is provisioned with the Prometheus data source the dashboard uses', () => {
  const ds = yaml(join(COMPOSE, 'monitoring/grafana/provisioning/datasources/prometheus.yml'))
  assert.equal(ds.datasources[0].url, 'http://prometheus:9090')
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'))
  assert.equal(dash.uid, 'acestream-peer-insight')
  for (const p of dash.panels) {
    assert.equal(p.datasource.uid, ds.datasources[0].uid, p.title)
    assert.ok(p.targets.length > 0, p.title)
  }
  const titles = dash.panels.map((p: { title: string }) => p.title).join(' | ')
  for (const want of [/streams/i, /peers by source/i, /speed/i, /alerts/i])
    assert.match(titles, want)
})

test('every metric the dashboard graphs is exposed by the running services', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const collector = await startCollector()
  t.after(() => collector.close())
  const families = new Set<string>()
  for (const url of [orch.url, collector.url]) {
    const m = parsePrometheusText(await (await fetch(`${url}/metrics`)).text())
    for (const f of m.types.keys()) families.add(f)
  }
  const dash = JSON.parse(readFileSync(DASHBOARD, 'utf8'))
  const used = new Set<string>()
  for (const p of dash.panels)
    for (const tg of p.targets)
      for (const m of (tg.expr as string).matchAll(/\b((?:orchestrator|collector)_[a-z_]+)/g))
        used.add(m[1]!.replace(/_(bucket|sum|count)$/, '').replace(/_total$/, ''))
  assert.ok(used.size >= 15, `${used.size} metrics graphed`)
  for (const name of used) {
    assert.ok(
      families.has(name) || families.has(`${name}_total`),
      `${name} is graphed but no service exposes it`,
    )
  }
})

function volumeOf(v: NonNullable<Service['volumes']>[number]) {
  if (typeof v !== 'string') return { source: v.source, target: v.target, type: v.type }
  const [source, target] = v.split(':')
  return { source: source!, target: target!, type: source!.startsWith('/') ? 'bind' : 'volume' }
}
