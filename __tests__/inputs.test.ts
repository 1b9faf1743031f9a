import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import {
  DEFAULT_API_VERSION,
  DEFAULT_GRAPH_API_URL,
  DEFAULT_RETRIES,
  DEFAULT_SETTLE_SECONDS,
  DEFAULT_TIMEOUT_SECONDS
} from '../src/constants.js'
import {
  DATA_LOCALIZATION_REGIONS,
  InputError,
  readSettings,
  type InputSource,
  type ParsedInputs
} from '../src/inputs.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw'
const PHONE_NUMBER_ID = '1234567890123456'
const PIN = '004217'
const BACKUP_DATA = 'c2V0dGluZ3MtYmFja3Vw\r\nbGluZS10d28tb2YtdGhlLWJhY2t1cA==\nthird-line-of-data'
const BACKUP_PASSWORD = 'on-prem-Backup-Pw-8812'

const VALID = { 'access-token': TOKEN, 'phone-number-id': PHONE_NUMBER_ID, pin: PIN }

interface Harness {
  source: InputSource
  /** Values passed to registerSecret, in order. */
  secrets: string[]
  /** Every input name read, in order. */
  read: string[]
}

/** An InputSource over a map, trimming like core.getInput. */
function sourceOf(inputs: Record<string, string>, workspace = '/nonexistent-workspace'): Harness {
  const secrets: string[] = []
  const read: string[] = []
  return {
    secrets,
    read,
    source: {
      getInput: name => {
        read.push(name)
        return inputs[name] ?? ''
      },
      registerSecret: value => {
        secrets.push(value)
      },
      workspace
    }
  }
}

function parse(inputs: Record<string, string>, workspace?: string): ParsedInputs {
  return readSettings(sourceOf(inputs, workspace).source)
}

/** The problems readSettings reports for these inputs (fails the test when it accepts them). */
function problemsOf(inputs: Record<string, string>, workspace?: string): string[] {
  try {
    readSettings(sourceOf(inputs, workspace).source)
  } catch (error) {
    if (error instanceof InputError) return error.problems
    throw error
  }
  throw new Error('readSettings accepted the inputs')
}

