/**
 * Guards the OpenAPI documents both services serve: every route of the README's API tables and
 * every route the apps really register (apart from the dashboard's pages and the docs
 * themselves) is in the document, with a schema for each request and JSON answer, and the docs
 * page lists them all.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { test } from 'node:test'
import type { Hono } from 'hono'
import { z } from 'zod'
import { loadCollectorConfig } from '../../collector/config.ts'
import { createCollectorService } from '../../collector/service.ts'
import { COLLECTOR_API } from '../../lib/contract/collector-api.ts'
import {
  createOpenApiDocument,
  type ApiRoute,
  type OpenApiDocument,
} from '../../lib/contract/openapi.ts'
import { ORCHESTRATOR_API, ORCHESTRATOR_API_INFO } from '../../lib/contract/orchestrator-api.ts'
import { createLogger } from '../../lib/log.ts'
import { localCollectorEnv, startCollector } from '../helpers/collector-process.ts'
import { watchEvents } from '../helpers/event-stream.ts'
import { startTestOrchestrator } from '../helpers/orchestrator-process.ts'

type Route = `${string} ${string}`

/** `GET /streams/{id}` rows of one README API table (the section under `heading`). */
async function readmeRoutes(heading: string): Promise<Route[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const start = readme.indexOf(`\n${heading}\n`)
  assert.ok(start >= 0, `README has no "${heading}" section`)
  const section = readme.slice(start + heading.length + 2).split(/\n#{2,3} /)[0]!
  const routes: Route[] = []
  for (const line of section.split('\n')) {
    const cell = /^\| ([^|]+?) \|/.exec(line)?.[1]
    if (!cell) continue
    for (const m of cell.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`/g))
      if (!m[2]!.startsWith('/panel')) routes.push(`${m[1]} ${m[2]}`)
  }
  return routes
}

/** What the app answers, as `METHOD /path/{param}`: its API, not pages, assets or the docs. */
function registeredRoutes(app: Hono): Route[] {
  const out = new Set<Route>()
  for (const r of app.routes) {
    if (r.method === 'ALL' || r.path.includes('*')) continue
    if (r.path === '/' || r.path === '/panel' || r.path.startsWith('/panel/')) continue
    if (r.path === '/openapi.json' || r.path === '/docs') continue
    out.add(`${r.method} ${r.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`)
  }
  return [...out]
}

function documented(doc: OpenApiDocument): Route[] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}` as Route),
  )
}

/** The routes of `expected` the document lacks. */
function missing(expected: Route[], doc: OpenApiDocument): Route[] {
  const inDoc = new Set(documented(doc))
  return expected.filter((r) => !inDoc.has(r))
}

function assertSchemas(doc: OpenApiDocument) {
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const name = `${method.toUpperCase()} ${path}`
      if (method === 'post' || method === 'patch' || method === 'put') {
        const body = op!.requestBody?.content['application/json']?.schema
        assert.ok(body && Object.keys(body).length > 0, `${name} has no request body schema`)
      }
      assert.ok(
        Object.keys(op!.responses).some((s) => s.startsWith('2')),
        `${name} documents no success answer`,
      )
      for (const [status, res] of Object.entries(op!.responses))
        for (const [media, content] of Object.entries(res.content ?? {})) {
          if (media !== 'application/json' && media !== 'text/event-stream') continue
          const s = content.schema
          assert.ok(
            s.type || s.anyOf || s.properties || s.items,
            `${name} ${status} ${media} has no schema`,
          )
        }
      for (const [status, res] of Object.entries(op!.responses))
        if (status.startsWith('2') && method === 'get')
          assert.ok(res.content, `${name} ${status} says nothing about its body`)
    }
}

async function fetchDocs(app: Hono) {
  const res = await app.request('/openapi.json')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /application\/json/)
  const doc = (await res.json()) as OpenApiDocument
  assert.equal(doc.openapi, '3.1.0')
  const page = await app.request('/docs')
  assert.equal(page.status, 200)
  assert.match(page.headers.get('content-type') ?? '', /text\/html/)
  return { doc, html: await page.text() }
}

function assertPageLists(html: string, routes: Route[]) {
  for (const r of routes) {
    const [method, path] = r.split(' ') as [string, string]
    assert.ok(
      html.includes(`>${method}</span> <code class="path">${path}</code>`),
      `/docs lacks ${r}`,
    )
  }
  // Self-contained: nothing is fetched from elsewhere.
  assert.doesNotMatch(html, /<script|<link|src="http|href="http/)
}

test('the collector documents every route it registers and the README lists, with schemas', async (t) => {
  const config = loadCollectorConfig(localCollectorEnv())
  const service = createCollectorService(config, { log: createLogger('collector', 'silent') })
  t.after(() => service.close())
  const { doc, html } = await fetchDocs(service.app)
  const readme = await readmeRoutes('### Collector API')
  assert.ok(readme.length >= 3, 'the README table was not read')
  assert.deepEqual(missing(readme, doc), [], 'README routes missing from the document')
  const registered = registeredRoutes(service.app)
  assert.ok(registered.includes('GET /peers/{id}'))
  assert.deepEqual(missing(registered, doc), [], 'registered routes missing from the document')
  assertSchemas(doc)
  assertPageLists(html, documented(doc))
  const peers = doc.paths['/peers/{id}']!.get!
  const answer = peers.responses['200']!.content!['application/json']!.schema
  assert.ok(
    (answer.required as string[]).includes('acestream_id'),
    'the peers answer schema is the contract',
  )
})

