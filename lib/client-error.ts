/**
 * What Node's HTTP server answers before any app sees the request (a bad request line, headers
 * over the size limit, a header timeout), as JSON like every other error. Node answers these
 * itself with an empty `400 Bad Request` unless a `clientError` listener takes over; Hono and
 * @hono/node-server never see them.
 *
 * @example
 * const server = serve({ fetch: app.fetch, port })
 * server.on('clientError', answerClientErrorAsJson)
 */
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'

interface ClientSocket extends Duplex {
  /** Set by Node while a response is in progress on this connection. */
  _httpMessage?: { headersSent?: boolean } | null
}

export function answerClientErrorAsJson(err: NodeJS.ErrnoException, socket: Duplex): void {
  const s = socket as ClientSocket
  // Node's own rule: once a response has started on this connection, all we can do is close it.
  if (err.code === 'ECONNRESET' || !s.writable || s._httpMessage?.headersSent) {
    s.destroy()
    return
  }
  const [status, error] = classify(err.code)
  const body = JSON.stringify({ error, detail: 'the HTTP request could not be read' })
  s.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

function classify(code: string | undefined): [number, string] {
  if (code === 'HPE_HEADER_OVERFLOW') return [431, 'request headers too large']
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return [408, 'request timed out']
  return [400, 'malformed HTTP request']
}
