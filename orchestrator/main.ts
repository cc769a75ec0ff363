// Entry point of `npm run start:orchestrator`: read config, start, stop cleanly on a signal.
import { createLogger } from '../lib/log.ts'
import { ConfigError } from '../lib/settings.ts'
import { loadOrchestratorConfig } from './config.ts'
import { startOrchestrator } from './server.ts'

let config
try {
  config = loadOrchestratorConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`orchestrator: ${err.message}\n`)
  process.exit(2)
}
const log = createLogger('orchestrator', config.LOG_LEVEL)
const orchestrator = await startOrchestrator(config, log).catch((err: unknown) => {
  // e.g. the port is taken or DATA_DIR is not writable: say so in one line and stop.
  log.error('could not start', { err })
  process.exit(1)
})
log.info('listening', { url: orchestrator.url, port: orchestrator.port })

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    log.info('stopping', { signal })
    // A second signal, or a stop that hangs, must not leave the process up.
    setTimeout(() => process.exit(1), 5000).unref()
    orchestrator.close().then(() => process.exit(0))
  })
}
