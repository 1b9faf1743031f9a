/**
 * A storage-region change of a registered number (`on-region-mismatch: re-register`): storage can
 * only change while a number is not registered, so it is deregistered, its storage set, and then
 * registered again, in that order, each step confirmed by a read before the next. This module
 * holds the first two steps and the words for where a stopped change left the number; the register
 * flow registers afterwards.
 */
import { newProgress, type Progress } from './cancellation.js'
import { deregisterStep, type DeregisterContext } from './deregister/step.js'
import type { Failure } from './errors.js'
import type { HttpExchange } from './graph.js'
import type { DataLocalizationRegion } from './inputs.js'
import type { PhoneNumberState } from './phone-number.js'
import { describeFailure, type Deregistration } from './report.js'
import { describeStorage, storesIn, type Storage, type StorageSettings } from './storage.js'

/** What the change needs: the deregister step's context and the number's settings edge. */
export interface RegionChangeContext extends DeregisterContext {
  storage: StorageSettings
}

export interface RegionChangeRequest {
  /** The number as the pre-flight read it: registered. */
  before: PhoneNumberState
  /** Its storage as the pre-flight read it: not in `region`. */
  storage: Storage | undefined
  region: DataLocalizationRegion
}

/** Where the first two steps got to; `ready`: deregistered and stored in the region, confirmed. */
export type RegionChangeOutcome = (
  | {
      kind: 'ready'
      /** The number as read after the deregistration. */
      state: PhoneNumberState
      /** The storage as read after the settings write. */
      storage: Storage
    }
  | {
      kind: 'stopped'
      result: 'failed' | 'uncertain'
      /** What failed, where the number is, and what to run next. */
      message: string
      failure?: Failure
      exchange?: HttpExchange
      /** The last state a read showed, when it differs from the pre-flight's. */
      after?: PhoneNumberState
      /** The storage as read last, when it was read after a change. */
      storage?: Storage
    }
) & { deregistration: Deregistration }

/** What to run after a stop once the number is deregistered. */
export const FINISH_BY_RUNNING_AGAIN =
  'run this action again with the same inputs to finish: it sets the storage (when it is not yet in the region) and registers the number; it needs the PIN, and spends one register call, no deregister call'

/** The plan a dry run prints: three steps, each confirmed by a read. */
export function plannedRegionChange(
  settings: { graphApiUrl: string; apiVersion: string; phoneNumberId: string },
  region: DataLocalizationRegion,
  registerRequest: string
): string {
  const base = `${settings.graphApiUrl}/${settings.apiVersion}/${settings.phoneNumberId}`
  return [
    `three writes for a storage-region change (on-region-mismatch: re-register), each confirmed by a read before the next; one deregister and one register call, and the number is offline from step 1 until step 3 is done:`,
    `1. POST ${base}/deregister (no body), then a read of the number: no longer on CLOUD_API;`,
    `2. POST ${base}/settings with storage_configuration (IN_COUNTRY_STORAGE_ENABLED, ${region}), then a read of the settings: in-country storage in ${region};`,
    `3. ${registerRequest}, then the usual read of the number and its storage.`
  ].join('\n')
}

/**
 * Deregisters the number (confirmed by a read: off CLOUD_API), then sets its storage in `region`
 * (confirmed by a read of the settings). Stops at the first failure or uncertainty, saying where the
 * number is. `progress` tracks the deregister call alone, for a cancellation to tell it apart from
 * the register call.
 */
