/**
 * Proxies as @actions/http-client provides them: `https_proxy` for https URLs (a CONNECT tunnel),
 * `no_proxy` honoured, and loopback hosts never proxied. Since the action accepts plain http for
 * loopback hosts only, the proxied runs use `https://graph.test`: the forward proxy tunnels every
 * CONNECT to a local TLS server (a self-signed certificate for graph.test, trusted through
 * NODE_EXTRA_CA_CERTS) that hands the decrypted bytes to the simulator. graph.test does not resolve
 * (.test is reserved), so a run that bypasses the proxy cannot reach anything.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it as jestIt } from '@jest/globals'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  closedPort,
  expectFailure,
  expectRegistered,
  forwardProxy,
  migration,
  NUMBER_ID,
  PIN,
  PREFLIGHT,
  runFault,
  startSimulator,
  stopAll,
  TOKEN
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

const HOST = 'graph.test'
const GRAPH = `https://${HOST}`

let certDir = ''
let key: Buffer
let cert: Buffer
let certFile = ''

beforeAll(() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
  } catch {
    throw new Error('The proxy tests need the openssl command to make a certificate for graph.test')
  }
  certDir = mkdtempSync(join(tmpdir(), 'fault-proxy-'))
  certFile = join(certDir, 'cert.pem')
  const keyFile = join(certDir, 'key.pem')
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${HOST}`,
      '-addext', `subjectAltName=DNS:${HOST}`
    ], // prettier-ignore
    { stdio: 'ignore' }
  )
  key = readFileSync(keyFile)
  cert = readFileSync(certFile)
})

/** Stops what `graphBehindTls` started that `stopAll` does not know about. */
const cleanups: (() => Promise<void>)[] = []

afterAll(async () => {
  await Promise.all(cleanups.splice(0).map(cleanup => cleanup()))
  await stopAll()
  rmSync(certDir, { recursive: true, force: true })
})

/**
 * The simulator behind a TLS server for graph.test; resolves the TLS port and the server names
 * (SNI) its clients asked for.
 */
async function graphBehindTls(simulatorUrl: string): Promise<{ port: number; names: string[] }> {
  const simulatorPort = Number(new URL(simulatorUrl).port)
  const names: string[] = []
  const sockets = new Set<Socket>()
  const server = createTlsServer({ key, cert }, (secure: TLSSocket) => {
    names.push(typeof secure.servername === 'string' ? secure.servername : '')
    const plain = connect(simulatorPort, '127.0.0.1')
    sockets.add(secure).add(plain)
    secure.pipe(plain).pipe(secure)
    plain.on('error', () => secure.destroy())
    secure.on('error', () => plain.destroy())
  })
  cleanups.push(
    () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  )
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, names }
}

