// TEST FIXTURE, not product code: a minimal Upstash-compatible REST endpoint in front of a real
// redis-server, so the UPSTASH_REDIS_REST_URL path can be tested on loopback without the
// Upstash service. It implements what @upstash/redis sends (https://upstash.com/docs/redis/features/restapi):
//   POST /            body ["SET","k","v"]           -> { result } | 400 { error }
//   POST /pipeline    body [["SET",..],["GET",..]]   -> [{ result } | { error }, ...]
//   POST /multi-exec  same, inside MULTI/EXEC
// with `Authorization: Bearer <token>` (401 otherwise) and, when the request carries
// `Upstash-Encoding: base64`, every string in a result base64-encoded.
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createClient, ErrorReply } from 'redis'

export interface UpstashRestShim {
  url: string
  token: string
  /** Requests answered so far (to show traffic went through the shim). */
  readonly requests: number
  close(): Promise<void>
}

type Outcome = { result: unknown } | { error: string }

export async function startUpstashRestShim(
  t: { after(fn: () => Promise<void> | void): void },
  redisUrl: string,
  token = 'test-token',
): Promise<UpstashRestShim> {
  const redis = createClient({ url: redisUrl, RESP: 2, disableOfflineQueue: true })
  redis.on('error', () => {})
  await redis.connect()
  let requests = 0

  const run = async (command: unknown[]): Promise<Outcome> => {
    try {
      return { result: plain(await redis.sendCommand(command.map(String))) }
    } catch (err) {
      if (err instanceof ErrorReply) return { error: err.message }
      throw err
    }
  }
  const runAtomic = async (commands: unknown[][]): Promise<Outcome[]> => {
    const multi = redis.multi()
    for (const c of commands) multi.addCommand(c.map(String))
    let replies: unknown[]
    try {
      replies = await multi.exec()
    } catch (err) {
      const r = (err as { replies?: unknown[] }).replies
      if (!(err instanceof ErrorReply) || !Array.isArray(r)) throw err
      replies = r
    }
    return replies.map((x) =>
      x instanceof ErrorReply ? { error: x.message } : { result: plain(x) },
    )
  }

  const server = createServer(async (req, res) => {
    requests++
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    try {
      if (req.headers.authorization !== `Bearer ${token}`)
        return send(401, { error: 'Unauthorized' })
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64'
      const enc = (o: Outcome) => ('result' in o && base64 ? { result: encode(o.result) } : o)
      const body = JSON.parse(await readBody(req)) as unknown
      const path = new URL(req.url ?? '/', 'http://shim').pathname.replace(/\/+$/, '')
      if (req.method !== 'POST') return send(405, { error: 'only POST is implemented' })
      if (path === '' && isCommand(body)) {
        const out = await run(body)
        return send('error' in out ? 400 : 200, enc(out))
      }
      if ((path === '/pipeline' || path === '/multi-exec') && Array.isArray(body)) {
        if (!body.every(isCommand)) return send(400, { error: 'expected an array of commands' })
        const out =
          path === '/multi-exec'
            ? await runAtomic(body)
            : await Promise.all(body.map((c) => run(c)))
        return send(200, out.map(enc))
      }
      return send(400, { error: `unsupported request ${req.method} ${path || '/'}` })
    } catch (err) {
      send(500, { error: err instanceof Error ? err.message : String(err) })
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const shim: UpstashRestShim = {
    url: `http://127.0.0.1:${port}`,
    token,
    get requests() {
      return requests
    },
    async close() {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
      if (redis.isOpen) redis.destroy()
    },
  }
  t.after(() => shim.close())
  return shim
}

function isCommand(x: unknown): x is unknown[] {
  return Array.isArray(x) && x.length > 0 && x.every((p) => typeof p !== 'object' || p === null)
}

function plain(reply: unknown): unknown {
  if (reply === undefined) return null
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  if (Array.isArray(reply)) return reply.map(plain)
  return reply
}

function encode(result: unknown): unknown {
  if (typeof result === 'string') return Buffer.from(result, 'utf8').toString('base64')
  if (Array.isArray(result)) return result.map(encode)
  return result
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = ''
    req.setEncoding('utf8')
    req.on('data', (d: string) => (data += d))
    req.on('end', () => resolve(data))
    req.on('error', reject)
  })
}
