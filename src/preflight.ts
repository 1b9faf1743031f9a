/**
 * The register action's pre-flight: read the number (and from v21.0 its storage), then decide
 * what the run does, before any write.
 */
import type { Failure } from './errors.js'
import type { FlowContext } from './flow.js'
import type { DataLocalizationRegion, Settings } from './inputs.js'
import { isRegistered, type PhoneNumberState } from './phone-number.js'
import { plannedRegionChange } from './region-change.js'
import { registerBody } from './registration.js'
import { describeFailure, MAX_MESSAGE_LENGTH } from './report.js'
import { describeStorage, storesIn, type Storage, type StorageSettings } from './storage.js'

/** What the register flow's steps are given: the context every flow has, and the settings edge. */
export type RegisterContext = FlowContext<Settings> & {
  /** The number's settings edge, from v21.0 on. */
  storage?: StorageSettings
}
type Context = RegisterContext

/** What the pre-flight read decided. */
export type Preflight = (
  | { kind: 'register'; before: PhoneNumberState; setStorage: boolean }
  | { kind: 'already-registered'; before: PhoneNumberState }
  /** Registered in another region, and on-region-mismatch: re-register: deregister, settings, register. */
  | { kind: 're-register'; before: PhoneNumberState; region: DataLocalizationRegion }
  | { kind: 'dry-run'; before: PhoneNumberState; plannedRequest: string }
  | { kind: 'failed'; message: string; failure?: Failure; before?: PhoneNumberState }
) & { storage?: Storage }

/** Reads the number before registering and decides whether to register. */
export async function preflight(context: Context): Promise<Preflight> {
  const { settings, numbers, env } = context
  const read = await numbers.readWithRetries(1 + settings.retries, env)
  if (!read.ok) {
    return {
      kind: 'failed',
      failure: read.failure,
      message: describeFailure(
        'Pre-flight read of the number failed (no register call was made)',
        read.failure
      )
    }
  }
  const before = read.state
  logState(context, 'Before', before)
  if (before.isOnBizApp === true) {
    return {
      kind: 'failed',
      before,
      message:
        'The number is also used in the WhatsApp Business app (coexistence): /register is not available for it, so there is nothing to register. No register call was made.'
    }
  }
  const storage = await readStorage(context)
  if (storage.kind === 'failed') return { ...storage, before }
  const region = settings.dataLocalizationRegion
  const storageDiffers =
    region !== undefined && storage.storage !== undefined && !storesIn(storage.storage, region)
  if (isRegistered(before) && storageDiffers && region !== undefined) {
    if (settings.onRegionMismatch === 're-register' && context.storage) {
      if (!settings.dryRun) return { kind: 're-register', before, storage: storage.storage, region }
      return {
        kind: 'dry-run',
        before,
        storage: storage.storage,
        plannedRequest: plannedRegionChange(settings, region, plannedRequest(settings))
      }
    }
    return {
      kind: 'failed',
      before,
      storage: storage.storage,
      message: `The number is registered with ${describeStorage(storage.storage)} storage, not in-country storage in ${region} as data-localization-region asks, and storage can only change while a number is not registered. No call was made. To move it: deregister the number (the deregister sub-action), then run this action again with the region, or run this action with on-region-mismatch: re-register, which does both; that spends one deregister and one register call, and the number is offline for a few minutes.`
    }
  }
  const skip = isRegistered(before) && settings.skipIfRegistered
  if (skip && !settings.dryRun)
    return { kind: 'already-registered', before, storage: storage.storage }
  if (before.nameStatus === 'PENDING_REVIEW') {
    context.warn(
      'The display name is still in review (name_status PENDING_REVIEW): registering now has left numbers stuck in PENDING (error 2388001).'
    )
  }
  // Storage read and not as asked, or asked without a settings read (no storage read possible).
  const setStorage = context.storage !== undefined && region !== undefined && storageDiffers
  if (settings.dryRun) {
    return {
      kind: 'dry-run',
      before,
      storage: storage.storage,
      plannedRequest: skip
        ? 'Nothing: the number is already registered, so a real run would skip it (skip-if-registered).'
        : [
            setStorage && region ? plannedStorageRequest(settings, region) : undefined,
            plannedRequest(settings)
          ]
            .filter(Boolean)
            .join('; then ')
    }
  }
  return { kind: 'register', before, storage: storage.storage, setStorage }
}

/** Reads the number's storage (v21.0 and newer); a failure stops the run only when a region is asked. */
async function readStorage(
  context: Context
): Promise<
  { kind: 'read'; storage?: Storage } | { kind: 'failed'; message: string; failure: Failure }
> {
  if (!context.storage) return { kind: 'read' }
  const read = await context.storage.read()
  if (read.ok) {
    context.host.info(`Storage: ${describeStorage(read.storage)}.`)
    return { kind: 'read', storage: read.storage }
  }
  const region = context.settings.dataLocalizationRegion
  if (region === undefined) {
    context.warn(describeFailure("Reading the number's storage settings failed", read.failure))
    return { kind: 'read' }
  }
  return {
    kind: 'failed',
    failure: read.failure,
    message: describeFailure(
      `Reading the number's storage settings failed, so in-country storage in ${region} cannot be checked (no register call was made)`,
      read.failure
    )
  }
}

export function plannedStorageRequest(settings: Settings, region: string): string {
  return `POST ${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId}/settings with storage_configuration (IN_COUNTRY_STORAGE_ENABLED, ${region})`
}

/** The register request described by its field names only: values are secrets. */
export function plannedRequest(settings: Settings): string {
  const fields = Object.keys(registerBody(settings)).flatMap(key =>
    key === 'backup' ? ['backup.data', 'backup.password'] : [key]
  )
  return `POST ${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId}/register with ${fields.join(', ')}`
}

export function logState(context: Context, when: string, state: PhoneNumberState): void {
  const throughput = state.throughputLevel ? `, throughput ${state.throughputLevel}` : ''
  const line = `${when}: ${state.displayPhoneNumber ?? '?'} (${state.verifiedName ?? '?'}), platform ${state.platformType ?? '?'}, status ${state.status ?? '?'}${throughput}.`
  context.host.info(context.redactor.redact(line, MAX_MESSAGE_LENGTH))
}
