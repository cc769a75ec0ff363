/**
 * OpenAPI 3.1 from the contract: each service lists its routes once in a table (method, path,
 * summary, parameters, body and response schemas per status) and the document is generated from
 * the zod schemas with zod's own `z.toJSONSchema()`, so what the docs say is what the services
 * validate and answer with. Browser-safe: zod only.
 *
 * @example
 * const doc = createOpenApiDocument({ title: 'Collector', version: '1.0.0' }, COLLECTOR_API)
 * doc.paths['/peers/{id}'].get.responses['200']
 */
import { z } from 'zod'

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete'

/** One answer of a route: JSON by default, or another media type (Prometheus text, SSE). */
export interface ApiResponse {
  description: string
  /** JSON body schema (or the data of each event, for `text/event-stream`). */
  schema?: z.ZodType
  /** Defaults to `application/json` when a schema is given. */
  mediaType?: string
  /** Response headers worth knowing (`Retry-After`). */
  headers?: Record<string, string>
}

/** One route as a service registers it, written with OpenAPI `{param}` paths. */
export interface ApiRoute {
  method: HttpMethod
  path: string
  summary: string
  description?: string
  /** Groups routes on the docs page. */
  tag: string
  /** Path parameters and what they hold (strings, percent-encoded in the URL). */
  params?: Record<string, string>
  /** Query parameters as the route validates them (each property one parameter). */
  query?: z.ZodObject
  /** Request headers the route reads. */
  headers?: Record<string, string>
  /** JSON request body. */
  body?: z.ZodType
  /** Whether the body may be left out (a change with nothing to choose). */
  bodyOptional?: boolean
  /** Needs the API key when one is set. */
  auth?: boolean
  responses: Record<number, ApiResponse>
}

export interface ApiInfo {
  title: string
  version: string
  description?: string
}

type JsonSchema = Record<string, unknown>

export interface OpenApiDocument {
  openapi: '3.1.0'
  info: ApiInfo
  tags: Array<{ name: string }>
  paths: Record<string, Partial<Record<HttpMethod, OpenApiOperation>>>
  components: { securitySchemes: Record<string, unknown> }
}

export interface OpenApiOperation {
  summary: string
  description?: string
  tags: string[]
  operationId: string
  parameters?: Array<{
    name: string
    in: 'path' | 'query' | 'header'
    required: boolean
    description?: string
    schema: JsonSchema
  }>
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> }
  responses: Record<
    string,
    {
      description: string
      headers?: Record<string, { description: string; schema: JsonSchema }>
      content?: Record<string, { schema: JsonSchema }>
    }
  >
  security?: Array<Record<string, string[]>>
}

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect). Requests are described as they
 * are accepted (`io: 'input'`, before transforms and defaults), answers as they are sent.
 * Checks zod cannot express (refinements) are left out rather than failing the document.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema
  delete json.$schema
  return tidy(json) as JsonSchema
}

// zod writes `.int()` as the safe-integer range; that is noise on a docs page.
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy)
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'minimum' || k === 'maximum') && Math.abs(v as number) === Number.MAX_SAFE_INTEGER)
      continue
    out[k] = tidy(v)
  }
  return out
}

/** `/streams/{id}/stats` + `get` -> `getStreamsIdStats`. */
function operationId(method: HttpMethod, path: string): string {
  const words = path.split(/[^A-Za-z0-9]+/).filter(Boolean)
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')
}

/**
 * The OpenAPI document of one service's route table.
 *
 * @example
 * app.get('/openapi.json', (c) => c.json(createOpenApiDocument(info, routes)))
 */
export function createOpenApiDocument(info: ApiInfo, routes: readonly ApiRoute[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {}
  const tags: string[] = []
  for (const r of routes) {
    if (!tags.includes(r.tag)) tags.push(r.tag)
    const op: OpenApiOperation = {
      summary: r.summary,
      tags: [r.tag],
      operationId: operationId(r.method, r.path),
      responses: {},
    }
    if (r.description) op.description = r.description
    const parameters: NonNullable<OpenApiOperation['parameters']> = []
    for (const [name, description] of Object.entries(r.params ?? {}))
      parameters.push({ name, in: 'path', required: true, description, schema: { type: 'string' } })
    if (r.query) {
      const q = toJsonSchema(r.query, 'input')
      const required = new Set((q.required as string[] | undefined) ?? [])
      for (const [name, schema] of Object.entries(
        (q.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        const { description, ...rest } = schema
        parameters.push({
          name,
          in: 'query',
          required: required.has(name),
          ...(typeof description === 'string' ? { description } : {}),
          schema: rest,
        })
      }
    }
    for (const [name, description] of Object.entries(r.headers ?? {}))
      parameters.push({
        name,
        in: 'header',
        required: false,
        description,
        schema: { type: 'string' },
      })
    if (parameters.length) op.parameters = parameters
    if (r.body) {
      op.requestBody = {
        required: !r.bodyOptional,
        content: { 'application/json': { schema: toJsonSchema(r.body, 'input') } },
      }
    }
    for (const [status, res] of Object.entries(r.responses)) {
      const out: OpenApiOperation['responses'][string] = { description: res.description }
      if (res.headers) {
        out.headers = Object.fromEntries(
          Object.entries(res.headers).map(([h, d]) => [
            h,
            { description: d, schema: { type: 'string' } },
          ]),
        )
      }
      if (res.schema || res.mediaType) {
        const mediaType = res.mediaType ?? 'application/json'
        out.content = {
          [mediaType]: {
            schema: res.schema ? toJsonSchema(res.schema, 'output') : { type: 'string' },
          },
        }
      }
      op.responses[status] = out
    }
    if (r.auth) op.security = [{ bearer: [] }, { apiKeyHeader: [] }, {}]
    ;(paths[r.path] ??= {})[r.method] = op
  }
  return {
    openapi: '3.1.0',
    info,
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'API_KEY, when one is set' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-KEY' },
      },
    },
  }
}
