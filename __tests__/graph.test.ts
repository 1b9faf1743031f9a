/**
 * GraphClient's choice of proxy, as @actions/http-client makes it from https_proxy and no_proxy.
 * Each case asks for https://graph.test (.test never resolves) through a proxy on 127.0.0.1 that
 * records and refuses every CONNECT: a proxied request fails as a refused tunnel after one CONNECT
 * for graph.test:443; a request that bypasses the proxy fails in the name lookup and the proxy
 * hears nothing. The fault suite runs two of these forms through the bundle
 * (__tests__/faults/proxy.test.ts).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GraphClient, NetworkFailure, PROXY_TUNNEL_FAILED } from '../src/graph.js'

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY'] as const

let proxy: Server
let proxyUrl = ''
const connects: string[] = []
const saved = new Map<string, string | undefined>()

beforeAll(async () => {
  for (const name of PROXY_VARIABLES) saved.set(name, process.env[name])
  proxy = createServer((_req, res) => res.writeHead(405).end())
  proxy.on('connect', (req, socket: Socket) => {
    connects.push(req.url ?? '')
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n')
  })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})

afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  proxy.closeAllConnections()
  await new Promise<void>(resolve => proxy.close(() => resolve()))
})

/** One read of https://graph.test with these proxy variables: the failure and the CONNECTs. */
async function readThrough(
  env: Partial<Record<(typeof PROXY_VARIABLES)[number], string>>
): Promise<{ failure: NetworkFailure; connects: string[] }> {
  for (const name of PROXY_VARIABLES) delete process.env[name]
  Object.assign(process.env, env)
  connects.length = 0
  const graph = new GraphClient({
    baseUrl: 'https://graph.test',
    apiVersion: 'v1.0',
    accessToken: 'token',
    timeoutMs: 10_000,
    userAgent: 'test/1.0.0'
  })
  try {
    await graph.get('1')
  } catch (error) {
    if (error instanceof NetworkFailure) return { failure: error, connects: [...connects] }
    throw error
  } finally {
    graph.dispose()
  }
  throw new Error('graph.test answered')
}

describe('no_proxy', () => {
  it.each([
    ['the host', 'graph.test'],
    ['a domain suffix with a leading dot', '.test'],
    ['the parent domain', 'test'],
    ['the host with the https port', 'graph.test:443'],
    ['a wildcard', '*'],
    ['upper case', 'GRAPH.TEST'],
    ['one entry of a list, with spaces', 'example.com, graph.test']
  ])('%s (%j) bypasses the proxy', async (_, noProxy) => {
    const { failure, connects } = await readThrough({ https_proxy: proxyUrl, no_proxy: noProxy })
    expect(connects).toEqual([])
    expect(failure.errorCode).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/)
  })

  it('is read as NO_PROXY too', async () => {
    const { connects } = await readThrough({ https_proxy: proxyUrl, NO_PROXY: 'graph.test' })
    expect(connects).toEqual([])
  })

  it.each([
    ['another host', 'other.test'],
    ['the host with another port', 'graph.test:8443'],
    ['the end of a label, not a whole one', 'raph.test'],
    ['empty', '']
  ])('%s (%j) leaves the request to the proxy', async (_, noProxy) => {
    const { failure, connects } = await readThrough({ https_proxy: proxyUrl, no_proxy: noProxy })
    expect(connects).toEqual(['graph.test:443'])
    expect(failure.errorCode).toBe(PROXY_TUNNEL_FAILED)
  })

  it('HTTPS_PROXY names the proxy as https_proxy does', async () => {
    const { connects } = await readThrough({ HTTPS_PROXY: proxyUrl })
    expect(connects).toEqual(['graph.test:443'])
  })
})
