// Collector entry: read config, start, stop cleanly on SIGTERM/SIGINT.
import { createLogger } from '../lib/log.ts'
import { ConfigError } from '../lib/settings.ts'
import { loadCollectorConfig } from './config.ts'
import { CollectorStartError, startCollector } from './server.ts'

/** Shutdown budget: trackers get their `stopped` announce, then everything is closed. */
const SHUTDOWN_TIMEOUT_MS = 5000

function refuse(err: unknown): never {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`collector: ${err.message}\n`)
  process.exit(2)
}

let config
try {
  config = loadCollectorConfig(process.env)
} catch (err) {
  refuse(err)
}
const log = createLogger('collector', config.LOG_LEVEL)
const collector = await startCollector(config, { log }).catch((err: unknown) => {
  if (!(err instanceof CollectorStartError)) refuse(err)
  const where =
    err.stage === 'dht'
      ? { DHT_HOST: config.DHT_HOST, DHT_PORT: config.DHT_PORT }
      : { HOST: config.HOST, PORT: config.PORT }
  log.error(err.message, { err: err.cause, ...where })
  process.exit(1)
})
log.info('collector listening', { host: config.HOST, port: collector.port })

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    log.info('shutting down', { signal })
    // A stop that hangs must not leave the process up.
    setTimeout(() => {
      log.warn('shutdown took too long; exiting')
      process.exit(1)
    }, SHUTDOWN_TIMEOUT_MS).unref()
    void collector.close().then(() => process.exit(0))
  })
}