describe('readSettings: valid inputs', () => {
  it('returns the defaults when only the required inputs are given', () => {
    const { settings, warnings } = parse(VALID)
    expect(settings).toEqual({
      accessToken: TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      pin: PIN,
      apiVersion: DEFAULT_API_VERSION,
      graphApiUrl: DEFAULT_GRAPH_API_URL,
      timeoutMs: DEFAULT_TIMEOUT_SECONDS * 1000,
      retries: DEFAULT_RETRIES,
      settleMs: DEFAULT_SETTLE_SECONDS * 1000,
      onRegionMismatch: 'fail',
      preflight: true,
      skipIfRegistered: true,
      dryRun: false
    })
    expect(warnings).toEqual([])
  })

  it('keeps the PIN as a string with its leading zeros', () => {
    expect(parse({ ...VALID, pin: '000000' }).settings.pin).toBe('000000')
  })

  it.each([' 004217', '004217\n', '004217\r\n'])(
    'refuses the PIN %j: it is sent exactly as given, and spaces around it are never right',
    pin => {
      const problems = problemsOf({ ...VALID, pin })
      expect(problems).toEqual([expect.stringMatching(/^pin: has spaces or a line break around/)])
    }
  )

  it.each([' pass word ', '\tpw-with-tab', 'trailing-newline\n'])(
    'sends the backup password %j exactly as given',
    password => {
      const settings = parse({ ...VALID, 'backup-data': BACKUP_DATA, 'backup-password': password })
      expect(settings.settings.backup?.password).toBe(password)
    }
  )

  it('sends raw backup data exactly as given, and trims the token and other inputs', () => {
    const { settings } = parse({
      ...VALID,
      'access-token': ` ${TOKEN}\n`,
      'phone-number-id': ` ${PHONE_NUMBER_ID} `,
      'backup-data': ` ${BACKUP_DATA}\n`,
      'backup-password': BACKUP_PASSWORD
    })
    expect(settings).toMatchObject({
      accessToken: TOKEN,
      phoneNumberId: PHONE_NUMBER_ID,
      backup: { data: ` ${BACKUP_DATA}\n` }
    })
  })

  it('takes every optional input', () => {
    const { settings } = parse({
      ...VALID,
      'data-localization-region': 'DE',
      'on-region-mismatch': 're-register',
      'api-version': 'v23.0',
      'graph-api-url': 'https://graph.example.com/',
      'timeout-seconds': '45',
      retries: '0',
      'settle-seconds': '12',
      preflight: 'false',
      'skip-if-registered': 'False',
      'dry-run': 'TRUE'
    })
    expect(settings).toMatchObject({
      dataLocalizationRegion: 'DE',
      onRegionMismatch: 're-register',
      apiVersion: 'v23.0',
      graphApiUrl: 'https://graph.example.com',
      timeoutMs: 45_000,
      retries: 0,
      settleMs: 12_000,
      preflight: false,
      skipIfRegistered: false,
      dryRun: true
    })
  })

  it.each(DATA_LOCALIZATION_REGIONS.map(region => [region]))('accepts region %s', region => {
    expect(parse({ ...VALID, 'data-localization-region': region }).settings).toHaveProperty(
      'dataLocalizationRegion',
      region
    )
  })

  it.each([
    ['fail', 'fail'],
    ['re-register', 're-register'],
    [' re-register\n', 're-register']
  ])('accepts on-region-mismatch %j', (text, value) => {
    const { settings } = parse({
      ...VALID,
      'data-localization-region': 'DE',
      'on-region-mismatch': text
    })
    expect(settings.onRegionMismatch).toBe(value)
  })

  it('accepts re-register on any version when no region is asked (nothing to change)', () => {
    const { settings } = parse({
      ...VALID,
      'api-version': 'v20.0',
      'on-region-mismatch': 're-register'
    })
    expect(settings.onRegionMismatch).toBe('re-register')
  })

  it('normalises a lower-case region to the enum value', () => {
    expect(parse({ ...VALID, 'data-localization-region': 'sg' }).settings).toHaveProperty(
      'dataLocalizationRegion',
      'SG'
    )
  })

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['FALSE', false]
  ])('reads the YAML 1.2 boolean %s', (text, value) => {
    const { settings } = parse({
      ...VALID,
      preflight: text,
      'skip-if-registered': text,
      'dry-run': text
    })
    expect([settings.preflight, settings.skipIfRegistered, settings.dryRun]).toEqual([
      value,
      value,
      value
    ])
  })

  it.each([
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['http://127.1.2.3:9', 'http://127.1.2.3:9'],
    ['http://localhost:3000', 'http://localhost:3000'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
    ['https://proxy.example.com/graph//', 'https://proxy.example.com/graph'],
    ['HTTPS://GRAPH.FACEBOOK.COM', 'https://graph.facebook.com']
  ])('accepts graph-api-url %s as %s', (url, expected) => {
    expect(parse({ ...VALID, 'graph-api-url': url }).settings.graphApiUrl).toBe(expected)
  })

  it.each([
    ['1', 1000],
    ['30', 30_000],
    ['86400', 86_400_000],
    ['007', 7000]
  ])('accepts timeout-seconds %s', (text, ms) => {
    expect(parse({ ...VALID, 'timeout-seconds': text }).settings.timeoutMs).toBe(ms)
  })

  it.each([
    ['0', 0],
    ['10', 10]
  ])('accepts retries %s', (text, retries) => {
    expect(parse({ ...VALID, retries: text }).settings.retries).toBe(retries)
  })
})

describe('readSettings: warnings', () => {
  it('warns below 30 seconds of timeout, and not from 30 on', () => {
    const low = parse({ ...VALID, 'timeout-seconds': '29' }).warnings
    expect(low).toHaveLength(1)
    expect(low[0]).toMatch(/timeout-seconds is 29/)
    expect(parse({ ...VALID, 'timeout-seconds': '30' }).warnings).toEqual([])
  })

  it('warns that skip-if-registered needs the pre-flight read', () => {
    const warnings = parse({ ...VALID, preflight: 'false' }).warnings
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/skip-if-registered has no effect with preflight: false/)
  })

  it('warns that on-region-mismatch: re-register needs the pre-flight read', () => {
    const warnings = parse({
      ...VALID,
      preflight: 'false',
      'skip-if-registered': 'false',
      'data-localization-region': 'DE',
      'on-region-mismatch': 're-register'
    }).warnings
    expect(warnings).toEqual([
      expect.stringMatching(/^on-region-mismatch: re-register has no effect with preflight: false/)
    ])
  })

  it('does not warn about skip-if-registered for a dry run (it reads) or when skipping is off', () => {
    expect(parse({ ...VALID, preflight: 'false', 'dry-run': 'true' }).warnings).toEqual([])
    expect(parse({ ...VALID, preflight: 'false', 'skip-if-registered': 'false' }).warnings).toEqual(
      []
    )
  })
})

