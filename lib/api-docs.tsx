/**
 * Serves a service's OpenAPI document (`GET /openapi.json`) and a docs page (`GET /docs`)
 * rendered on the server from that document: every route with its method, summary, parameters,
 * request body and answers with their schemas. One self-contained HTML page, no script, nothing
 * loaded from elsewhere, light and dark following the reader's system setting.
 *
 * @example
 * app.route('/', createApiDocsRoutes(createOpenApiDocument(info, COLLECTOR_API)))
 */
import { Hono } from 'hono'
import type { ComponentChildren, JSX } from 'preact'
import { renderToString } from 'preact-render-to-string'
import type { OpenApiDocument, OpenApiOperation } from './contract/openapi.ts'

type JsonSchema = Record<string, unknown>

export function createApiDocsRoutes(doc: OpenApiDocument): Hono {
  const app = new Hono()
  // Built once: the document cannot change while the process runs.
  const json = JSON.stringify(doc)
  const page = '<!doctype html>' + renderToString(<DocsPage doc={doc} />)
  app.get('/openapi.json', (c) => c.body(json, 200, { 'Content-Type': 'application/json' }))
  app.get('/docs', (c) => c.html(page))
  return app
}

function DocsPage({ doc }: { doc: OpenApiDocument }) {
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method, op: op! })),
  )
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>{`${doc.info.title} API`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLES }} />
      </head>
      <body>
        <header>
          <h1>
            {doc.info.title} API <small>v{doc.info.version}</small>
          </h1>
          {doc.info.description && (
            <p>
              <Text text={doc.info.description} />
            </p>
          )}
          <p>
            OpenAPI 3.1 document: <a href="openapi.json">openapi.json</a>. Errors are JSON{' '}
            <code>{'{ error, detail? }'}</code>.
          </p>
        </header>
        <nav aria-label="Routes">
          {doc.tags.map((t) => (
            <div class="toc-group">
              <h2>{t.name}</h2>
              <ul>
                {ops
                  .filter((o) => o.op.tags.includes(t.name))
                  .map((o) => (
                    <li>
                      <a href={`#${o.op.operationId}`}>
                        <Method method={o.method} /> <code>{o.path}</code>
                      </a>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
        </nav>
        <main>
          {ops.map((o) => (
            <Operation path={o.path} method={o.method} op={o.op} />
          ))}
        </main>
      </body>
    </html>
  )
}

/** Plain text with `code` spans, as the route table writes descriptions. */
function Text({ text }: { text: string }) {
  const parts = text.split('`')
  // An unmatched backtick is shown as it is rather than swallowing the rest.
  if (parts.length % 2 === 0) return <>{text}</>
  return <>{parts.map((p, i) => (i % 2 ? <code>{p}</code> : p))}</>
}

function Method({ method }: { method: string }) {
  return <span class={`method m-${method}`}>{method.toUpperCase()}</span>
}

function Operation({ path, method, op }: { path: string; method: string; op: OpenApiOperation }) {
  const body = op.requestBody?.content['application/json']
  return (
    <section class="op" id={op.operationId}>
      <h3>
        <Method method={method} /> <code class="path">{path}</code>
        {op.security && <span class="badge">API key when set</span>}
      </h3>
      <p class="summary">{op.summary}</p>
      {op.description && (
        <p>
          <Text text={op.description} />
        </p>
      )}
      {op.parameters && (
        <>
          <h4>Parameters</h4>
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th>In</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr>
                  <td>
                    <code>{p.name}</code>
                    {p.required && <span class="req">required</span>}
                  </td>
                  <td>{p.in}</td>
                  <td>
                    <TypeLabel schema={p.schema} />
                  </td>
                  <td>
                    <Text text={p.description ?? ''} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {body && (
        <>
          <h4>
            Request body <span class="media">application/json</span>
            {!op.requestBody!.required && <span class="opt">optional</span>}
          </h4>
          <Schema schema={body.schema} />
        </>
      )}
      <h4>Responses</h4>
      <dl class="responses">
        {Object.entries(op.responses).map(([status, r]) => (
          <>
            <dt class={`status s${status[0]}`}>{status}</dt>
            <dd>
              <Text text={r.description} />
              {r.headers &&
                Object.entries(r.headers).map(([h, d]) => (
                  <div class="header">
                    <code>{h}</code>: <Text text={d.description} />
                  </div>
                ))}
              {r.content &&
                Object.entries(r.content).map(([media, c]) => (
                  <div>
                    <span class="media">{media}</span>
                    {!isErrorBody(c.schema) && c.schema.type !== 'string' && (
                      <Schema schema={c.schema} />
                    )}
                  </div>
                ))}
            </dd>
          </>
        ))}
      </dl>
    </section>
  )
}

// The error body is the same everywhere and said once in the header.
function isErrorBody(s: JsonSchema): boolean {
  const p = s.properties as Record<string, unknown> | undefined
  return Boolean(p && Object.keys(p).join(',') === 'error,detail')
}

/** A schema as a field list: names, types, bounds; nested objects fold away. */
function Schema({ schema }: { schema: JsonSchema }) {
  return (
    <div class="schema">
      <SchemaBody schema={schema} depth={0} />
    </div>
  )
}

function SchemaBody({ schema, depth }: { schema: JsonSchema; depth: number }): JSX.Element {
  const props = schema.properties as Record<string, JsonSchema> | undefined
  const items = schema.items as JsonSchema | undefined
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined
  if (props) return <Fields schema={schema} depth={depth} />
  if (items && (items.properties || items.anyOf))
    return (
      <div>
        <span class="type">array of</span>
        <SchemaBody schema={items} depth={depth} />
      </div>
    )
  if (variants && variants.some((v) => v.properties || v.items))
    return (
      <div>
        <span class="type">one of</span>
        <ol class="variants">
          {variants.map((v) => (
            <li>
              <SchemaBody schema={v} depth={depth} />
            </li>
          ))}
        </ol>
      </div>
    )
  return <TypeLabel schema={schema} />
}

function Fields({ schema, depth }: { schema: JsonSchema; depth: number }) {
  const props = schema.properties as Record<string, JsonSchema>
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const extra = schema.additionalProperties
  return (
    <ul class="fields">
      {Object.entries(props).map(([name, s]) => (
        <li>
          <code class="name">{name}</code>
          {!required.has(name) && <span class="opt">optional</span>}{' '}
          <Nested schema={s} depth={depth + 1} />
        </li>
      ))}
      {extra !== undefined && extra !== false && (
        <li>
          <span class="note">and further fields</span>
        </li>
      )}
    </ul>
  )
}

/** A field's type; objects and arrays of objects open on a click beyond the first level. */
function Nested({ schema, depth }: { schema: JsonSchema; depth: number }) {
  const inner = unwrapNullable(schema)
  const obj = inner.schema.properties ? inner.schema : undefined
  const arr = (inner.schema.items as JsonSchema | undefined)?.properties
    ? (inner.schema.items as JsonSchema)
    : undefined
  const target = obj ?? arr
  if (!target) return <TypeLabel schema={schema} />
  const count = Object.keys(target.properties as object).length
  const label = `${arr ? 'array of ' : ''}object${inner.nullable ? ' | null' : ''}`
  return (
    <details open={depth < 2 && count <= 8}>
      <summary>
        <span class="type">{label}</span> <span class="note">{count} fields</span>
        <Describe schema={schema} />
      </summary>
      <Fields schema={target} depth={depth} />
    </details>
  )
}

function unwrapNullable(s: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  const v = s.anyOf as JsonSchema[] | undefined
  if (v?.length === 2 && v.some((x) => x.type === 'null'))
    return { schema: v.find((x) => x.type !== 'null')!, nullable: true }
  return { schema: s, nullable: false }
}

function Describe({ schema }: { schema: JsonSchema }) {
  return typeof schema.description === 'string' ? (
    <span class="desc">
      {' '}
      <Text text={schema.description} />
    </span>
  ) : null
}

function TypeLabel({ schema }: { schema: JsonSchema }) {
  return (
    <>
      <span class="type">{typeText(schema)}</span>
      <Bounds schema={schema} />
      <Describe schema={schema} />
    </>
  )
}

function typeText(s: JsonSchema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ')
  if (s.const !== undefined) return JSON.stringify(s.const)
  const variants = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined
  if (variants) return variants.map(typeText).join(' | ')
  if (s.type === 'array') return `${typeText((s.items as JsonSchema) ?? {})}[]`
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object')
    return `map of ${typeText(s.additionalProperties as JsonSchema)}`
  if (Array.isArray(s.type)) return s.type.join(' | ')
  return typeof s.type === 'string' ? s.type : 'any'
}

function Bounds({ schema: s }: { schema: JsonSchema }) {
  const parts: ComponentChildren[] = []
  if (s.minimum !== undefined && s.maximum !== undefined) parts.push(`${s.minimum}–${s.maximum}`)
  else if (s.minimum !== undefined) parts.push(`≥ ${s.minimum}`)
  else if (s.maximum !== undefined) parts.push(`≤ ${s.maximum}`)
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`)
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`)
  if (typeof s.pattern === 'string') parts.push(<code>{s.pattern}</code>)
  if (s.default !== undefined) parts.push(`default ${JSON.stringify(s.default)}`)
  if (!parts.length) return null
  return (
    <span class="bounds">
      {' '}
      (
      {parts.map((p, i) => (
        <>
          {i > 0 && ', '}
          {p}
        </>
      ))}
      )
    </span>
  )
}

const STYLES = `
:root { --bg: #fff; --fg: #1b1f24; --muted: #57606a; --line: #d8dee4; --card: #f6f8fa;
  --code: #0550ae; --get: #1a7f37; --post: #0969da; --patch: #9a6700; --delete: #cf222e;
  --s2: #1a7f37; --s4: #9a6700; --s5: #cf222e; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #30363d; --card: #161b22;
    --code: #79c0ff; --get: #3fb950; --post: #58a6ff; --patch: #d29922; --delete: #f85149;
    --s2: #3fb950; --s4: #d29922; --s5: #f85149; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; display: grid; grid-template-columns: 340px 1fr;
  grid-template-areas: "head head" "nav main"; }
header { grid-area: head; padding: 20px 28px 8px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 6px; font-size: 26px; }
header small { font-size: 14px; color: var(--muted); font-weight: normal; }
header p { margin: 4px 0 10px; color: var(--muted); }
nav { grid-area: nav; padding: 12px 20px; border-right: 1px solid var(--line); font-size: 13px;
  position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; }
nav h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted);
  margin: 14px 0 4px; }
nav ul { list-style: none; margin: 0; padding: 0; }
nav li { margin: 3px 0; }
nav a { color: var(--fg); text-decoration: none; display: flex; align-items: center; gap: 6px;
  white-space: nowrap; }
nav a:hover code { text-decoration: underline; }
main { grid-area: main; padding: 8px 28px 40px; min-width: 0; }
a { color: var(--code); }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.op { border: 1px solid var(--line); border-radius: 8px; padding: 4px 18px 12px; margin: 18px 0;
  background: var(--bg); }
.op h3 { margin: 12px 0 2px; font-size: 17px; display: flex; align-items: center; gap: 8px;
  flex-wrap: wrap; }
.op h4 { margin: 14px 0 6px; font-size: 13px; text-transform: uppercase; letter-spacing: .05em;
  color: var(--muted); }
.path { font-size: 16px; }
.summary { font-weight: 600; margin: 2px 0; }
.method { display: inline-block; min-width: 58px; text-align: center; font: 700 11px/1.9
  ui-monospace, monospace; border-radius: 4px; color: #fff; padding: 0 6px; }
.m-get { background: var(--get); } .m-post { background: var(--post); }
.m-patch { background: var(--patch); } .m-delete { background: var(--delete); }
.m-put { background: var(--patch); }
@media (prefers-color-scheme: dark) { .method { color: #0d1117; } }
.badge { font-size: 11px; font-weight: 600; border: 1px solid var(--line); border-radius: 10px;
  padding: 0 8px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
.req { margin-left: 6px; font-size: 11px; color: var(--delete); }
.opt { margin-left: 6px; font-size: 11px; color: var(--muted); }
.media { font: 12px ui-monospace, monospace; color: var(--muted); margin-left: 6px;
  text-transform: none; letter-spacing: 0; }
.type { font: 13px ui-monospace, monospace; color: var(--code); }
.bounds, .note, .desc { color: var(--muted); font-size: 13px; }
.schema { background: var(--card); border: 1px solid var(--line); border-radius: 6px;
  padding: 8px 12px; margin: 6px 0; overflow-x: auto; }
.fields { list-style: none; margin: 0; padding-left: 0; }
.fields .fields { padding-left: 18px; border-left: 1px solid var(--line); margin: 2px 0 4px 4px; }
.fields li { margin: 2px 0; }
.name { font-weight: 600; }
details, details[open] { display: inline; }
summary { cursor: pointer; display: inline; }
.variants { margin: 4px 0; padding-left: 22px; }
.responses { display: grid; grid-template-columns: 48px 1fr; gap: 6px 10px; margin: 0; }
.responses dt { font: 700 13px/1.6 ui-monospace, monospace; }
.responses dd { margin: 0; min-width: 0; }
.s2 { color: var(--s2); } .s4 { color: var(--s4); } .s5 { color: var(--s5); }
.header { font-size: 13px; color: var(--muted); }
@media (max-width: 800px) { body { display: block; } nav { position: static; max-height: none;
  border-right: 0; border-bottom: 1px solid var(--line); } }
`