test('the orchestrator documents every route it registers and the README lists, with schemas', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const { doc, html } = await fetchDocs(orch.app)
  const readme = await readmeRoutes('### Orchestrator API')
  assert.ok(readme.length >= 15, 'the README table was not read')
  assert.deepEqual(missing(readme, doc), [], 'README routes missing from the document')
  const registered = registeredRoutes(orch.app)
  assert.ok(registered.includes('GET /looping-streams'), 'operations routes are mounted')
  assert.deepEqual(missing(registered, doc), [], 'registered routes missing from the document')
  assertSchemas(doc)
  assertPageLists(html, documented(doc))
  // A table that forgot a route would be caught: the same check on a document without /alerts.
  const partial = createOpenApiDocument(
    ORCHESTRATOR_API_INFO,
    ORCHESTRATOR_API.filter((r) => r.path !== '/alerts'),
  )
  assert.deepEqual(missing(registered, partial), ['GET /alerts'])
  const started = doc.paths['/events/stream_started']!.post!
  const body = started.requestBody!.content['application/json']!.schema
  assert.deepEqual(body.required, ['engine', 'stream', 'session'])
})

/** The zod schema the table documents for `method path` answering `status`. */
function documentedSchema(table: readonly ApiRoute[], method: string, path: string, status = 200) {
  const route = table.find((r) => r.method === method && r.path === path)
  const schema = route?.responses[status]?.schema
  assert.ok(schema, `${method} ${path} ${status} is not documented`)
  return schema
}

/** The answer fits its documented schema, and a plain object carries no undocumented field. */
async function assertAnswer(
  table: readonly ApiRoute[],
  res: Response,
  method: string,
  path: string,
  status = 200,
) {
  const name = `${method.toUpperCase()} ${path} ${status}`
  assert.equal(res.status, status, name)
  const body: unknown = await res.json()
  const schema = documentedSchema(table, method, path, status)
  const parsed = schema.safeParse(body)
  assert.ok(
    parsed.success,
    `${name}: ${parsed.error?.issues[0]?.path.join('.')} ${parsed.error?.message}`,
  )
  const shapeOf = (s: z.ZodType) =>
    s instanceof z.ZodObject && !(s.def.catchall instanceof z.ZodUnknown) ? s.shape : undefined
  const item = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : schema
  const rows = Array.isArray(body) ? body : [body]
  const shape = shapeOf(item)
  if (shape)
    for (const row of rows)
      for (const key of Object.keys(row as object))
        assert.ok(key in shape, `${name} sends ${key}, which the document does not list`)
}

test('the services answer with what their documents say', async (t) => {
  const orch = await startTestOrchestrator()
  t.after(() => orch.close())
  const api = ORCHESTRATOR_API
  const ih = 'ab'.repeat(20)
  const started = await orch.app.request('/events/stream_started', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      engine: { host: '127.0.0.1', port: 6878 },
      stream: { key_type: 'infohash', key: ih },
      session: {
        playback_session_id: 's1',
        stat_url: '/ace/stat/x',
        command_url: '/ace/cmd/x',
        is_live: 1,
      },
      labels: { stream_id: 'doc-check' },
    }),
  })
  await assertAnswer(api, started, 'post', '/events/stream_started')
  const get = (path: string) => orch.app.request(path)
  await assertAnswer(api, await get('/health'), 'get', '/health')
  await assertAnswer(api, await get('/streams'), 'get', '/streams')
  await assertAnswer(api, await get('/streams?limit=5'), 'get', '/streams')
  await assertAnswer(api, await get('/streams/doc-check'), 'get', '/streams/{id}')
  await assertAnswer(api, await get('/streams/doc-check/stats'), 'get', '/streams/{id}/stats')
  await assertAnswer(api, await get('/streams/nope'), 'get', '/streams/{id}', 404)
  await assertAnswer(api, await get('/config/runtime'), 'get', '/config/runtime')
  await assertAnswer(api, await get('/looping-streams'), 'get', '/looping-streams')
  await assertAnswer(api, await get('/alerts'), 'get', '/alerts')
  await assertAnswer(api, await get('/events'), 'get', '/events')
  await assertAnswer(api, await get('/streams/doc-check/peers'), 'get', '/streams/{id}/peers', 409)

  // An event stream's events carry what its document says too.
  const feed = watchEvents(`${orch.url}/streams/events`)
  t.after(() => feed.close())
  const page = await feed.waitFor((e) => e.event === 'page', 10_000)
  const pageSchema = documentedSchema(api, 'get', '/streams/events')
  const parsedPage = pageSchema.safeParse(page.data)
  assert.ok(parsedPage.success, `GET /streams/events page: ${parsedPage.error?.message}`)
  assert.ok(JSON.stringify(page.data).includes('doc-check'))
  feed.close()

  const collector = await startCollector()
  t.after(() => collector.close())
  const ask = (path: string) => fetch(`${collector.url}${path}`)
  await assertAnswer(COLLECTOR_API, await ask('/health'), 'get', '/health')
  await assertAnswer(COLLECTOR_API, await ask(`/peers/${ih}?wait=0`), 'get', '/peers/{id}')
  await assertAnswer(COLLECTOR_API, await ask('/peers/not-a-swarm'), 'get', '/peers/{id}', 400)
})
