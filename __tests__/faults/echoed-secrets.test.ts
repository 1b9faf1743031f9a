/**
 * A server that echoes what it was sent: the PIN, the token, the backup password and the backup
 * data come back in error messages, HTML pages, headers, a redirect's Location (URL-encoded) and
 * the number's fields. Each is redacted everywhere (runFault sweeps stdout, stderr, every output and
 * the summary); each test also shows that the text around the secret did arrive, so the sweep is
 * not passing only because the text was dropped.
 */
import { afterAll, describe, expect, it as jestIt } from '@jest/globals'
import {
  BACKUP_DATA,
  BACKUP_PASSWORD,
  commandMessages,
  expectFailure,
  expectRegistered,
  migration,
  NUMBER_ID,
  PIN,
  runFault,
  startSimulator,
  stopAll,
  TOKEN
} from './fault-kit.js'

// Every fault starts its own servers: they run side by side (see fault-kit.ts).
const it = jestIt.concurrent

afterAll(stopAll)

describe('secrets echoed by the server', () => {
  it('in a Graph error (message, user message, details) and the response body', async () => {
    const { sim, url } = await startSimulator()
    const error = {
      message: `(#100) Invalid parameter: pin ${PIN} with password ${BACKUP_PASSWORD}`,
      type: 'OAuthException',
      code: 100,
      error_user_title: 'Bad backup',
      error_user_msg: `The backup ${BACKUP_DATA} does not match`,
      error_data: { messaging_product: 'whatsapp', details: `token ${TOKEN} rejected` },
      fbtrace_id: 'AbCdEfGhIjKlMnOpQrStUvW'
    }
    sim.script('register', [{ kind: 'respond', status: 400, body: JSON.stringify({ error }) }])
    const run = await runFault(migration(url))
    const message = expectFailure(run, 1)
    expect(message).toContain('Graph error (code 100): (#100) Invalid parameter: pin *** with')
    expect(message).toContain('Meta says: Bad backup: The backup ***')
    expect(message).toContain('Details: token *** rejected')
    expect(run.outputs['fbtrace-id']).toBe('AbCdEfGhIjKlMnOpQrStUvW')
    // The body as sent, JSON-escaped backup lines included.
    expect(run.outputs.response).toContain('"message":"(#100) Invalid parameter: pin ***')
    expect(run.summary).toContain('Details: token *** rejected')
  }, 60_000)

  it('in an HTML error page that dumps the request, and in the trace header', async () => {
    const { sim, url } = await startSimulator()
    const request = JSON.stringify({
      messaging_product: 'whatsapp',
      pin: PIN,
      backup: { data: BACKUP_DATA, password: BACKUP_PASSWORD }
    })
    const page = `<html><body><h1>502 Bad Gateway</h1><pre>Authorization: Bearer ${TOKEN}\n${request}</pre></body></html>`
    sim.script('register', [
      {
        kind: 'respond',
        status: 502,
        body: page,
        headers: { 'content-type': 'text/html', 'x-fb-trace-id': `trace-${BACKUP_PASSWORD}` }
      }
    ])
    // A 502 may have gone through: one read (settle window 0 s) shows it did not.
    const run = await runFault(migration(url, { retries: '0', 'settle-seconds': '0' }))
    const message = expectFailure(run, 1)
    expect(message).toContain('HTTP 502 without a Graph error')
    expect(message).toContain('fbtrace_id: trace-***')
    expect(run.outputs['fbtrace-id']).toBe('trace-***')
    expect(run.outputs.response).toContain('<pre>Authorization: Bearer ***')
    expect(run.outputs.response).toContain('"pin":"***"')
  }, 60_000)

  it('URL-encoded in the Location of a redirect', async () => {
    const { sim, url } = await startSimulator()
    const query = new URLSearchParams({
      access_token: TOKEN,
      pin: PIN,
      password: BACKUP_PASSWORD,
      backup: BACKUP_DATA
    })
    sim.script('register', [
      {
        kind: 'respond',
        status: 307,
        body: '',
        headers: { location: `https://login.example/continue?${query.toString()}` }
      }
    ])
    const run = await runFault(migration(url))
    const message = expectFailure(run, 1)
    expect(message).toContain('a redirect to https://login.example/continue?access_token=***')
  }, 60_000)

  it('in the pre-flight read’s token error, whole and in part', async () => {
    const { sim, url } = await startSimulator()
    sim.script('read', [
      {
        kind: 'graph-error',
        status: 401,
        code: 190,
        message: `Invalid OAuth access token - Cannot parse access token: ${TOKEN.slice(0, 12)}…, full: ${TOKEN}`
      }
    ])
    const run = await runFault(migration(url))
    const message = expectFailure(run, 0)
    expect(message).toContain('Cannot parse access token: ***')
    expect(message).toContain(', full: ***')
    expect(sim.registerCalls()).toHaveLength(0)
  }, 60_000)

  it('in the number’s fields and a version warning, on a run that succeeds', async () => {
    const { sim, url } = await startSimulator()
    const node = {
      id: NUMBER_ID,
      display_phone_number: '+1 555-0133',
      verified_name: `Books ${PIN}`,
      platform_type: 'ON_PREMISE',
      status: 'CONNECTED'
    }
    sim.script('read', [
      {
        kind: 'respond',
        status: 200,
        body: JSON.stringify(node),
        headers: { 'x-ad-api-version-warning': `v19.0 is deprecated for ${TOKEN}` }
      },
      {
        kind: 'respond',
        status: 200,
        body: JSON.stringify({ ...node, platform_type: 'CLOUD_API' })
      }
    ])
    const run = await runFault(migration(url))
    expectRegistered(run, 1)
    expect(run.stdout).toContain('Before: +1 555-0133 (Books ***), platform ON_PREMISE')
    expect(run.outputs['verified-name']).toBe('Books ***')
    expect(commandMessages(run, 'warning')).toContain(
      'Graph API version warning: v19.0 is deprecated for ***'
    )
    expect(run.summary).toContain('Books ***')
  }, 60_000)
})