describe('through a forward proxy', () => {
  it.each(['https_proxy', 'HTTPS_PROXY'])(
    '%s: every request goes through a CONNECT tunnel to graph.test:443, and the run succeeds',
    async variable => {
      const { sim, url } = await startSimulator()
      const tls = await graphBehindTls(url)
      const proxy = await forwardProxy(tls.port)
      const run = await runFault(migration(GRAPH), {
        env: { [variable]: proxy.url, NODE_EXTRA_CA_CERTS: certFile }
      })
      expectRegistered(run, 1)
      expect(sim.requests.map(r => r.route)).toEqual([...PREFLIGHT, 'register', 'read'])
      expect(sim.requests.every(r => r.headers.host === HOST)).toBe(true)
      expect(sim.requests.every(r => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true)
      // One tunnel per request (no keep-alive), each to graph.test, each with TLS for graph.test.
      expect(proxy.log.connects).toEqual(sim.requests.map(() => `${HOST}:443`))
      expect(tls.names).toEqual(sim.requests.map(() => HOST))
      expect(proxy.log.requests).toEqual([])
      // The proxy carried ciphertext only.
      const carried = proxy.log.tunnelled().toString('latin1')
      expect(carried.length).toBeGreaterThan(0)
      for (const secret of [TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA.slice(0, 20), 'Bearer']) {
        expect(carried).not.toContain(secret)
      }
    },
    60_000
  )
})

// Two forms through the bundle; every form, and forms that do not match, are in the unit table of
// __tests__/graph.test.ts.
describe('no_proxy', () => {
  it.each([HOST, '.test'])(
    '%j bypasses the proxy: graph.test does not resolve, so the calls fail unsent and retried',
    async noProxy => {
      const { url } = await startSimulator()
      const tls = await graphBehindTls(url)
      const proxy = await forwardProxy(tls.port)
      const run = await runFault(migration(GRAPH, { preflight: 'false', retries: '1' }), {
        env: { https_proxy: proxy.url, no_proxy: noProxy, NODE_EXTRA_CA_CERTS: certFile }
      })
      const message = expectFailure(run, 2)
      expect(message).toMatch(
        /^Register failed: Could not connect \((ENOTFOUND|EAI_AGAIN)\); the request was not sent\./
      )
      expect(message).toContain('no attempts left (2 of 2 made)')
      expect(proxy.log.connects).toEqual([])
      expect(proxy.log.requests).toEqual([])
      expect(tls.names).toEqual([])
    },
    60_000
  )
})

describe('loopback hosts', () => {
  it('never go through a proxy, whatever http_proxy and https_proxy say', async () => {
    const { sim, url } = await startSimulator()
    const proxy = await forwardProxy(await closedPort())
    const run = await runFault(migration(url), {
      env: { http_proxy: proxy.url, https_proxy: proxy.url, HTTP_PROXY: proxy.url }
    })
    expectRegistered(run, 1)
    expect(proxy.log.requests).toEqual([])
    expect(proxy.log.connects).toEqual([])
    expect(sim.registerCalls()).toHaveLength(1)
    expect(sim.number(NUMBER_ID).platformType).toBe('CLOUD_API')
  }, 60_000)
})

describe('TLS through the tunnel', () => {
  it('fails before anything is sent when the certificate is not trusted: not retried', async () => {
    const { sim, url } = await startSimulator()
    const tls = await graphBehindTls(url)
    const proxy = await forwardProxy(tls.port)
    const run = await runFault(migration(GRAPH, { retries: '2' }), {
      env: { https_proxy: proxy.url }
    })
    const message = expectFailure(run, 0)
    expect(message).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): TLS failed before the request was sent: [A-Z_]+\./
    )
    expect(message).toContain('NODE_EXTRA_CA_CERTS')
    expect(proxy.log.connects).toEqual([`${HOST}:443`])
    expect(sim.requests).toEqual([])
  }, 60_000)

  // The tunnel reaches a server that does not speak TLS (a proxy or port mix-up): the handshake
  // fails with EPROTO, before any request byte, and must be reported as TLS, not as "may have been
  // sent".
  it('fails as TLS, before sending, when the far end does not speak TLS', async () => {
    const { sim, url } = await startSimulator()
    const proxy = await forwardProxy(Number(new URL(url).port))
    const run = await runFault(migration(GRAPH, { retries: '2' }), {
      env: { https_proxy: proxy.url }
    })
    expect(expectFailure(run, 0)).toContain('TLS failed before the request was sent')
    expect(proxy.log.connects).toEqual([`${HOST}:443`])
    expect(sim.requests).toEqual([])
  }, 60_000)
})

describe('a proxy that is down', () => {
  it('fails the pre-flight read cleanly, with no register call', async () => {
    const proxyUrl = `http://127.0.0.1:${await closedPort()}`
    const run = await runFault(migration(GRAPH, { retries: '1' }), {
      env: { https_proxy: proxyUrl, NODE_EXTRA_CA_CERTS: certFile }
    })
    const message = expectFailure(run, 0)
    expect(message).toMatch(/^Pre-flight read of the number failed \(no register call was made\): /)
    expect(message).toContain('proxy')
  }, 60_000)

  // http-client's tunnel reports a CONNECT that failed (proxy down, 407, 403) with code ECONNRESET;
  // the register call never left the proxy, so it is not uncertain: it is retried like a refused
  // connection.
  it('treats a register call the proxy refused as not sent, and retries it', async () => {
    const proxyUrl = `http://127.0.0.1:${await closedPort()}`
    const run = await runFault(migration(GRAPH, { retries: '1', preflight: 'false' }), {
      env: { https_proxy: proxyUrl, NODE_EXTRA_CA_CERTS: certFile }
    })
    expect(expectFailure(run, 2)).toMatch(/^Register failed: .*the request was not sent/)
  }, 60_000)
})
