import fc from 'fast-check'

/**
 * Generators shared by the fuzz suites. Every generator mixes values that are valid, values that
 * are nearly valid, and noise (any Unicode, control characters, lone surrogates, whitespace and
 * line breaks), because the interesting bugs sit at the edges between them.
 */

/** Whitespace that String.prototype.trim removes (as core.getInput does), line breaks included. */
export const whitespace = fc.constantFrom(
  ' ',
  '\t',
  '\n',
  '\r\n',
  '\r',
  '\v',
  '\f',
  '\u00a0',
  '\u2028',
  '\u3000',
  '\ufeff'
)

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map(c => String.fromCharCode(c))
const awkward = fc.oneof(
  whitespace,
  loneSurrogate,
  fc.constantFrom('\u0000', '"', '\\', '{', '}', '%', '…', '\u202e', '\u0301', '١', '１')
)

/** Short arbitrary strings: printable ASCII, any grapheme, any code point, awkward characters. */
export const noise = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: awkward, maxLength: 12 }),
  fc.string({ unit: fc.oneof(awkward, fc.string({ minLength: 1, maxLength: 1 })), maxLength: 30 })
)

/** Several lines joined by \n, \r\n or \r (mixed), each line arbitrary. */
export const multiLine = fc
  .array(fc.tuple(noise, fc.constantFrom('\n', '\r\n', '\r', '\n\n')), {
    minLength: 1,
    maxLength: 6
  })
  .chain(pieces =>
    noise.map(last => pieces.map(([line, separator]) => line + separator).join('') + last)
  )

/**
 * A long value (1 000 to `max` code units) made by repeating a chunk: cheap to generate and to
 * shrink, and still multi-line when the chunk is.
 */
export function longValue(min = 1_000, max = 100_000): fc.Arbitrary<string> {
  return fc
    .tuple(fc.oneof(noise, multiLine), fc.integer({ min, max }))
    .filter(([chunk]) => chunk.length > 0)
    .map(([chunk, length]) => chunk.repeat(Math.ceil(length / chunk.length)).slice(0, length))
}

/** A value with whitespace and line breaks around it, as a workflow's YAML may give it. */
export function padded(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const pad = fc.array(whitespace, { maxLength: 3 }).map(parts => parts.join(''))
  return fc.tuple(pad, value, pad).map(([before, core, after]) => before + core + after)
}

/** Any string at all, short or long, one line or many. */
export const anything = fc.oneof(
  { arbitrary: noise, weight: 6 },
  { arbitrary: multiLine, weight: 3 },
  { arbitrary: longValue(1_000, 5_000), weight: 1 }
)

const printableAscii = fc.integer({ min: 0x21, max: 0x7e }).map(code => String.fromCharCode(code))

/** Tokens: well-formed, with a "Bearer " prefix, or anything. */
export const accessToken = fc.oneof(
  fc.string({ unit: printableAscii, minLength: 1, maxLength: 300 }),
  fc
    .tuple(fc.constantFrom('Bearer ', 'bearer\t', 'BEARER  '), fc.string({ unit: printableAscii }))
    .map(([prefix, token]) => prefix + token),
  anything,
  fc.constant('')
)

export const phoneNumberId = fc.oneof(
  fc.stringMatching(/^[0-9]{1,32}$/),
  fc.stringMatching(/^[0-9]{33,40}$/),
  fc.stringMatching(/^\+[0-9 -]{1,16}$/),
  fc.constantFrom('١٢٣٤٥', '１２３', '12e3', '0x1f', '-5'),
  anything,
  fc.constant('')
)

export const pin = fc.oneof(
  fc.stringMatching(/^[0-9]{6}$/),
  fc.stringMatching(/^[0-9]{0,12}$/),
  fc.constantFrom('١٢٣٤٥٦', '１２３４５６', '12345\u0661', '12 456', '1234567'),
  anything,
  fc.constant('')
)

