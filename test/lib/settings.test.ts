import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  ConfigError,
  bool,
  defineSettings,
  hostPort,
  list,
  loadSettings,
  optional,
  port,
  url,
} from '../../lib/settings.ts'

const SPEC = defineSettings({
  PORT: { default: '8080', doc: 'port', parse: port },
  ENABLED: { default: 'false', doc: 'flag', parse: bool },
  NODES: { default: 'a.example:6881', doc: 'nodes', parse: list(hostPort) },
  TARGET: { default: undefined, doc: 'url', parse: optional(url()) },
})

test('defaults fill unset and empty variables', () => {
  const s = loadSettings(SPEC, { ENABLED: '' })
  assert.deepEqual(s, {
    PORT: 8080,
    ENABLED: false,
    NODES: [{ host: 'a.example', port: 6881 }],
    TARGET: undefined,
  })
})

test('a bad value names its variable', () => {
  assert.throws(
    () => loadSettings(SPEC, { PORT: '70000' }),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError)
      assert.equal(e.variable, 'PORT')
      assert.match(e.message, /PORT/)
      return true
    },
  )
  assert.throws(() => loadSettings(SPEC, { NODES: '127.0.0.1' }), /NODES.*host:port/)
  assert.throws(() => loadSettings(SPEC, { TARGET: 'ftp://x' }), /TARGET.*http or https/)
  assert.throws(() => loadSettings(SPEC, { ENABLED: 'maybe' }), /ENABLED/)
})

test('lists accept IPv6 hosts and "none"', () => {
  assert.deepEqual(loadSettings(SPEC, { NODES: '[::1]:7000, 127.0.0.2:7001' }).NODES, [
    { host: '::1', port: 7000 },
    { host: '127.0.0.2', port: 7001 },
  ])
  assert.deepEqual(loadSettings(SPEC, { NODES: 'none' }).NODES, [])
})