export async function deregisterAndStore(
  context: RegionChangeContext,
  request: RegionChangeRequest,
  progress: Progress = newProgress()
): Promise<RegionChangeOutcome> {
  const { host } = context
  const { before, region } = request
  const was = `registered with ${describeStorage(request.storage)} storage`
  host.info(
    `Changing the storage region (on-region-mismatch: re-register): the number is ${was}; deregister, set in-country storage in ${region}, register again. The number is offline until the register call succeeds.`
  )
  // No display-number guard: the number was read just before. Coexistence is still refused.
  const step = await deregisterStep({ ...context, progress }, { dryRun: false, before })
  switch (step.kind) {
    case 'refused':
      return {
        kind: 'stopped',
        result: 'failed',
        message: withWhere(
          step.message,
          `Where the number is: as it was, ${was}; no settings or register call was made.`
        ),
        ...(step.failure && { failure: step.failure }),
        deregistration: { attempts: 0, done: 'no' }
      }
    case 'failed':
      return {
        kind: 'stopped',
        result: 'failed',
        message: withWhere(
          step.message,
          `Where the number is: as it was, ${was}; no settings or register call was made. Once the cause is fixed (for 133016: after the 72-hour window), run this action again with the same inputs to change the region.`
        ),
        failure: step.failure,
        ...(step.exchange && { exchange: step.exchange }),
        ...(step.after && { after: step.after }),
        deregistration: { attempts: step.attempts, done: 'no' }
      }
    case 'uncertain':
      return {
        kind: 'stopped',
        result: 'uncertain',
        message: withWhere(
          step.message,
          `Where the number is: unknown: either still ${was}, or deregistered (offline, local storage off). No settings or register call was made. Check its platform (this action with dry-run: true), then run this action again with the same inputs: from either state it finishes the change (it needs the PIN).`
        ),
        failure: step.failure,
        ...(step.exchange && { exchange: step.exchange }),
        ...(step.after && { after: step.after }),
        deregistration: { attempts: step.attempts, done: 'unknown' }
      }
    case 'deregistered':
      if (!step.confirmed) {
        const seen = step.after
          ? `still shows platform ${step.after.platformType ?? 'unknown'}`
          : 'failed'
        return {
          kind: 'stopped',
          result: 'failed',
          message: `Deregister was answered with success, but the read afterwards ${seen}, so the deregistration is not confirmed; stopped before the settings call.\nWhere the number is: most likely deregistered (offline, local storage off) and not registered; the switch can take a few seconds. What to run next: check its platform (this action with dry-run: true), then ${FINISH_BY_RUNNING_AGAIN}.`,
          ...(step.exchange && { exchange: step.exchange }),
          ...(step.after && { after: step.after }),
          deregistration: { attempts: step.attempts, done: 'unknown' }
        }
      }
      break
    case 'already-deregistered':
    case 'dry-run':
      // Neither happens for a registered number in a real run; nothing was called.
      break
  }
  const deregistration: Deregistration =
    step.kind === 'deregistered'
      ? { attempts: step.attempts, done: 'yes' }
      : { attempts: 0, done: 'no' }
  const state = (step.kind === 'deregistered' ? step.after : undefined) ?? step.before
  const where = `Where the number is: deregistered (offline), not registered; no register call was made. What to run next: ${FINISH_BY_RUNNING_AGAIN}.`
  host.info(`Deregistered: the number is offline until it is registered again.`)

  host.info(`Setting in-country storage in ${region} through the number's settings.`)
  const written = await context.storage.storeIn(region)
  if (!written.ok) {
    return {
      kind: 'stopped',
      result: 'failed',
      message: describeFailure(
        `Setting local storage in ${region} failed after the number was deregistered`,
        written.failure,
        where
      ),
      failure: written.failure,
      after: state,
      deregistration
    }
  }
  const read = await context.storage.read()
  if (!read.ok) {
    return {
      kind: 'stopped',
      result: 'failed',
      message: describeFailure(
        `The settings write was answered with success, but reading the settings to confirm in-country storage in ${region} failed`,
        read.failure,
        where
      ),
      failure: read.failure,
      after: state,
      deregistration
    }
  }
  host.info(`Storage now: ${describeStorage(read.storage)}.`)
  if (!storesIn(read.storage, region)) {
    return {
      kind: 'stopped',
      result: 'failed',
      message: `The settings write was answered with success, but the storage reads ${describeStorage(read.storage)}, not in-country storage in ${region}.\n${where}`,
      after: state,
      storage: read.storage,
      deregistration
    }
  }
  return { kind: 'ready', state, storage: read.storage, deregistration }
}

/** A failure message with where the number is put right after its first line. */
export function withWhere(message: string, where: string): string {
  const end = message.indexOf('\n')
  return end < 0
    ? `${message}\n${where}`
    : `${message.slice(0, end)}\n${where}${message.slice(end)}`
}

/** Where a register call that failed after the first two steps left the number. */
export function whereAfterRegisterFailure(
  region: DataLocalizationRegion,
  uncertain: boolean
): string {
  if (uncertain) {
    return `Where the number is: in-country storage in ${region}; registered or not is unknown. Check its platform (this action with dry-run: true): when it is on CLOUD_API and CONNECTED the change is done, and a run with the same inputs leaves it alone; when it is not, run this action again with the same inputs to register it (it needs the PIN).`
  }
  return `Where the number is: deregistered (offline), in-country storage in ${region}, not registered. What to run next: this action again with the same inputs (with the right PIN) to register it; it spends one register call, no deregister call.`
}