export const REGIONS = [
  'AE',
  'AU',
  'BH',
  'BR',
  'CA',
  'CH',
  'DE',
  'GB',
  'ID',
  'IN',
  'JP',
  'KR',
  'SG',
  'ZA'
]
export const region = fc.oneof(
  fc.constantFrom(...REGIONS),
  fc.mixedCase(fc.constantFrom(...REGIONS)),
  // Dotless i and long s upper-case to ASCII letters.
  fc.constantFrom('ıd', 'ſg', 'EU', 'US', 'D E', 'DEU'),
  noise,
  fc.constant('')
)

export const apiVersion = fc.oneof(
  fc.stringMatching(/^v[0-9]{1,3}\.[0-9]{1,2}$/),
  fc.constantFrom('v26', '26.0', 'V26.0', 'v26.0.1', 'v٢.0', 'v26.0\nv27.0'),
  noise,
  fc.constant('')
)

export const graphApiUrl = fc.oneof(
  fc.constantFrom(
    'https://graph.facebook.com',
    'https://graph.facebook.com/',
    'https://graph.facebook.com//v1//',
    'http://graph.facebook.com',
    'http://127.0.0.1:1',
    'http://127.1',
    'http://0x7f.0.0.1:8080/',
    'http://localhost:8080/base/',
    'http://LOCALHOST',
    'http://localhost.',
    'http://[::1]:9/x/',
    'http://[::ffff:127.0.0.1]',
    'http://0.0.0.0',
    'https://user:pass@graph.facebook.com',
    'https://@graph.facebook.com',
    'https://graph.facebook.com/?',
    'https://graph.facebook.com/?q=1',
    'https://graph.facebook.com/#frag',
    'https://gra\nph.facebook.com',
    'ftp://graph.facebook.com',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'graph.facebook.com'
  ),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.webUrl(),
  noise,
  fc.constant('')
)

/** Numbers as a workflow may write them, valid or not. */
export const wholeNumberText = fc.oneof(
  fc.integer({ min: -5, max: 100 }).map(String),
  fc.nat().map(String),
  fc.stringMatching(/^[0-9]{1,12}$/),
  fc.constantFrom('1e3', '0x10', '60s', '+60', '60.0', '١٢', '1_000', 'Infinity', 'NaN', '-0'),
  noise,
  fc.constant('')
)

/** WhatsApp Business Account and app ids: digits, like phone-number ids, or anything. */
export const graphId = phoneNumberId

/** Callback URLs: https ones Meta takes, and the near misses around them. */
export const callbackUrl = fc.oneof(
  fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.constantFrom(
    'https://bot.example.com/whatsapp/webhook',
    'http://bot.example.com/hook',
    'https://user:pw@bot.example.com/hook',
    'https://bot.example.com/hook#f',
    'https://bot.example.com/ho ok',
    'https://bot.example.com/ho\nok',
    'https://',
    'bot.example.com/hook',
    `https://bot.example.com/${'a'.repeat(180)}`,
    `https://bot.example.com/${'a'.repeat(181)}`
  ),
  noise,
  fc.constant('')
)

export const booleanText = fc.oneof(
  fc.constantFrom('true', 'True', 'TRUE', 'false', 'False', 'FALSE'),
  {
    arbitrary: fc.constantFrom('tRUE', 'yes', 'no', 'on', 'off', '1', '0', 'y', 't r u e'),
    weight: 3
  },
  noise,
  fc.constant('')
)

/** The `settings.data` string a backup envelope carries. */
const envelopeData = fc.oneof(noise, multiLine, longValue(1_000, 100_000))

/** The On-Premises backup response, compact or pretty-printed, possibly with extra members. */
export const envelope = fc.oneof(
  envelopeData.map(data => JSON.stringify({ settings: { data } })),
  fc
    .tuple(envelopeData, fc.jsonValue({ maxDepth: 2 }))
    .map(([data, extra]) =>
      JSON.stringify({ meta: { api_status: 'stable' }, settings: { data, extra } }, null, 2)
    )
)

