import { extractBackupData, readBackupFile } from './backup.js'
import {
  DEFAULT_API_VERSION,
  DEFAULT_GRAPH_API_URL,
  DEFAULT_RETRIES,
  DEFAULT_SETTLE_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  RECOMMENDED_MIN_TIMEOUT_SECONDS
} from './constants.js'

/** Regions of the contract's `WhatsAppDataLocalizationRegion` enum. */
export const DATA_LOCALIZATION_REGIONS = [
  'AE', 'AU', 'BH', 'BR', 'CA', 'CH', 'DE', 'GB', 'ID', 'IN', 'JP', 'KR', 'SG', 'ZA'
] as const // prettier-ignore
export type DataLocalizationRegion = (typeof DATA_LOCALIZATION_REGIONS)[number]

export const MAX_RETRIES = 10
export const MAX_SETTLE_SECONDS = 300
/** Keeps `timeout-seconds` within what a timer can hold; a day is far beyond any sane request. */
export const MAX_TIMEOUT_SECONDS = 86_400

/** Everything the action needs, validated; the rest of the code sees only this. */
export interface Settings {
  /** System-user access token, sent as `Authorization: Bearer …` to the configured host only. */
  accessToken: string
  /** The number's Graph id (digits only). */
  phoneNumberId: string
  /** Two-step verification PIN: exactly 6 digits, a string so that leading zeros survive. */
  pin: string
  /** On-Premises backup to migrate; absent for a plain registration. */
  backup?: Backup
  /** Optional `data_localization_region` of the register body. */
  dataLocalizationRegion?: DataLocalizationRegion
  /** Graph API version, e.g. `v26.0`. */
  apiVersion: string
  /** Graph API base URL without a trailing slash. */
  graphApiUrl: string
  /** Deadline of each request, in milliseconds. */
  timeoutMs: number
  /** Extra register attempts allowed after transient failures. */
  retries: number
  /**
   * After an uncertain register call, how long (from when it was sent) to keep reading the number
   * before a retry may go out: a slow backend can still be registering after a gateway gave up.
   */
  settleMs: number
  /** Read the number before and after registering. */
  preflight: boolean
  /** Leave a number that is already on CLOUD_API and CONNECTED alone. */
  skipIfRegistered: boolean
  /** Validate and read the number, never register. */
  dryRun: boolean
  /** Make sure the number can receive messages: app subscription and webhook override. */
  wiring?: WiringSettings
}

/** What `waba-id`, `app-id`, `callback-url` and `verify-token` ask for. */
export interface WiringSettings {
  /** The WhatsApp Business Account the app must be subscribed to (digits only). */
  wabaId: string
  /** The app whose subscription is checked; absent: the token's own app (`GET /app`). */
  appId?: string
  /** The number's webhook override; needs the subscription first. */
  webhook?: WebhookOverride
}

export interface WebhookOverride {
  /** https URL Meta calls for this number's messages, as given (trimmed). */
  callbackUrl: string
  /** Sent exactly as given: Meta passes it to the callback, which must answer with the same. */
  verifyToken: string
}

export interface Backup {
  /** The opaque `settings.data` of the On-Premises backup response. */
  data: string
  /** The password given to the On-Premises backup call. */
  password: string
  /** Which input the data came from, for the log and the summary. */
  source: 'backup-data' | 'backup-file'
}

/** Where inputs come from; the action passes @actions/core, tests pass a map. */
export interface InputSource {
  /** The input's value exactly as given (not trimmed), or '' when unset. */
  getInput(name: string): string
  /** Masks a value in the runner's log and in our own redaction: a value that is sent. */
  registerSecret(value: string): void
  /** Folder that relative `backup-file` paths start from. */
  workspace: string
}

