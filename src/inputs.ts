import { extractBackupData, readBackupFile } from './backup.js'
import {
  boolean,
  InputError,
  readAccessToken,
  readApiVersion,
  readDryRun,
  readGraphApiUrl,
  readPhoneNumberId,
  readPin,
  readRetries,
  readSettleMs,
  readTimeoutMs,
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

/** Everything the action needs, validated; the rest of the code sees only this. */
export interface Settings extends GraphSettings {
  /** Two-step verification PIN: exactly 6 digits, a string so that leading zeros survive. */
  pin: string
  /** On-Premises backup to migrate; absent for a plain registration. */
  backup?: Backup
  /** Optional `data_localization_region` of the register body. */
  dataLocalizationRegion?: DataLocalizationRegion
  /**
   * After an uncertain register call, how long (from when it was sent) to keep reading the number
   * before a retry may go out: a slow backend can still be registering after a gateway gave up.
   */
  settleMs: number
  /** Read the number before and after registering. */
  preflight: boolean
  /** Leave a number that is already on CLOUD_API and CONNECTED alone. */
  skipIfRegistered: boolean
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
const EXACT_SECRET_INPUTS = ['pin', 'backup-password'] as const

/** Reads, masks and validates every input; throws InputError listing every problem. */
export function readSettings(source: InputSource): ParsedInputs {
  registerSecrets(source, EXACT_SECRET_INPUTS)
  const input = trimmedInputs(source)
  const problems: string[] = []
  const warnings: string[] = []

  const accessToken = readAccessToken(input, problems)
  const phoneNumberId = readPhoneNumberId(input, problems)
  const pin = readPin(source, 'pin', problems)
  const backup = readBackup(source, problems)

  const region = input('data-localization-region').toUpperCase()
  const dataLocalizationRegion = DATA_LOCALIZATION_REGIONS.find(known => known === region)
  if (region !== '' && dataLocalizationRegion === undefined) {
    problems.push(
      `data-localization-region: expected one of ${DATA_LOCALIZATION_REGIONS.join(' ')}.`
    )
  }

  const apiVersion = readApiVersion(input, problems)
  const graphApiUrl = readGraphApiUrl(input, problems)
  const timeoutMs = readTimeoutMs(
    input,
    problems,
    warnings,
    'register can take 15 s, and a request cut short leaves its outcome uncertain.'
  )
  const retries = readRetries(input, problems)
  const settleMs = readSettleMs(input, problems)
  const preflight = boolean(input('preflight'), 'preflight', true, problems)
  const skipIfRegistered = boolean(
    input('skip-if-registered'),
    'skip-if-registered',
    true,
    problems
  )
  const dryRun = readDryRun(input, problems)
  if (skipIfRegistered && !preflight && !dryRun) {
    warnings.push(
      'skip-if-registered has no effect with preflight: false: the number is not read before registering.'
    )
  }

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
      timeoutMs,
      retries,
      settleMs,
      preflight,
      skipIfRegistered,
      dryRun
    },
    warnings
  }
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
