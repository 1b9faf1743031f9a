/**
 * Redirects are never followed: the token goes to graph-api-url only, so a server elsewhere (here a
 * second loopback server on another port) must receive nothing, not even a connection.
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import {
  API_VERSION,
  expectFailure,
  migration,
  NUMBER_ID,
  recordingServer,
  runFault,
  startSimulator,
  stopAll
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

afterAll(stopAll)

describe('a redirect of the register call', () => {
  it.each([301, 302, 303, 307, 308])(
    '%i to another host is not followed, not retried, and fails saying so',
    async status => {
      const elsewhere = await recordingServer()
      const { sim, url } = await startSimulator()
      const location = `${elsewhere.url}/${API_VERSION}/${NUMBER_ID}/register`
      sim.script('register', [
        { kind: 'respond', status, body: '', headers: { location, 'content-type': 'text/plain' } }
      ])
      const run = await runFault(migration(url, { retries: '2' }))
      const message = expectFailure(run, 1)
      expect(message).toMatch(
        new RegExp(
          `^Register failed: HTTP ${status}: a redirect to ${location.replace(/[.]/g, '\\.')}, not followed \\(the token goes to graph-api-url only\\)\\.`
        )
      )
      expect(message).toContain('Check graph-api-url')
      expect(run.outputs['http-status']).toBe(String(status))
      expect(elsewhere.connections()).toBe(0)
      expect(sim.registerCalls()).toHaveLength(1)
    },
    60_000
  )

  it('with a relative Location is not followed either', async () => {
    const { sim, url } = await startSimulator()
    sim.script('register', [
      { kind: 'respond', status: 307, body: '', headers: { location: '/v26.0/1/register' } }
    ])
    const run = await runFault(migration(url))
    const message = expectFailure(run, 1)
    expect(message).toMatch(/^Register failed: HTTP 307: a redirect to \/v26\.0\/1\/register, not/)
    expect(sim.registerCalls()).toHaveLength(1)
  }, 60_000)
})

describe('a redirect of the pre-flight read', () => {
  it('is not followed and stops the run before any register call', async () => {
    const elsewhere = await recordingServer()
    const { sim, url } = await startSimulator()
    sim.script('read', [
      {
        kind: 'respond',
        status: 302,
        body: '<a href="elsewhere">Found</a>',
        headers: {
          location: `${elsewhere.url}/${API_VERSION}/${NUMBER_ID}`,
          'content-type': 'text/html'
        }
      }
    ])
    const run = await runFault(migration(url, { retries: '2' }))
    const message = expectFailure(run, 0)
    expect(message).toMatch(
      /^Pre-flight read of the number failed \(no register call was made\): HTTP 302: a redirect to /
    )
    expect(elsewhere.connections()).toBe(0)
    expect(sim.requests.map(r => r.route)).toEqual(['read'])
  }, 60_000)
})
