import type { Requester, UpstashRequest, UpstashResponse } from '@upstash/redis'
import { createClient, ErrorReply } from 'redis'
import type { Logger } from '../../lib/log.ts'

export interface RedisRequesterOptions {
  url: string
  /** A command that gets no reply within this time fails (socket stays open). */
  commandTimeoutMs?: number
  /** Each connection attempt gives up after this long, then retries with backoff. */
  connectTimeoutMs?: number
  /** Longest wait between reconnection attempts. */
  maxReconnectDelayMs?: number
  log?: Logger
}

export interface RedisRequester extends Requester {
  /** True while the TCP connection is up and handshaken. */
  readonly isReady: boolean
  close(): Promise<void>
}

type Reply = unknown
type Command = (string | number | boolean)[]

/**
 * Lets `@upstash/redis` talk to a plain Redis server (`redis://`) over TCP with node-redis,
 * so the same `Redis` API works against Upstash REST and a bundled or self-hosted server.
 *
 * The REST API answers `{ result }` or `{ error }` per command (an array of those for
 * `/pipeline` and `/multi-exec`), with RESP2 shapes: bulk strings as strings, integers as
 * numbers, nil as null, nested arrays. @upstash/redis decodes base64 (`Upstash-Encoding`)
 * inside its own HttpClient, so a custom Requester hands back plain strings.
 *
 * @example
 * const requester = createRedisRequester({ url: 'redis://127.0.0.1:6379' })
 * const redis = new Redis(requester)
 * await redis.set('k', { a: 1 }, { px: 30_000 })
 * await requester.close()
 */
export function createRedisRequester(options: RedisRequesterOptions): RedisRequester {
  const { url, log } = options
  const commandTimeoutMs = options.commandTimeoutMs ?? 1000
  const maxDelay = options.maxReconnectDelayMs ?? 2000
  const client = createClient({
    url,
    // Upstash's REST API speaks RESP2 shapes (flat HGETALL arrays, doubles as strings).
    RESP: 2,
    // Fail at once while disconnected instead of queueing: callers degrade to memory.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 1000,
      // Never give up: Redis may come back minutes later (restarted container, bundled respawn).
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), maxDelay),
    },
  })
  let lastError = ''
  // node-redis emits 'error' on every failed attempt; unhandled it would crash the process.
  client.on('error', (err: Error) => {
    if (err.message !== lastError) log?.debug('redis connection error', { err })
    lastError = err.message
  })
  client.on('ready', () => {
    lastError = ''
  })
  let closed = false
  // Connection runs in the background; until ready, commands fail fast (offline queue off).
  client.connect().catch((err: unknown) => {
    if (!closed) log?.warn('redis connection stopped', { err })
  })

  const toArgs = (command: Command): string[] => command.map((part) => String(part))

  /** While (re)connecting, a command waits for the connection at most its own timeout. */
  async function ready(): Promise<void> {
    if (client.isReady || closed) return
    let onReady = () => {}
    const timer = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, commandTimeoutMs)
      onReady = () => {
        clearTimeout(t)
        resolve()
      }
      client.once('ready', onReady)
    })
    try {
      await timer
    } finally {
      client.off('ready', onReady)
    }
  }

  async function single(command: Command): Promise<UpstashResponse<unknown>> {
    await ready()
    try {
      const result = await client.sendCommand(toArgs(command), { timeout: commandTimeoutMs })
      return { result: shape(result) }
    } catch (err) {
      // A Redis error reply is an answer (REST: `{ error }`); anything else is transport trouble.
      if (err instanceof ErrorReply) return { error: err.message }
      throw err
    }
  }

  async function pipeline(commands: Command[]): Promise<UpstashResponse<unknown>[]> {
    await ready()
    // node-redis writes commands issued in one tick as one batch; each keeps its own outcome
    // (its execAsPipeline would reject the whole batch on the first error reply).
    return Promise.all(commands.map((command) => single(command)))
  }

  async function multiExec(commands: Command[]): Promise<UpstashResponse<unknown>[]> {
    if (commands.length === 0) return []
    await ready()
    const multi = client.multi()
    for (const command of commands) multi.addCommand(toArgs(command))
    let replies: Reply[]
    try {
      replies = await multi.exec()
    } catch (err) {
      // MultiErrorReply carries every reply, with ErrorReply objects where commands failed.
      const withReplies = err as { replies?: Reply[] }
      if (err instanceof ErrorReply && Array.isArray(withReplies.replies)) {
        replies = withReplies.replies
      } else throw err
    }
    return replies.map((reply) =>
      reply instanceof ErrorReply ? { error: reply.message } : { result: shape(reply) },
    )
  }

  return {
    get isReady() {
      return client.isReady
    },
    async request<TResult = unknown>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
      const path = req.path ?? []
      const body = req.body as Command | Command[]
      if (path.length === 0) return (await single(body as Command)) as UpstashResponse<TResult>
      if (path[0] === 'pipeline' || path[0] === 'multi-exec') {
        // A pipeline answers an array; @upstash/redis's Pipeline reads it as such.
        const commands = body as Command[]
        const out = path[0] === 'pipeline' ? await pipeline(commands) : await multiExec(commands)
        return out as unknown as UpstashResponse<TResult>
      }
      return { error: `unsupported request path /${path.join('/')}` }
    },
    async close() {
      if (closed) return
      closed = true
      if (!client.isReady) {
        client.destroy()
        return
      }
      // Graceful when Redis answers; a hung server must not hold up shutdown.
      const timer = setTimeout(() => client.destroy(), commandTimeoutMs)
      try {
        await client.close()
      } catch {
        client.destroy()
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/** RESP2 replies as the REST API would put them in JSON (Buffers as text, nested arrays kept). */
function shape(reply: Reply): unknown {
  if (reply === undefined) return null
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  if (Array.isArray(reply)) return reply.map(shape)
  if (typeof reply === 'bigint') return Number(reply)
  return reply
}