describe('readSettings: invalid inputs', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['missing token', { 'access-token': '' }, /^access-token: required/],
    [
      'token with Bearer prefix',
      { 'access-token': `Bearer ${TOKEN}` },
      /^access-token: .*"Bearer "/
    ],
    ['token with a space', { 'access-token': 'EAAG abc' }, /^access-token: expected one line/],
    [
      'token with a line break',
      { 'access-token': 'EAAG\nabc' },
      /^access-token: expected one line/
    ],
    ['token with non-ASCII', { 'access-token': 'EAAGé' }, /^access-token: expected one line/],
    ['missing id', { 'phone-number-id': '' }, /^phone-number-id: required/],
    ['id with letters', { 'phone-number-id': '12a4' }, /^phone-number-id: expected .*digits only/],
    ['id too long', { 'phone-number-id': '1'.repeat(33) }, /^phone-number-id: expected/],
    ['id as a phone number', { 'phone-number-id': '+15550100' }, /the phone number itself/],
    ['missing PIN', { pin: '' }, /^pin: required/],
    ['5-digit PIN', { pin: '12345' }, /^pin: expected exactly 6 digits/],
    ['7-digit PIN', { pin: '1234567' }, /^pin: expected exactly 6 digits/],
    ['PIN with a letter', { pin: '12345a' }, /^pin: expected exactly 6 digits/],
    ['PIN in Arabic-Indic digits', { pin: '١٢٣٤٥٦' }, /^pin: expected exactly 6 digits/],
    ['PIN with an inner space', { pin: '123 456' }, /^pin: expected exactly 6 digits/],
    [
      'unknown region',
      { 'data-localization-region': 'US' },
      /^data-localization-region: expected one of AE AU/
    ],
    [
      'unknown on-region-mismatch',
      { 'on-region-mismatch': 'move' },
      /^on-region-mismatch: expected fail or re-register\.$/
    ],
    [
      'on-region-mismatch in capitals',
      { 'on-region-mismatch': 'RE-REGISTER' },
      /^on-region-mismatch: expected fail or re-register\.$/
    ],
    [
      're-register with a region before v21.0',
      {
        'on-region-mismatch': 're-register',
        'data-localization-region': 'DE',
        'api-version': 'v20.0'
      },
      /^on-region-mismatch: re-register needs Graph v21\.0 or newer \(api-version\)/
    ],
    ['version without v', { 'api-version': '26.0' }, /^api-version: expected/],
    ['version without minor', { 'api-version': 'v26' }, /^api-version: expected/],
    ['version with patch', { 'api-version': 'v26.0.1' }, /^api-version: expected/],
    [
      'plain http to a remote host',
      { 'graph-api-url': 'http://graph.facebook.com' },
      /^graph-api-url: expected an https URL/
    ],
    [
      'http to a look-alike host',
      { 'graph-api-url': 'http://127.0.0.1.example.com' },
      /^graph-api-url: /
    ],
    ['not a URL', { 'graph-api-url': 'graph.facebook.com' }, /^graph-api-url: /],
    ['ftp URL', { 'graph-api-url': 'ftp://graph.facebook.com' }, /^graph-api-url: /],
    [
      'URL with credentials',
      { 'graph-api-url': 'https://u:p@graph.facebook.com' },
      /^graph-api-url: /
    ],
    [
      'URL with a query',
      { 'graph-api-url': 'https://graph.facebook.com/?a=1' },
      /^graph-api-url: /
    ],
    [
      'URL with a fragment',
      { 'graph-api-url': 'https://graph.facebook.com/#x' },
      /^graph-api-url: /
    ],
    [
      'zero timeout',
      { 'timeout-seconds': '0' },
      /^timeout-seconds: expected a whole number from 1 to 86400/
    ],
    ['negative timeout', { 'timeout-seconds': '-5' }, /^timeout-seconds: /],
    ['fractional timeout', { 'timeout-seconds': '1.5' }, /^timeout-seconds: /],
    ['exponent timeout', { 'timeout-seconds': '1e3' }, /^timeout-seconds: /],
    ['timeout above a day', { 'timeout-seconds': '86401' }, /^timeout-seconds: /],
    ['huge timeout', { 'timeout-seconds': '99999999999999' }, /^timeout-seconds: /],
    ['11 retries', { retries: '11' }, /^retries: expected a whole number from 0 to 10/],
    ['negative retries', { retries: '-1' }, /^retries: /],
    ['retries as words', { retries: 'two' }, /^retries: /],
    [
      'settle window above 300 s',
      { 'settle-seconds': '301' },
      /^settle-seconds: expected a whole number from 0 to 300/
    ],
    ['negative settle window', { 'settle-seconds': '-1' }, /^settle-seconds: /],
    ['preflight yes', { preflight: 'yes' }, /^preflight: expected true or false/],
    ['preflight 1', { preflight: '1' }, /^preflight: expected true or false/],
    ['preflight mixed case', { preflight: 'tRue' }, /^preflight: expected true or false/],
    [
      'skip-if-registered on',
      { 'skip-if-registered': 'on' },
      /^skip-if-registered: expected true or false/
    ],
    ['dry-run y', { 'dry-run': 'y' }, /^dry-run: expected true or false/]
  ])('rejects %s', (_, change, problem) => {
    const problems = problemsOf({ ...VALID, ...change })
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(problem)
  })

  it('does not call an id with letters a phone number', () => {
    expect(problemsOf({ ...VALID, 'phone-number-id': '12a4' })[0]).not.toMatch(
      /phone number itself/
    )
  })

  it('reports every problem at once, in one InputError', () => {
    let caught: unknown
    try {
      readSettings(
        sourceOf({
          pin: '12',
          'phone-number-id': 'abc',
          'api-version': 'latest',
          retries: '99',
          'dry-run': 'maybe',
          'backup-password': BACKUP_PASSWORD
        }).source
      )
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InputError)
    const error = caught as InputError
    expect(error.problems.map(p => p.split(':')[0])).toEqual([
      'access-token',
      'phone-number-id',
      'pin',
      'backup-password',
      'api-version',
      'retries',
      'dry-run'
    ])
    for (const problem of error.problems) expect(error.message).toContain(`- ${problem}`)
    expect(error.name).toBe('InputError')
  })
})

