/**
 * A Hono app on a Node HTTP server, as both services listen: a deep accept queue, and JSON for
 * the requests Node rejects before the app sees them.
 *
 * @example
 * const server = await listenHttp(app.fetch, { port: 8001, host: '0.0.0.0' })
 * const { port } = server.address() as AddressInfo
 */
import type { Server } from 'node:http'
import { createAdaptorServer } from '@hono/node-server'
import { answerClientErrorAsJson } from './client-error.ts'

/**
 * Connections the kernel completes and holds before the server accepts them. Node's default is
 * 511: a dashboard opening a connection per stream, a thousand at once while the event loop is
 * busy starting lookups, overflows it, and every dropped SYN costs its caller a one-second
 * retransmit. Linux caps the value at net.core.somaxconn (4096 by default since 5.4).
 */
export const LISTEN_BACKLOG = 4096

type FetchHandler = Parameters<typeof createAdaptorServer>[0]['fetch']

/** Listens on `host:port` (port 0: a free one); rejects when it cannot bind. */
export function listenHttp(
  fetch: FetchHandler,
  where: { port: number; host: string },
): Promise<Server> {
  const server = createAdaptorServer({ fetch }) as Server
  server.on('clientError', answerClientErrorAsJson)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen({ port: where.port, host: where.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject)
      resolve(server)
    })
  })
}