/** Bad inputs, all of them at once; messages name inputs and expectations, never secret values. */
export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid inputs:\n${problems.map(problem => `- ${problem}`).join('\n')}`)
    this.name = 'InputError'
  }
}

export interface ParsedInputs {
  settings: Settings
  /** Legal but risky choices, to be logged as warnings. */
  warnings: string[]
}

/**
 * Secrets sent exactly as given: a password with a leading space is a different password. The
 * token alone is trimmed (a header value), and the backup data is registered once it is known
 * (the whole backup response around it is public shape, not a secret).
 */
const EXACT_SECRET_INPUTS = ['pin', 'backup-password', 'verify-token'] as const

/** Meta's override guide: a callback URL of at most this many characters. */
export const MAX_CALLBACK_URL_LENGTH = 200

/**
 * Reads, masks and validates every input; throws InputError listing every problem. `readOnly`: for
 * a check that writes nothing (no PIN needed, always a dry run).
 */
export function readSettings(
  source: InputSource,
  { readOnly = false }: { readOnly?: boolean } = {}
): ParsedInputs {
  // Mask first: anything printed later, even by a failing parser, is then already masked.
  const token = source.getInput('access-token')
  const given = [token, token.trim(), ...EXACT_SECRET_INPUTS.map(name => source.getInput(name))]
  for (const value of new Set(given)) if (value.trim() !== '') source.registerSecret(value)
  const input = (name: string): string => source.getInput(name).trim()
  const problems: string[] = []
  const warnings: string[] = []

  const accessToken = required(input('access-token'), 'access-token', problems)
  if (accessToken !== '') {
    if (/^bearer\s/i.test(accessToken)) {
      problems.push('access-token: give the token alone, without the "Bearer " prefix.')
    } else if (!/^[\x21-\x7e]+$/.test(accessToken)) {
      problems.push(
        'access-token: expected one line of printable ASCII without spaces (a system-user access token).'
      )
    }
  }

  const phoneNumberId = required(input('phone-number-id'), 'phone-number-id', problems)
  if (phoneNumberId !== '' && !/^[0-9]{1,32}$/.test(phoneNumberId)) {
    problems.push(
      `phone-number-id: expected the number's Graph ID, digits only (WhatsApp Manager › Phone numbers)${
        phoneNumberId.startsWith('+') ? '; this looks like the phone number itself' : ''
      }.`
    )
  }

  const pin = source.getInput('pin')
  // A read-only check sends no PIN, so it needs none.
  if (pin.trim() === '') {
    if (!readOnly) problems.push('pin: required, but empty or not set.')
  } else if (/^[0-9]{6}$/.test(pin.trim()) && pin !== pin.trim()) {
    problems.push(
      'pin: has spaces or a line break around its 6 digits; the PIN is sent exactly as given, so remove them (a secret saved with a trailing newline is a common cause).'
    )
  } else if (!/^[0-9]{6}$/.test(pin)) {
    problems.push(
      'pin: expected exactly 6 digits (0-9), such as "004217"; quote it in YAML to keep leading zeros.'
    )
  }

  const backup = readBackup(source, problems)

  const region = input('data-localization-region').toUpperCase()
  const dataLocalizationRegion = DATA_LOCALIZATION_REGIONS.find(known => known === region)
  if (region !== '' && dataLocalizationRegion === undefined) {
    problems.push(
      `data-localization-region: expected one of ${DATA_LOCALIZATION_REGIONS.join(' ')}.`
    )
  }

  const apiVersion = input('api-version') || DEFAULT_API_VERSION
  if (!/^v[0-9]+\.[0-9]+$/.test(apiVersion)) {
    problems.push(`api-version: expected a Graph API version such as ${DEFAULT_API_VERSION}.`)
  }

  const graphApiUrl = parseGraphApiUrl(input('graph-api-url') || DEFAULT_GRAPH_API_URL, problems)

  const timeoutSeconds = wholeNumber(
    input('timeout-seconds'), 'timeout-seconds', DEFAULT_TIMEOUT_SECONDS, 1, MAX_TIMEOUT_SECONDS, problems
  ) // prettier-ignore
  if (timeoutSeconds < RECOMMENDED_MIN_TIMEOUT_SECONDS) {
    warnings.push(
      `timeout-seconds is ${timeoutSeconds}: register can take 15 s, and a request cut short leaves its outcome uncertain. ${RECOMMENDED_MIN_TIMEOUT_SECONDS} or more is safer.`
    )
  }
  const retries = wholeNumber(
    input('retries'),
    'retries',
    DEFAULT_RETRIES,
    0,
    MAX_RETRIES,
    problems
  )
  const settleSeconds = wholeNumber(
    input('settle-seconds'), 'settle-seconds', DEFAULT_SETTLE_SECONDS, 0, MAX_SETTLE_SECONDS, problems
  ) // prettier-ignore
  const preflight = boolean(input('preflight'), 'preflight', true, problems)
  const skipIfRegistered = boolean(
    input('skip-if-registered'),
    'skip-if-registered',
    true,
    problems
  )
  const dryRun = readOnly || boolean(input('dry-run'), 'dry-run', false, problems)
  if (skipIfRegistered && !preflight && !dryRun) {
    warnings.push(
      'skip-if-registered has no effect with preflight: false: the number is not read before registering.'
    )
  }

  const wiring = readWiring(source, phoneNumberId, problems)

  if (problems.length > 0) throw new InputError(problems)
  return {
    settings: {
      accessToken,
      phoneNumberId,
      pin,
      ...(backup && { backup }),
      ...(dataLocalizationRegion && { dataLocalizationRegion }),
      apiVersion,
      graphApiUrl,
      timeoutMs: timeoutSeconds * 1000,
      retries,
      settleMs: settleSeconds * 1000,
      preflight,
      skipIfRegistered,
      dryRun,
      ...(wiring && { wiring })
    },
    warnings
  }
}

function required(value: string, name: string, problems: string[]): string {
  if (value === '') problems.push(`${name}: required, but empty or not set.`)
  return value
}

/** The backup comes from `backup-data` or `backup-file`, with `backup-password`, or not at all. */
function readBackup(source: InputSource, problems: string[]): Backup | undefined {
  const inline = source.getInput('backup-data')
  const file = source.getInput('backup-file').trim()
  const password = source.getInput('backup-password')
  const hasInline = inline.trim() !== ''
  if (hasInline && file !== '') {
    problems.push('backup-data and backup-file: give one of them, not both.')
    return undefined
  }
  if (!hasInline && file === '') {
    if (password !== '') {
      problems.push(
        'backup-password: given without a backup; add backup-data or backup-file, or remove it.'
      )
    }
    return undefined
  }
  const sourceName = hasInline ? 'backup-data' : 'backup-file'
  let text = inline
  if (sourceName === 'backup-file') {
    const read = readBackupFile(file, source.workspace)
    if (!read.ok) {
      problems.push(read.problem)
      return undefined
    }
    text = read.text
  }
  const extracted = extractBackupData(text, sourceName)
  if (!extracted.ok) {
    problems.push(extracted.problem)
    return undefined
  }
  // What is sent is the secret: the data itself, not the backup response around it.
  source.registerSecret(extracted.data)
  if (password === '') {
    problems.push(
      'backup-password: required with a backup: the password given to the On-Premises backup call.'
    )
    return undefined
  }
  return { data: extracted.data, password, source: sourceName }
}

/**
 * `waba-id` with the optional `app-id`, and `callback-url` with its `verify-token`: the override
 * only works once the app is subscribed, so a callback needs the WABA.
 */
function readWiring(
  source: InputSource,
  phoneNumberId: string,
  problems: string[]
): WiringSettings | undefined {
  const input = (name: string): string => source.getInput(name).trim()
  const wabaId = input('waba-id')
  const appId = input('app-id')
  const callbackUrl = input('callback-url')
  const verifyToken = source.getInput('verify-token')
  const hasToken = verifyToken.trim() !== ''
  const before = problems.length
  if (wabaId !== '' && !/^[0-9]{1,32}$/.test(wabaId)) {
    problems.push(
      "waba-id: expected the WhatsApp Business Account's ID, digits only (WhatsApp Manager › Account tools, or Business settings › WhatsApp accounts)."
    )
  } else if (wabaId !== '' && wabaId === phoneNumberId) {
    problems.push(
      "waba-id: is the same as phone-number-id; give the WhatsApp Business Account's ID, not the number's."
    )
  }
  if (appId !== '' && !/^[0-9]{1,32}$/.test(appId)) {
    problems.push("app-id: expected the app's ID, digits only (App Dashboard › App settings).")
  }
  if (appId !== '' && wabaId === '') {
    problems.push(
      'app-id: given without waba-id; the subscription is checked on a WhatsApp Business Account, so add waba-id or remove app-id.'
    )
  }
  if (callbackUrl !== '') {
    if (!isCallbackUrl(callbackUrl)) {
      problems.push(
        `callback-url: expected an https URL of at most ${MAX_CALLBACK_URL_LENGTH} characters, without credentials or fragment, such as https://bot.example.com/whatsapp/webhook.`
      )
    }
    if (wabaId === '') {
      problems.push(
        'callback-url: needs waba-id: the override only works once the app is subscribed to the WhatsApp Business Account.'
      )
    }
    if (!hasToken) {
      problems.push(
        'verify-token: required with callback-url: Meta sends it to the callback URL, which must answer the verification challenge with the same token.'
      )
    }
  } else if (hasToken) {
    problems.push('verify-token: given without callback-url; add callback-url or remove it.')
  }
  if (problems.length > before || wabaId === '') return undefined
  return {
    wabaId,
    ...(appId !== '' && { appId }),
    ...(callbackUrl !== '' && { webhook: { callbackUrl, verifyToken } })
  }
}