/** JSON that starts like an envelope but is not one. */
const notAnEnvelope = fc.oneof(
  fc.constantFrom(
    '{}',
    '{"settings":{}}',
    '{"settings":null}',
    '{"settings":"x"}',
    '{"settings":[]}',
    '{"settings":{"data":""}}',
    '{"settings":{"data":42}}',
    '{"settings":{"data":null}}',
    '{"settings":{"data":["x"]}}',
    '{"data":"payload"}',
    '{"settings":{"data":"x"',
    '{"settings":{"data":"x"}}}',
    '{"__proto__":{"settings":{"data":"x"}}}'
  ),
  fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })).map(value => JSON.stringify(value)),
  fc.tuple(envelope, fc.nat()).map(([text, cut]) => text.slice(0, cut % text.length)),
  noise.map(text => `{${text}`),
  // Unquoted or badly escaped data, and trailing text: JSON.parse messages quote some of these.
  anything.map(text => `{"settings":{"data":${text}}}`),
  anything.map(text => `{"settings":{"data":"${text}\\q"}}`),
  fc.tuple(envelope, anything).map(([text, tail]) => text + tail)
)

/** What `backup-data` (or a backup file) may hold: raw data, an envelope, broken JSON, anything. */
export const backupText = fc.oneof(
  { arbitrary: anything, weight: 3 },
  { arbitrary: longValue(1_000, 100_000), weight: 1 },
  { arbitrary: envelope, weight: 3 },
  { arbitrary: notAnEnvelope, weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }).map(value => JSON.stringify(value)), weight: 1 }
)

/** How the test lays out `backup-file`; the test creates the files in a temporary workspace. */
export type BackupFileSpec =
  | { kind: 'unset' }
  | { kind: 'file'; content: string; form: PathForm }
  | { kind: 'missing'; form: PathForm }
  | { kind: 'directory'; form: PathForm }
  /** An arbitrary string as the path, pointing wherever it points. */
  | { kind: 'raw'; path: string }

export type PathForm = 'relative' | 'dot' | 'nested' | 'absolute' | 'padded'

const pathForm = fc.constantFrom<PathForm>('relative', 'dot', 'nested', 'absolute', 'padded')

export const backupFile: fc.Arbitrary<BackupFileSpec> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'unset' as const }), weight: 6 },
  {
    arbitrary: fc.record({
      kind: fc.constant('file' as const),
      content: fc.oneof(backupText, padded(backupText), fc.constantFrom('', ' \n\t\r\n')),
      form: pathForm
    }),
    weight: 4
  },
  { arbitrary: fc.record({ kind: fc.constant('missing' as const), form: pathForm }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('directory' as const), form: pathForm }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('raw' as const), path: noise }), weight: 1 }
)

/** Raw input values (before trimming), by input name, plus the backup-file layout. */
export interface GeneratedInputs {
  values: Record<string, string>
  file: BackupFileSpec
}

/** Some inputs are given with whitespace or line breaks around them. */
function input(value: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ arbitrary: value, weight: 4 }, { arbitrary: padded(value), weight: 1 })
}

/** Any value for every input, each drawn on its own: mostly several problems at once. */
const wildValues = {
  'access-token': input(accessToken),
  'phone-number-id': input(phoneNumberId),
  pin: input(pin),
  'backup-data': fc.oneof(
    { arbitrary: fc.constant(''), weight: 3 },
    { arbitrary: input(backupText), weight: 2 }
  ),
  'backup-password': fc.oneof(fc.constant(''), input(anything)),
  'data-localization-region': input(region),
  'on-region-mismatch': input(
    fc.oneof(
      { arbitrary: fc.constantFrom('', 'fail', 're-register'), weight: 3 },
      {
        arbitrary: fc.constantFrom('Fail', 'RE-REGISTER', 're_register', 'reregister', 'true'),
        weight: 1
      },
      { arbitrary: anything, weight: 1 }
    )
  ),
  'api-version': input(apiVersion),
  'graph-api-url': input(graphApiUrl),
  'timeout-seconds': input(
    fc.oneof(
      { arbitrary: fc.constantFrom('0', '-1', '86401', '86402', '999999999'), weight: 3 },
      { arbitrary: wholeNumberText, weight: 2 }
    )
  ),
  retries: input(
    fc.oneof(
      { arbitrary: fc.constantFrom('-1', '11', '12', '100'), weight: 3 },
      { arbitrary: wholeNumberText, weight: 2 }
    )
  ),
  'settle-seconds': input(
    fc.oneof(
      { arbitrary: fc.constantFrom('-1', '301', '1000'), weight: 3 },
      { arbitrary: wholeNumberText, weight: 2 }
    )
  ),
  preflight: input(booleanText),
  'skip-if-registered': input(booleanText),
  'dry-run': input(booleanText),
  'waba-id': fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, input(graphId)),
  'app-id': fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, input(graphId)),
  'callback-url': fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, input(callbackUrl)),
  'verify-token': fc.oneof({ arbitrary: fc.constant(''), weight: 2 }, input(anything))
}

