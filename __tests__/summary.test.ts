import { summary } from '@actions/core'
import { describe, it, expect, beforeEach } from '@jest/globals'
import type { Failure } from '../src/errors.js'
import { Redactor } from '../src/redact.js'
import { describeFailure, newReport, type RunReport } from '../src/report.js'
import { buildSummary } from '../src/summary.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const PIN = '004217'
const BACKUP_DATA = 'YmFja3VwLWRhdGEtbGluZS1vbmU=\r\nYmFja3VwLWxpbmUtdHdv'
const BACKUP_PASSWORD = 'Zq-Pw-8812-kX'
const SECRETS = [TOKEN, PIN, BACKUP_DATA, BACKUP_PASSWORD]

const PIN_MISMATCH: Failure = {
  kind: 'graph',
  message: `HTTP 400, Graph error (code 133005): PIN ${PIN} does not match`,
  httpStatus: 400,
  code: 133005,
  fbtraceId: 'AbCdEfGh',
  next: 'stop',
  hint: 'Use the PIN set on the number, or reset two-step verification in WhatsApp Manager.'
}

function render(changes: Partial<RunReport>): string {
  const report: RunReport = { ...newReport(), ...changes }
  const returned = buildSummary(summary, report, new Redactor(SECRETS))
  expect(returned).toBe(summary)
  return summary.stringify()
}

/** Every secret, each of its lines, and the start of each, must be absent. */
function expectNoSecret(html: string): void {
  for (const secret of SECRETS) {
    for (const line of secret.split(/\r?\n/)) {
      expect(html).not.toContain(line)
      expect(html).not.toContain(line.slice(0, 6))
    }
  }
}

beforeEach(() => {
  summary.emptyBuffer()
})