function isCallbackUrl(value: string): boolean {
  if (value.length > MAX_CALLBACK_URL_LENGTH || !URL.canParse(value)) return false
  const url = new URL(value)
  return (
    url.protocol === 'https:' &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    url.hash === '' &&
    // URL drops tabs and line breaks silently, and encodes the rest: such a value is not one URL.
    // eslint-disable-next-line no-control-regex
    !/[\s\u0000-\u001f\u007f]/.test(value)
  )
}

function parseGraphApiUrl(value: string, problems: string[]): string {
  const expected =
    'graph-api-url: expected an https URL such as https://graph.facebook.com (plain http only for a loopback host), without credentials, query or fragment.'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    problems.push(expected)
    return value
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopback(url.hostname))
  if (
    !secure ||
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    problems.push(expected)
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '')
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || /^127(\.[0-9]{1,3}){3}$/.test(hostname) || hostname === '[::1]'
}

function wholeNumber(
  value: string,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[]
): number {
  if (value === '') return fallback
  const parsed = /^[0-9]{1,9}$/.test(value) ? Number(value) : NaN
  if (Number.isNaN(parsed) || parsed < min || parsed > max) {
    problems.push(`${name}: expected a whole number from ${min} to ${max}.`)
    return fallback
  }
  return parsed
}

/** YAML 1.2 core schema booleans, as `core.getBooleanInput` accepts them. */
function boolean(value: string, name: string, fallback: boolean, problems: string[]): boolean {
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  problems.push(`${name}: expected true or false.`)
  return fallback
}