describe('readSettings: secrets', () => {
  it('registers the token, PIN and password before reading any other input, then the data sent', () => {
    const harness = sourceOf({
      ...VALID,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD
    })
    readSettings(harness.source)
    expect(harness.secrets).toEqual([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
    expect(harness.read.slice(0, 3).sort()).toEqual(['access-token', 'backup-password', 'pin'])
  })

  it('never registers an empty value', () => {
    const harness = sourceOf({ 'phone-number-id': PHONE_NUMBER_ID, pin: '   ' })
    expect(() => readSettings(harness.source)).toThrow(InputError)
    expect(harness.secrets).toEqual([])
  })

  it('registers the secrets even when they are invalid, and never quotes them in a problem', () => {
    const badToken = 'Bearer EAAGsecretTokenValue9'
    const badPin = '98765x'
    const harness = sourceOf({
      'access-token': badToken,
      'phone-number-id': PHONE_NUMBER_ID,
      pin: badPin,
      'backup-data': '{"settings": {"data": "secret-backup-blob-0042"',
      'backup-password': BACKUP_PASSWORD
    })
    let caught: unknown
    try {
      readSettings(harness.source)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(InputError)
    expect(harness.secrets).toEqual(expect.arrayContaining([badToken, badPin, BACKUP_PASSWORD]))
    const message = (caught as InputError).message
    for (const secret of [
      'EAAGsecretTokenValue9',
      badPin,
      'secret-backup-blob-0042',
      BACKUP_PASSWORD
    ])
      expect(message).not.toContain(secret)
  })
})

describe('readSettings: backup', () => {
  let workspace: string
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'inputs-test-'))
    mkdirSync(join(workspace, 'a-folder'))
    writeFileSync(join(workspace, 'raw.txt'), `${BACKUP_DATA}\n`)
    writeFileSync(
      join(workspace, 'envelope.json'),
      JSON.stringify({ settings: { data: BACKUP_DATA } }, null, 2)
    )
    writeFileSync(join(workspace, 'empty.txt'), '  \n')
  })
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  it('keeps multi-line backup data exactly, \\r\\n included', () => {
    const { settings } = parse({
      ...VALID,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD
    })
    expect(settings.backup).toEqual({
      data: BACKUP_DATA,
      password: BACKUP_PASSWORD,
      source: 'backup-data'
    })
  })

  it('takes settings.data out of a backup envelope and registers it as a secret too', () => {
    const envelope = JSON.stringify({ settings: { data: BACKUP_DATA } })
    const harness = sourceOf({
      ...VALID,
      'backup-data': envelope,
      'backup-password': BACKUP_PASSWORD
    })
    const { settings } = readSettings(harness.source)
    expect(settings.backup?.data).toBe(BACKUP_DATA)
    // The backup response around the data is public shape, not a secret of its own.
    expect(harness.secrets).toEqual([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
  })

  it('does not register raw backup data twice', () => {
    const harness = sourceOf({
      ...VALID,
      'backup-data': BACKUP_DATA,
      'backup-password': BACKUP_PASSWORD
    })
    readSettings(harness.source)
    expect(harness.secrets.filter(secret => secret === BACKUP_DATA)).toHaveLength(1)
  })

  it('reads backup-file relative to the workspace, exactly, and registers its text', () => {
    const harness = sourceOf(
      { ...VALID, 'backup-file': 'raw.txt', 'backup-password': BACKUP_PASSWORD },
      workspace
    )
    const { settings } = readSettings(harness.source)
    expect(settings.backup).toEqual({
      data: BACKUP_DATA,
      password: BACKUP_PASSWORD,
      source: 'backup-file'
    })
    expect(harness.secrets).toEqual([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
  })

  it('reads an envelope from backup-file and registers the data, not the envelope', () => {
    const harness = sourceOf(
      {
        ...VALID,
        'backup-file': join(workspace, 'envelope.json'),
        'backup-password': BACKUP_PASSWORD
      },
      '/elsewhere'
    )
    const { settings } = readSettings(harness.source)
    expect(settings.backup?.data).toBe(BACKUP_DATA)
    expect(harness.secrets).toEqual([TOKEN, PIN, BACKUP_PASSWORD, BACKUP_DATA])
  })

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'both backup inputs',
      { 'backup-data': 'abc', 'backup-file': 'raw.txt', 'backup-password': 'pw' },
      /^backup-data and backup-file: give one of them, not both/
    ],
    [
      'a password without backup',
      { 'backup-password': 'pw' },
      /^backup-password: given without a backup/
    ],
    [
      'backup data without password',
      { 'backup-data': 'abc' },
      /^backup-password: required with a backup/
    ],
    [
      'backup file without password',
      { 'backup-file': 'raw.txt' },
      /^backup-password: required with a backup/
    ],
    [
      'a missing file',
      { 'backup-file': 'nope.txt', 'backup-password': 'pw' },
      /^backup-file: "nope.txt" \(looked for .*nope\.txt\) does not exist/
    ],
    [
      'a folder',
      { 'backup-file': 'a-folder', 'backup-password': 'pw' },
      /^backup-file: .* is not a regular file/
    ],
    [
      'an empty file',
      { 'backup-file': 'empty.txt', 'backup-password': 'pw' },
      /^backup-file: the backup is empty/
    ],
    [
      'broken envelope JSON',
      { 'backup-data': '{"settings":', 'backup-password': 'pw' },
      /^backup-data: starts like the backup response JSON but is not valid JSON/
    ],
    [
      'envelope without data',
      { 'backup-data': '{"settings":{}}', 'backup-password': 'pw' },
      /^backup-data: is JSON without a non-empty "settings.data" string/
    ]
  ])('rejects %s', (_, change, problem) => {
    const problems = problemsOf({ ...VALID, ...change }, workspace)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toMatch(problem)
  })
})

