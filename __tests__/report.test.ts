import { describe, it, expect } from '@jest/globals'
import type { Failure } from '../src/errors.js'
import { Redactor } from '../src/redact.js'
import {
  addUnmet,
  describeFailure,
  MAX_MESSAGE_LENGTH,
  MAX_RESPONSE_LENGTH,
  newReport,
  outputsOf,
  showBody,
  type RunReport
} from '../src/report.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const PIN = '004217'
const BACKUP_PASSWORD = 'backup-Pw-8812'
const redactor = (): Redactor => new Redactor([TOKEN, PIN, BACKUP_PASSWORD])

const PIN_MISMATCH: Failure = {
  kind: 'graph',
  message: 'HTTP 400, Graph error (code 100, subcode 133005): Two step verification PIN Mismatch',
  httpStatus: 400,
  code: 100,
  subcode: 133005,
  userMessage: 'PIN mismatch: Check the PIN.',
  details: 'Two step verification PIN Mismatch',
  fbtraceId: 'AbCdEfGh',
  next: 'stop',
  hint: 'Use the PIN set on the number.'
}

function report(changes: Partial<RunReport>): RunReport {
  return { ...newReport(), ...changes }
}

describe('newReport', () => {
  it('starts as a failure with no register call, so that a crash reports failure', () => {
    expect(newReport()).toEqual({ result: 'failed', attempts: 0, warnings: [], notes: [] })
  })
})

