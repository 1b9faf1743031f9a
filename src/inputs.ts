import { extractBackupData, readBackupFile } from './backup.js'
import { usesSettingsApi } from './storage.js'
import {
  boolean,
  InputError,
  readAccessToken,
  readConnection,
  readDryRun,
  readPhoneNumberId,
  readPin,
  readSettleMs,
  registerSecrets,
  trimmedInputs,
  type GraphSettings,
  type InputSource,
  type Parsed
} from './input-rules.js'

export {
  InputError,
  MAX_RETRIES,
  MAX_SETTLE_SECONDS,
  MAX_TIMEOUT_SECONDS,
  type InputSource
} from './input-rules.js'

/** Regions of the contract's `WhatsAppDataLocalizationRegion` enum. */
export const DATA_LOCALIZATION_REGIONS = [
  'AE', 'AU', 'BH', 'BR', 'CA', 'CH', 'DE', 'GB', 'ID', 'IN', 'JP', 'KR', 'SG', 'ZA'
] as const // prettier-ignore
export type DataLocalizationRegion = (typeof DATA_LOCALIZATION_REGIONS)[number]

/** What `on-region-mismatch` accepts. */
export const ON_REGION_MISMATCH = ['fail', 're-register'] as const
export type OnRegionMismatch = (typeof ON_REGION_MISMATCH)[number]

/** Everything the action needs, validated; the rest of the code sees only this. */
export interface Settings extends GraphSettings {
  /** Two-step verification PIN: exactly 6 digits, a string so that leading zeros survive. */
  pin: string
  /** On-Premises backup to migrate; absent for a plain registration. */
  backup?: Backup
  /** Optional `data_localization_region` of the register body. */
  dataLocalizationRegion?: DataLocalizationRegion
  /**
   * A registered number whose storage is not `dataLocalizationRegion`: refuse it before any call
   * (`fail`, the default), or move it (`re-register`: deregister, settings, register, each step
   * confirmed by a read). Absent means `fail`.
   */
  onRegionMismatch?: OnRegionMismatch
  /**
   * After an uncertain register call, how long (from when it was sent) to keep reading the number
   * before a retry may go out: a slow backend can still be registering after a gateway gave up.
   */
  settleMs: number
  /** Read the number before and after registering. */
  preflight: boolean
  /** Leave a number that is already on CLOUD_API and CONNECTED alone. */
  skipIfRegistered: boolean
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

export type ParsedInputs = Parsed<Settings>

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
  registerSecrets(source, EXACT_SECRET_INPUTS)
  const input = trimmedInputs(source)
  const problems: string[] = []
  const warnings: string[] = []

  const accessToken = readAccessToken(input, problems)
  const phoneNumberId = readPhoneNumberId(input, problems)
  // A read-only check sends no PIN, so it needs none.
  const pin =
    readOnly && source.getInput('pin').trim() === '' ? '' : readPin(source, 'pin', problems)
  const backup = readBackup(source, problems)

  const region = input('data-localization-region').toUpperCase()
  const dataLocalizationRegion = DATA_LOCALIZATION_REGIONS.find(known => known === region)
  if (region !== '' && dataLocalizationRegion === undefined) {
    problems.push(
      `data-localization-region: expected one of ${DATA_LOCALIZATION_REGIONS.join(' ')}.`
    )
  }

  const connection = readConnection(
    input,
    problems,
    warnings,
    'register can take 15 s, and a request cut short leaves its outcome uncertain.'
  )
  const settleMs = readSettleMs(input, problems)
  const preflight = boolean(input('preflight'), 'preflight', true, problems)
  const skipIfRegistered = boolean(
    input('skip-if-registered'),
    'skip-if-registered',
    true,
    problems
  )
  const dryRun = readOnly || readDryRun(input, problems)
  if (skipIfRegistered && !preflight && !dryRun) {
    warnings.push(
      'skip-if-registered has no effect with preflight: false: the number is not read before registering.'
    )
  }

  const onRegionMismatch = readOnRegionMismatch(
    input('on-region-mismatch'),
    dataLocalizationRegion !== undefined,
    connection.apiVersion,
    problems
  )
  if (onRegionMismatch === 're-register' && !preflight && !dryRun) {
    warnings.push(
      'on-region-mismatch: re-register has no effect with preflight: false: the number and its storage are not read before registering, so no mismatch is found.'
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
      onRegionMismatch,
      ...connection,
      settleMs,
      preflight,
      skipIfRegistered,
      dryRun,
      ...(wiring && { wiring })
    },
    warnings
  }
}

/**
 * `fail` or `re-register`; re-register with a region needs the settings edge (Graph v21.0 and
 * newer), through which storage is set between the deregister and the register call.
 */
function readOnRegionMismatch(
  value: string,
  regionAsked: boolean,
  apiVersion: string,
  problems: string[]
): OnRegionMismatch {
  if (value === '') return 'fail'
  const chosen = ON_REGION_MISMATCH.find(known => known === value)
  if (chosen === undefined) {
    problems.push('on-region-mismatch: expected fail or re-register.')
    return 'fail'
  }
  // An api-version that is not a version at all has its own problem already.
  const version = /^v[0-9]+\.[0-9]+$/.test(apiVersion)
  if (chosen === 're-register' && regionAsked && version && !usesSettingsApi(apiVersion)) {
    problems.push(
      "on-region-mismatch: re-register needs Graph v21.0 or newer (api-version): it sets the storage through the number's settings between the deregister and the register call."
    )
  }
  return chosen
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
