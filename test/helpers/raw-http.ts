/**
 * Requests Node's HTTP parser rejects before an app sees them, sent over a raw socket, for the
 * scenario both services share: each must answer them in JSON like every other error.
 *
 * @example
 * await assertNodeRejectionsAnswerJson(port)
 */
import assert from 'node:assert/strict'
import { connect, type Socket } from 'node:net'

/** Sends `text` to 127.0.0.1:`port` as is and resolves with everything the server wrote back. */
export function sendRaw(port: number, text: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  return exchange(socket, text)
}

/** Writes `text` on `socket` (connected or still connecting) and reads until the server closes. */
export function exchange(socket: Socket, text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (got += d))
    socket.on('close', () => resolve(got))
    socket.on('error', reject)
    socket.end(text)
  })
}

/** A bad request line is a JSON 400 and oversized headers a JSON 431, each with an `error`. */
export async function assertNodeRejectionsAnswerJson(port: number): Promise<void> {
  const cases: Array<[string, string, RegExp]> = [
    ['bad request line', 'NOT AN HTTP REQUEST\r\n\r\n', /^HTTP\/1\.1 400 /],
    [
      'oversized headers',
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      /^HTTP\/1\.1 431 /,
    ],
  ]
  for (const [label, request, statusLine] of cases) {
    const answer = await sendRaw(port, request)
    assert.match(answer, statusLine, label)
    assert.match(answer, /content-type: application\/json/i, label)
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { error: string }
    assert.ok(body.error.length > 0, label)
  }
}