describe('outputsOf', () => {
  it('sets the outputs of a registration, the state after winning over the state before', () => {
    const outputs = outputsOf(
      report({
        result: 'registered',
        phoneNumberId: '1234567890123456',
        before: {
          displayPhoneNumber: '+1 555-0100',
          verifiedName: 'Acme',
          platformType: 'ON_PREMISE',
          status: 'CONNECTED'
        },
        after: { platformType: 'CLOUD_API', status: 'CONNECTED', nameStatus: 'APPROVED' },
        storageBefore: { status: 'default' },
        storageAfter: { status: 'in_country_storage_enabled', region: 'DE' },
        attempts: 2,
        httpStatus: 200,
        response: '{"success":true}',
        fbtraceId: 'AbCdEfGh'
      }),
      redactor()
    )
    expect(outputs).toEqual({
      success: 'true',
      result: 'registered',
      'phone-number-id': '1234567890123456',
      'display-phone-number': '+1 555-0100',
      'verified-name': 'Acme',
      'platform-type': 'CLOUD_API',
      'phone-number-status': 'CONNECTED',
      attempts: '2',
      'http-status': '200',
      'fbtrace-id': 'AbCdEfGh',
      response: '{"success":true}',
      'name-status': 'APPROVED',
      'storage-region': 'DE',
      number: JSON.stringify({
        platform_type: 'CLOUD_API',
        status: 'CONNECTED',
        name_status: 'APPROVED',
        storage_configuration: {
          status: 'in_country_storage_enabled',
          data_localization_region: 'DE'
        }
      }),
      'number-before': JSON.stringify({
        display_phone_number: '+1 555-0100',
        verified_name: 'Acme',
        platform_type: 'ON_PREMISE',
        status: 'CONNECTED',
        storage_configuration: { status: 'default' }
      })
    })
  })

  it('fails a registration whose storage is not as asked, result still registered', () => {
    const outputs = outputsOf(
      report({
        result: 'registered',
        unmet: 'The number is registered, but its storage is default'
      }),
      redactor()
    )
    expect(outputs).toMatchObject({
      success: 'false',
      result: 'registered',
      'error-message': 'The number is registered, but its storage is default'
    })
  })

  it('keeps the number output valid JSON when a name holds quotes, a secret and controls', () => {
    const outputs = outputsOf(
      report({
        result: 'failed',
        before: { verifiedName: `Acme "Best" ${PIN}\\`, displayPhoneNumber: '+1\u001b[0m' }
      }),
      redactor()
    )
    const number = JSON.parse(outputs['number-before'] ?? '') as Record<string, string>
    expect(number.verified_name).toBe('Acme "Best" ***\\')
    expect(number.display_phone_number).toBe('+1')
  })

  it.each<[RunReport['result'], string]>([
    ['registered', 'true'],
    ['already-registered', 'true'],
    ['dry-run', 'true'],
    ['failed', 'false'],
    ['uncertain', 'false']
  ])('sets success for %s to %s', (result, success) => {
    expect(outputsOf(report({ result }), redactor())).toMatchObject({ success, result })
  })

  it('sets only success, result, attempts and the message after bad inputs', () => {
    const outputs = outputsOf(
      report({ errorMessage: 'Invalid inputs:\n- pin: expected exactly 6 digits' }),
      redactor()
    )
    expect(outputs).toEqual({
      success: 'false',
      result: 'failed',
      attempts: '0',
      'error-message': 'Invalid inputs:\n- pin: expected exactly 6 digits'
    })
  })

  it('sets the error code, subcode and message of a failure', () => {
    const outputs = outputsOf(
      report({
        phoneNumberId: '1',
        attempts: 1,
        failure: PIN_MISMATCH,
        httpStatus: 400,
        errorMessage: describeFailure('Register failed', PIN_MISMATCH),
        fbtraceId: 'AbCdEfGh'
      }),
      redactor()
    )
    expect(outputs).toMatchObject({
      success: 'false',
      'error-code': '100',
      'error-subcode': '133005',
      'http-status': '400',
      'fbtrace-id': 'AbCdEfGh'
    })
    expect(outputs['error-message']).toMatch(/^Register failed: HTTP 400, Graph error/)
  })

  it('sets error-code 0 (a falsy code is still a code)', () => {
    const outputs = outputsOf(report({ failure: { ...PIN_MISMATCH, code: 0 } }), redactor())
    expect(outputs['error-code']).toBe('0')
    expect(outputs).not.toHaveProperty('response')
  })

  it('keeps phone-number-id as given even when it holds the digits of the PIN', () => {
    const id = `1${PIN}999000111`
    expect(outputsOf(report({ phoneNumberId: id }), redactor())['phone-number-id']).toBe(id)
  })

  it('redacts every text from the server and caps its length', () => {
    const body = JSON.stringify({
      error: { message: `token ${TOKEN} pin ${PIN} password ${BACKUP_PASSWORD}` },
      padding: 'p'.repeat(10_000)
    })
    const outputs = outputsOf(
      report({
        before: { verifiedName: `Acme ${PIN}`, displayPhoneNumber: `x${TOKEN}` },
        errorMessage: `Meta says: ${TOKEN}\n${'m'.repeat(10_000)}`,
        response: body,
        fbtraceId: `trace-${TOKEN}`
      }),
      redactor()
    )
    const all = Object.values(outputs).join('\n')
    for (const secret of [TOKEN, PIN, BACKUP_PASSWORD]) expect(all).not.toContain(secret)
    expect(outputs['verified-name']).toBe('Acme ***')
    expect(outputs['fbtrace-id']).toBe('trace-***')
    expect(outputs.response).toMatch(
      /^\{"error":\{"message":"token \*\*\* pin \*\*\* password \*\*\*"\}/
    )
    // Still JSON: its long string is cut, not the document.
    const shown = JSON.parse(outputs.response ?? '') as { padding: string }
    expect(shown.padding).toMatch(/^p+…/)
    expect(shown.padding.length).toBeLessThan(10_000)
    expect(outputs.response?.length).toBeLessThanOrEqual(MAX_RESPONSE_LENGTH)
    expect(outputs['error-message']?.length).toBeLessThan(MAX_MESSAGE_LENGTH + 60)
  })
})

describe('outputsOf: receiving messages', () => {
  it('leaves app-subscribed and webhook-url unset when the wiring was not checked', () => {
    const outputs = outputsOf(report({ result: 'registered' }), redactor())
    expect(outputs).not.toHaveProperty('app-subscribed')
    expect(outputs).not.toHaveProperty('webhook-url')
  })

  it('sets app-subscribed from the last read, and webhook-url redacted', () => {
    const wired = report({
      result: 'already-registered',
      wiring: {
        wabaId: '1',
        subscribed: false,
        webhook: { url: `https://bot.example.com/hook?pin=${PIN}`, source: 'WABA override' },
        planned: []
      }
    })
    expect(outputsOf(wired, redactor())).toMatchObject({
      'app-subscribed': 'false',
      'webhook-url': 'https://bot.example.com/hook?pin=***'
    })
  })

  it('leaves webhook-url unset when none is set, and fails the run on a wiring failure', () => {
    const wired = report({
      result: 'registered',
      unmet: 'The number is registered, but not wired to receive messages: …',
      wiring: { wabaId: '1', subscribed: true, webhook: null, planned: [] }
    })
    const outputs = outputsOf(wired, redactor())
    expect(outputs).not.toHaveProperty('webhook-url')
    expect(outputs).toMatchObject({
      success: 'false',
      result: 'registered',
      'app-subscribed': 'true',
      'error-message': 'The number is registered, but not wired to receive messages: …'
    })
  })
})

describe('addUnmet', () => {
  it('keeps what was not as asked before, one line each', () => {
    const run = report({ result: 'registered' })
    addUnmet(run, 'Storage is off.')
    addUnmet(run, 'Not wired.')
    expect(run.unmet).toBe('Storage is off.\nNot wired.')
  })
})

describe('showBody', () => {
  const redactor = (): Redactor => new Redactor([TOKEN, PIN, BACKUP_PASSWORD])

  it('keeps a JSON body parseable when a secret sits next to an escape', () => {
    const body = JSON.stringify({ error: { message: `pw "${BACKUP_PASSWORD}"\n${PIN}\\x` } })
    const shown = showBody(body, redactor())
    const parsed = JSON.parse(shown) as { error: { message: string } }
    expect(parsed.error.message).toBe('pw "***" ***\\x')
  })

  it('makes a JSON body one line, its strings inert', () => {
    const body = '{\n  "error": {\n    "message": "bad\\n::set-output name=x::y\\u001b[31m"\n  }\n}'
    const shown = showBody(body, redactor())
    // eslint-disable-next-line no-control-regex
    expect(shown).not.toMatch(new RegExp('[\n\r\u001b]'))
    expect(JSON.parse(shown)).toEqual({ error: { message: 'bad ::set-output name=x::y' } })
  })

  it('cuts many long strings until the document fits, and stays JSON', () => {
    const body = JSON.stringify({ data: Array.from({ length: 100 }, (_, i) => `${i}`.repeat(300)) })
    const shown = showBody(body, redactor())
    expect(shown.length).toBeLessThanOrEqual(MAX_RESPONSE_LENGTH)
    expect((JSON.parse(shown) as { data: string[] }).data).toHaveLength(100)
  })

  it('says how large a JSON body was when even its cut strings do not fit', () => {
    const body = JSON.stringify(Array.from({ length: 5000 }, () => 'x'))
    expect(JSON.parse(showBody(body, redactor()))).toEqual({
      note: `a JSON body of ${body.length} characters, too large to show`
    })
  })

  it('shows a body that is not JSON as one redacted line', () => {
    const shown = showBody(`<html>\r\n${TOKEN}\n</html>`, redactor())
    expect(shown).toBe('<html> *** </html>')
  })
})

describe('describeFailure', () => {
  it('says what failed, the context, Meta words, the details, the hint and the trace id', () => {
    expect(
      describeFailure('Register failed', PIN_MISMATCH, 'Not retried: never (1 call made).')
    ).toBe(
      [
        'Register failed: HTTP 400, Graph error (code 100, subcode 133005): Two step verification PIN Mismatch',
        'Not retried: never (1 call made).',
        'Meta says: PIN mismatch: Check the PIN.',
        'Details: Two step verification PIN Mismatch',
        'What to do: Use the PIN set on the number.',
        'fbtrace_id: AbCdEfGh (give it to Meta support)'
      ].join('\n')
    )
  })

  it('leaves out the lines it has nothing for', () => {
    const bare: Failure = {
      kind: 'network',
      message: 'No complete response within 60 s.',
      next: 'settle'
    }
    expect(describeFailure('Register failed', bare)).toBe(
      'Register failed: No complete response within 60 s.'
    )
  })
})