const validBoolean = fc.constantFrom('', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE')
const optional = (value: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof(fc.constant(''), value)

/** A value every input accepts (the backup inputs are drawn together, below). */
const validValues = {
  'access-token': input(fc.string({ unit: printableAscii, minLength: 1, maxLength: 300 })),
  'phone-number-id': input(fc.stringMatching(/^[0-9]{1,32}$/)),
  pin: input(fc.stringMatching(/^[0-9]{6}$/)),
  'data-localization-region': input(optional(fc.mixedCase(fc.constantFrom(...REGIONS)))),
  'on-region-mismatch': input(fc.constantFrom('', 'fail', 're-register')),
  'api-version': input(optional(fc.stringMatching(/^v[0-9]{1,3}\.[0-9]{1,3}$/))),
  'graph-api-url': input(
    optional(
      fc.oneof(
        fc.webUrl({ validSchemes: ['https'] }),
        fc.constantFrom('http://127.0.0.1:8080', 'http://localhost/', 'http://[::1]:1/graph/')
      )
    )
  ),
  'timeout-seconds': input(optional(fc.integer({ min: 1, max: 86_400 }).map(String))),
  retries: input(optional(fc.integer({ min: 0, max: 10 }).map(String))),
  'settle-seconds': input(optional(fc.integer({ min: 0, max: 300 }).map(String))),
  preflight: input(validBoolean),
  'skip-if-registered': input(validBoolean),
  'dry-run': input(validBoolean)
}

/** Raw backup data that is not JSON: anything not starting with "{" after trimming. */
const rawBackup = fc
  .oneof(anything, longValue(1_000, 100_000))
  .filter(text => text.trim() !== '' && !text.trim().startsWith('{'))

const secretText = fc.oneof(anything, longValue(1_000, 20_000)).filter(text => text.trim() !== '')

/** No backup, or a backup given inline or as a file, always with its password. */
const validBackup: fc.Arbitrary<GeneratedInputs> = fc.oneof(
  fc.constant({ values: {}, file: { kind: 'unset' as const } }),
  fc.tuple(input(fc.oneof(rawBackup, envelope)), input(secretText)).map(([data, password]) => ({
    values: { 'backup-data': data, 'backup-password': password },
    file: { kind: 'unset' as const }
  })),
  fc
    .tuple(fc.oneof(rawBackup, envelope, padded(envelope)), pathForm, input(secretText))
    .map(([content, form, password]) => ({
      values: { 'backup-password': password },
      file: { kind: 'file' as const, content, form }
    }))
)

/** No wiring, a WABA alone or with an app, or with a callback URL and its verify token. */
const validWiring: fc.Arbitrary<Record<string, string>> = fc.oneof(
  fc.constant({}),
  fc
    .tuple(
      input(fc.stringMatching(/^[0-9]{1,32}$/)),
      input(optional(fc.stringMatching(/^[0-9]{1,32}$/))),
      fc.option(
        fc.tuple(
          input(
            fc
              .webUrl({ validSchemes: ['https'], withQueryParameters: true })
              .filter(url => url.length <= 200)
          ),
          secretText
        ),
        { nil: undefined }
      )
    )
    .map(([wabaId, appId, callback]) => ({
      'waba-id': wabaId,
      'app-id': appId,
      ...(callback && { 'callback-url': callback[0], 'verify-token': callback[1] })
    }))
)

const INPUT_NAMES = Object.keys(wildValues)

/**
 * Valid inputs with a few of them (possibly none) replaced by anything: one or two problems at a
 * time, and often none, so that the accepted settings are checked as often as the rejections.
 */
const nearlyValidInputs: fc.Arbitrary<GeneratedInputs> = fc
  .tuple(
    fc.record(validValues),
    validBackup,
    validWiring,
    fc.record(wildValues),
    backupFile,
    fc.subarray([...INPUT_NAMES, 'backup-file'], { maxLength: 3 })
  )
  .map(([valid, backup, wiring, wild, wildFile, replaced]) => {
    const values: Record<string, string> = {
      'backup-data': '',
      'backup-password': '',
      ...valid,
      ...backup.values,
      ...wiring
    }
    for (const name of replaced) {
      if (name !== 'backup-file') values[name] = wild[name as keyof typeof wild]
    }
    return { values, file: replaced.includes('backup-file') ? wildFile : backup.file }
  })

const wildInputs: fc.Arbitrary<GeneratedInputs> = fc.record({
  values: fc.record(wildValues),
  file: backupFile
})

/** Valid inputs for a plain registration, the base that each near miss changes in one place. */
export const VALID_BASE: Record<string, string> = {
  'access-token': 'EAAG-valid.token_1~',
  'phone-number-id': '106540352242922',
  pin: '004217',
  'backup-data': '',
  'backup-password': '',
  'data-localization-region': '',
  'on-region-mismatch': '',
  'api-version': '',
  'graph-api-url': '',
  'timeout-seconds': '',
  retries: '',
  'settle-seconds': '',
  preflight: '',
  'skip-if-registered': '',
  'dry-run': '',
  'waba-id': '',
  'app-id': '',
  'callback-url': '',
  'verify-token': ''
}

/** A WABA, a callback URL and its verify token that are valid together. */
const WIRED = {
  'waba-id': '102290129340398',
  'callback-url': 'https://bot.example.com/whatsapp/webhook',
  'verify-token': 'verify-token-1'
}

/** One input just outside what it accepts (or a backup missing a part): each must be rejected. */
export const NEAR_MISSES: { values: Record<string, string>; file?: BackupFileSpec }[] = [
  ...['a b', 'tok\tx', 'tok\nx', 'tök', 'tok\x7f', 'Bearer tok', 'bearer\ttok'].map(v => ({ 'access-token': v })),
  ...['+15550100', '1'.repeat(33), '12a', '١٢٣', '12 34', '-1', '1.5'].map(v => ({ 'phone-number-id': v })),
  ...['12345', '1234567', '12345a', '１２３４５６', '12 456', '0x1234', '-12345'].map(v => ({ pin: v })),
  ...['XX', 'D', 'DEU', 'EU', 'D E', 'de-DE'].map(v => ({ 'data-localization-region': v })),
  ...['Fail', 'RE-REGISTER', 're_register', 'reregister', 'true', 're-register fail'].map(v => ({ 'on-region-mismatch': v })),
  ...['v20.0', 'v19.0', 'v9.99'].map(v => ({ 'on-region-mismatch': 're-register', 'data-localization-region': 'DE', 'api-version': v })),
  ...['v26', '26.0', 'V26.0', 'v26.0.1', 'v.0', 'v26.', 'v 26.0', 'v26.0/'].map(v => ({ 'api-version': v })),
  ...[
    'http://graph.facebook.com',
    'http://127.0.0.1.nip.io',
    'http://0.0.0.0:80',
    'http://[::ffff:127.0.0.1]',
    'https://graph.facebook.com/?q=1',
    'https://graph.facebook.com/#f',
    'https://user@graph.facebook.com',
    'https://:pw@graph.facebook.com',
    'ftp://graph.facebook.com',
    'graph.facebook.com',
    'https://'
  ].map(v => ({ 'graph-api-url': v })),
  ...['0', '-1', '86401', '1.5', '1e3', '6 0', '0x10', '１'].map(v => ({ 'timeout-seconds': v })),
  ...['-1', '11', '1.5', '1e1', '0x1', ' 1 0'].map(v => ({ retries: v })),
  ...['-1', '301', '2.5', '3e1'].map(v => ({ 'settle-seconds': v })),
  ...['preflight', 'skip-if-registered', 'dry-run'].flatMap(name =>
    ['yes', 'no', '1', '0', 'on', 'tRUE', 'fALSE', 't'].map(v => ({ [name]: v }))
  ),
  { 'backup-data': 'raw-backup-data' },
  { 'backup-password': 'backup-password-1' },
  { 'backup-data': '{"settings":{"data":""}}', 'backup-password': 'backup-password-1' },
  { 'backup-data': '{"settings":{"data":7}}', 'backup-password': 'backup-password-1' },
  { 'backup-data': '{"settings":{"data":"x"}', 'backup-password': 'backup-password-1' },
  { 'backup-data': '{"settings":{"data":x}}', 'backup-password': 'backup-password-1' },
  ...['WABA1', '+15550100', '1'.repeat(33), '12 34', '١٢٣', '1.5', '106540352242922'].map(v => ({ 'waba-id': v })),
  ...['app', '1.5', '１２３', '1'.repeat(33)].map(v => ({ 'waba-id': WIRED['waba-id'], 'app-id': v })),
  { 'app-id': '123' },
  ...[
    'http://bot.example.com/hook',
    'https://user:pw@bot.example.com/hook',
    'https://:pw@bot.example.com/hook',
    'https://bot.example.com/hook#f',
    'https://bot.example.com/ho ok',
    'https://bot.example.com/ho\tok',
    'https://bot.example.com/ho\u0000ok',
    'https://',
    'bot.example.com/hook',
    'ftp://bot.example.com/hook',
    `https://bot.example.com/${'a'.repeat(181)}`
  ].map(v => ({ ...WIRED, 'callback-url': v })),
  { 'callback-url': WIRED['callback-url'], 'verify-token': WIRED['verify-token'] },
  { 'waba-id': WIRED['waba-id'], 'callback-url': WIRED['callback-url'] },
  { 'waba-id': WIRED['waba-id'], 'callback-url': WIRED['callback-url'], 'verify-token': ' \n' },
  { 'waba-id': WIRED['waba-id'], 'verify-token': WIRED['verify-token'] },
  { 'verify-token': WIRED['verify-token'] }
].map(values => ({ values: { ...VALID_BASE, ...values } })) // prettier-ignore
NEAR_MISSES.push(
  ...(['missing', 'directory'] as const).map(kind => ({
    values: { ...VALID_BASE, 'backup-password': 'backup-password-1' },
    file: { kind, form: 'relative' as const }
  })),
  ...['', ' \n\t', '{"settings":{}}', '{"settings":{"data":"x"'].map(content => ({
    values: { ...VALID_BASE, 'backup-password': 'backup-password-1' },
    file: { kind: 'file' as const, content, form: 'relative' as const }
  })),
  {
    values: { ...VALID_BASE, 'backup-data': 'raw', 'backup-password': 'backup-password-1' },
    file: { kind: 'file', content: 'raw', form: 'relative' }
  },
  {
    values: VALID_BASE,
    file: { kind: 'file', content: 'raw-backup-data', form: 'relative' }
  }
)

/** The near misses as generated cases: `examples` for fc.assert, so each one runs every time. */
export const nearMissExamples: [GeneratedInputs][] = NEAR_MISSES.map(miss => [
  { values: miss.values, file: miss.file ?? { kind: 'unset' } }
])

/** Random valid inputs with one near miss put in. */
const nearMissInputs: fc.Arbitrary<GeneratedInputs> = fc
  .tuple(fc.record(validValues), fc.constantFrom(...NEAR_MISSES))
  .map(([valid, miss]) => {
    const changed = Object.fromEntries(
      Object.entries(miss.values).filter(([name, value]) => VALID_BASE[name] !== value)
    )
    return {
      values: { ...valid, 'backup-data': '', 'backup-password': '', ...changed },
      file: miss.file ?? { kind: 'unset' }
    }
  })

export const generatedInputs: fc.Arbitrary<GeneratedInputs> = fc.oneof(
  { arbitrary: nearlyValidInputs, weight: 3 },
  { arbitrary: nearMissInputs, weight: 2 },
  { arbitrary: wildInputs, weight: 1 }
)