describe('readSettings: receiving messages', () => {
  const WABA_ID = '9876543210987654'
  const CALLBACK = 'https://bot.example.com/whatsapp/webhook'
  const VERIFY_TOKEN = ' verify Token-Qm7Kx2 '

  it('has no wiring without waba-id', () => {
    expect(parse(VALID).settings.wiring).toBeUndefined()
  })

  it('takes waba-id alone, app-id, and callback-url with its verify token sent exactly', () => {
    expect(parse({ ...VALID, 'waba-id': ` ${WABA_ID}\n` }).settings.wiring).toEqual({
      wabaId: WABA_ID
    })
    const harness = sourceOf({
      ...VALID,
      'waba-id': WABA_ID,
      'app-id': ' 555000111222333 ',
      'callback-url': ` ${CALLBACK} `,
      'verify-token': VERIFY_TOKEN
    })
    expect(readSettings(harness.source).settings.wiring).toEqual({
      wabaId: WABA_ID,
      appId: '555000111222333',
      webhook: { callbackUrl: CALLBACK, verifyToken: VERIFY_TOKEN }
    })
  })

  it('registers the verify token as given, with the other secrets, before reading anything else', () => {
    const harness = sourceOf({
      ...VALID,
      'waba-id': WABA_ID,
      'callback-url': CALLBACK,
      'verify-token': VERIFY_TOKEN
    })
    readSettings(harness.source)
    expect(harness.secrets).toEqual([TOKEN, PIN, VERIFY_TOKEN])
    expect(harness.read.slice(0, 4).sort()).toEqual([
      'access-token',
      'backup-password',
      'pin',
      'verify-token'
    ])
  })

  it('registers a verify token that is refused, and never quotes it', () => {
    const harness = sourceOf({ ...VALID, 'verify-token': VERIFY_TOKEN })
    expect(problemsOf({ ...VALID, 'verify-token': VERIFY_TOKEN })).toEqual([
      'verify-token: given without callback-url; add callback-url or remove it.'
    ])
    expect(() => readSettings(harness.source)).toThrow(InputError)
    expect(harness.secrets).toContain(VERIFY_TOKEN)
  })

  it.each([
    ['WABA-1', /^waba-id: expected the WhatsApp Business Account's ID, digits only/],
    ['+1 555 0100', /^waba-id: expected/],
    ['1'.repeat(33), /^waba-id: expected/],
    [PHONE_NUMBER_ID, /^waba-id: is the same as phone-number-id/]
  ])('refuses waba-id %j', (wabaId, problem) => {
    expect(problemsOf({ ...VALID, 'waba-id': wabaId })).toEqual([expect.stringMatching(problem)])
  })

  it('refuses app-id that is not digits, or given without waba-id', () => {
    expect(problemsOf({ ...VALID, 'waba-id': WABA_ID, 'app-id': 'my-app' })).toEqual([
      expect.stringMatching(/^app-id: expected the app's ID, digits only/)
    ])
    expect(problemsOf({ ...VALID, 'app-id': '555' })).toEqual([
      expect.stringMatching(/^app-id: given without waba-id/)
    ])
  })

  it.each([
    'http://bot.example.com/hook',
    'ftp://bot.example.com/hook',
    'bot.example.com/hook',
    'https://user:pw@bot.example.com/hook',
    'https://bot.example.com/hook#top',
    'https://bot.example.com/ho ok',
    'https://bot.example.com/ho\tok',
    `https://bot.example.com/${'a'.repeat(200)}`,
    'https://'
  ])('refuses callback-url %j without quoting it', callbackUrl => {
    const problems = problemsOf({
      ...VALID,
      'waba-id': WABA_ID,
      'callback-url': callbackUrl,
      'verify-token': VERIFY_TOKEN
    })
    expect(problems).toEqual([
      'callback-url: expected an https URL of at most 200 characters, without credentials or fragment, such as https://bot.example.com/whatsapp/webhook.'
    ])
  })

  it('takes a callback-url with a query and an international host', () => {
    for (const callbackUrl of [
      'https://bot.example.com/hook?tenant=7',
      'https://bücher.example/hook',
      'https://bot.example.com:8443/'
    ]) {
      const { settings } = parse({
        ...VALID,
        'waba-id': WABA_ID,
        'callback-url': callbackUrl,
        'verify-token': VERIFY_TOKEN
      })
      expect(settings.wiring?.webhook?.callbackUrl).toBe(callbackUrl)
    }
  })

  it('needs waba-id and verify-token with callback-url, and names both problems', () => {
    expect(problemsOf({ ...VALID, 'callback-url': CALLBACK, 'verify-token': '  \n' })).toEqual([
      'callback-url: needs waba-id: the override only works once the app is subscribed to the WhatsApp Business Account.',
      'verify-token: required with callback-url: Meta sends it to the callback URL, which must answer the verification challenge with the same token.'
    ])
  })
})