describe('buildSummary', () => {
  it('shows the number, both platforms, the result, the calls, the trace id and the duration', () => {
    const html = render({
      result: 'registered',
      phoneNumberId: '1234567890123456',
      before: {
        displayPhoneNumber: '+1 555-0100',
        verifiedName: 'Acme',
        platformType: 'ON_PREMISE',
        status: 'CONNECTED'
      },
      after: { platformType: 'CLOUD_API', status: 'CONNECTED' },
      attempts: 1,
      httpStatus: 200,
      fbtraceId: 'AbCdEfGh',
      durationMs: 15_250
    })
    expect(html).toContain('<h2>WhatsApp Cloud API registration</h2>')
    for (const [name, value] of [
      ['Phone number ID', '1234567890123456'],
      ['Display number', '+1 555-0100'],
      ['Verified name', 'Acme'],
      ['Platform before', 'ON_PREMISE (CONNECTED)'],
      ['Platform after', 'CLOUD_API (CONNECTED)'],
      ['Result', '✅ registered'],
      ['Register calls', '1'],
      ['HTTP status', '200'],
      ['fbtrace_id', 'AbCdEfGh'],
      ['Duration', '15.3 s']
    ]) {
      expect(html).toContain(`<tr><td>${name}</td><td>${value}</td></tr>`)
    }
    expect(html).not.toContain('What went wrong')
  })

  it('leaves out rows it has no value for, but always says the result and the calls', () => {
    const html = render({})
    expect(html).toContain('<tr><td>Result</td><td>❌ failed</td></tr>')
    expect(html).toContain('<tr><td>Register calls</td><td>0</td></tr>')
    for (const name of [
      'Phone number ID',
      'Display number',
      'Platform before',
      'Platform after',
      'HTTP status',
      'fbtrace_id',
      'Duration'
    ])
      expect(html).not.toContain(`<td>${name}</td>`)
  })

  it('shows ? for a platform or status that was not read', () => {
    const html = render({ before: { status: 'PENDING' }, after: { platformType: 'CLOUD_API' } })
    expect(html).toContain('<td>? (PENDING)</td>')
    expect(html).toContain('<td>CLOUD_API (?)</td>')
  })

  it.each<[RunReport['result'], string]>([
    ['already-registered', '✅ already registered (no register call)'],
    ['dry-run', '🧪 dry run (no register call)']
  ])('labels %s', (result, label) => {
    expect(render({ result })).toContain(`<td>${label}</td>`)
  })

  it('explains a failure with the classified error and its hint', () => {
    const html = render({
      result: 'failed',
      attempts: 1,
      failure: PIN_MISMATCH,
      errorMessage: describeFailure('Register failed', PIN_MISMATCH, 'Not retried (1 call made).')
    })
    expect(html).toContain('<h3>What went wrong</h3>')
    expect(html).toMatch(/<pre><code>Register failed: HTTP 400, Graph error \(code 133005\)/)
    expect(html).toContain('What to do: Use the PIN set on the number')
    expect(html).toContain('fbtrace_id: AbCdEfGh')
    expectNoSecret(html)
  })

  it('lists input problems instead of the combined message', () => {
    const html = render({
      inputProblems: ['pin: expected exactly 6 digits', 'retries: expected a whole number'],
      errorMessage: 'Invalid inputs:\n- pin: …'
    })
    expect(html).toContain('<h3>Input problems</h3>')
    expect(html).toContain(
      '<ul><li>pin: expected exactly 6 digits</li><li>retries: expected a whole number</li></ul>'
    )
    expect(html).not.toContain('What went wrong')
  })

  it('lists the warnings', () => {
    const html = render({ result: 'registered', warnings: ['timeout-seconds is 10'] })
    expect(html).toContain('<h3>Warnings</h3>\n<ul><li>timeout-seconds is 10</li></ul>')
  })

  it('shows the planned request of a dry run by field names', () => {
    const planned =
      'POST https://graph.facebook.com/v26.0/1/register with messaging_product, pin, backup.data, backup.password'
    const html = render({ result: 'dry-run', plannedRequest: planned })
    expect(html).toContain(
      `<h3>What a real run would send</h3>\n<pre><code>${planned}</code></pre>`
    )
  })

  it('shows the wiring: the account, the app, the subscription and the webhook URL', () => {
    const html = render({
      result: 'registered',
      wiring: {
        wabaId: '9876543210987654',
        app: { id: '555', name: 'Acme <Bot>' },
        subscribed: true,
        subscribedNow: true,
        webhook: { url: `https://bot.example.com/hook?t=${PIN}`, source: 'number override' },
        overrideSetNow: true,
        planned: []
      }
    })
    expect(html).toContain('Receiving messages')
    expect(html).toContain('9876543210987654')
    expect(html).toContain('Acme &#60;Bot&#62; (555)')
    expect(html).toContain('✅ yes (subscribed by this run)')
    expect(html).toContain('https://bot.example.com/hook?t=*** (number override, set by this run)')
    expectNoSecret(html)
  })

  it('says what is not known, not subscribed, or not set', () => {
    const unknown = render({ wiring: { wabaId: '1', planned: [] } })
    expect(unknown).toMatch(/App.*unknown/)
    expect(unknown).toMatch(/Subscribed.*unknown/)
    expect(unknown).toMatch(/Webhook URL.*unknown/)
    summary.emptyBuffer()
    const none = render({ wiring: { wabaId: '1', subscribed: false, webhook: null, planned: [] } })
    expect(none).toContain('❌ no')
    expect(none).toContain('none set (number, WABA or app)')
  })

  it('lists the wiring writes of a dry run after the register call', () => {
    const html = render({
      result: 'dry-run',
      plannedRequest:
        'POST https://graph.facebook.com/v26.0/1/register with messaging_product, pin',
      wiring: {
        wabaId: '2',
        subscribed: false,
        planned: ['POST https://graph.facebook.com/v26.0/2/subscribed_apps (subscribes the app)']
      }
    })
    expect(html).toContain(
      'with messaging_product, pin\nPOST https://graph.facebook.com/v26.0/2/subscribed_apps'
    )
  })

  it('keeps field names whole when a secret shares a 6-character piece with them', () => {
    const planned = 'POST https://graph.facebook.com/v26.0/1/register with pin, backup.data'
    const report: RunReport = { ...newReport(), result: 'dry-run', plannedRequest: planned }
    buildSummary(summary, report, new Redactor(['backup-Pw-8812']))
    expect(summary.stringify()).toContain(`<pre><code>${planned}</code></pre>`)
  })

  it('escapes HTML from the server and the inputs', () => {
    const html = render({
      phoneNumberId: '1',
      before: { verifiedName: '<img src=x onerror=alert(1)> & "Co" \'s' },
      errorMessage: 'Graph said: <script>alert(1)</script>',
      warnings: ['<b>bold</b>']
    })
    expect(html).toContain(
      '<td>&#60;img src=x onerror=alert(1)&#62; &#38; &#34;Co&#34; &#39;s</td>'
    )
    expect(html).toContain('Graph said: &#60;script&#62;alert(1)&#60;/script&#62;')
    expect(html).toContain('<li>&#60;b&#62;bold&#60;/b&#62;</li>')
    expect(html).not.toMatch(/<(img|script|b)[ >]/)
  })

  it('never shows a secret, wherever the server put it', () => {
    const everywhere = `t=${TOKEN} p=${PIN} d=${JSON.stringify(BACKUP_DATA)} line=${BACKUP_DATA.split('\r\n')[1]} pw=${encodeURIComponent(BACKUP_PASSWORD)}`
    const html = render({
      phoneNumberId: PIN,
      before: {
        displayPhoneNumber: everywhere,
        verifiedName: everywhere,
        platformType: everywhere
      },
      after: { status: everywhere },
      fbtraceId: everywhere,
      errorMessage: everywhere,
      plannedRequest: everywhere,
      warnings: [everywhere]
    })
    expectNoSecret(html)
    expect(html).toContain('t=*** p=***')
  })

  it('redacts before escaping, so that a secret with HTML characters is still found', () => {
    const secret = 'pw<&>"quoted"'
    summary.emptyBuffer()
    buildSummary(summary, { ...newReport(), errorMessage: `bad ${secret}` }, new Redactor([secret]))
    const html = summary.stringify()
    expect(html).toContain('bad ***')
    expect(html).not.toContain('&#34;quoted')
  })
})
