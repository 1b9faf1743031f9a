import type { GraphClient } from './graph.js'
import type { DataLocalizationRegion, Settings } from './inputs.js'
import { isRegistered, type PhoneNumberReader, type PhoneNumberState } from './phone-number.js'
import type { RetryEnvironment, Settled } from './retry.js'
import { provesNothing, sendScarceCall, type ScarceCallOutcome } from './scarce-call.js'
import { usesSettingsApi } from './storage.js'

/** The documented register body; `backup` only for a migration. */
export interface RegisterBody {
  messaging_product: 'whatsapp'
  pin: string
  backup?: { data: string; password: string }
  data_localization_region?: DataLocalizationRegion
}

export interface RegistrationContext {
  graph: GraphClient
  numbers: PhoneNumberReader
  settings: Settings
  env: RetryEnvironment
  /** A registered state read before the call cannot confirm that this call went through. */
  registeredBefore: boolean
  /**
   * Told `true` when a register call goes out and `false` once its outcome is known, so that a
   * cancellation in between can say that the outcome is unknown.
   */
  onOutcomeUnknown?: (unknown: boolean) => void
}

export type RegistrationOutcome = ScarceCallOutcome

/**
 * The register body; the backup object only for a migration. The region goes in the body only
 * before v21.0: from then on it is set through the number's settings, and the field is deprecated.
 */
export function registerBody(settings: Settings): RegisterBody {
  return {
    messaging_product: 'whatsapp',
    pin: settings.pin,
    ...(settings.backup && {
      backup: { data: settings.backup.data, password: settings.backup.password }
    }),
    ...(settings.dataLocalizationRegion &&
      !usesSettingsApi(settings.apiVersion) && {
        data_localization_region: settings.dataLocalizationRegion
      })
  }
}

/**
 * Calls register at most 1 + retries times, and again only after a failure that a retry can
 * help. An attempt whose outcome is uncertain is settled by reading the number: registered means
 * it went through; a retry goes out only once a read after the settle window shows it did not.
 */
export function registerWithRetries(context: RegistrationContext): Promise<RegistrationOutcome> {
  const { graph, numbers, settings, env } = context
  const body = registerBody(settings)
  return sendScarceCall({
    what: 'Register',
    send: () => graph.post(`${settings.phoneNumberId}/register`, body),
    maxAttempts: 1 + settings.retries,
    numbers,
    env,
    settleMs: settings.settleMs,
    prove: state => proveRegistered(state, settings.phoneNumberId, context.registeredBefore),
    settlingMessage: `The outcome of the register call is uncertain: reading the number until it shows registered, for up to ${settings.settleMs / 1000} s from the call.`,
    happenedMessage:
      'The number is now on CLOUD_API and CONNECTED: the register call went through.',
    ...(context.onOutcomeUnknown && { onOutcomeUnknown: context.onOutcomeUnknown })
  })
}

/** What one read proves about a register call that may have gone through. */
export function proveRegistered(
  state: PhoneNumberState,
  phoneNumberId: string,
  registeredBefore: boolean
): Settled<PhoneNumberState> {
  const nothing = provesNothing(state, phoneNumberId)
  if (nothing) return nothing
  if (registeredBefore) {
    return {
      proved: 'nothing',
      why: 'the number was registered before the call, so its state cannot confirm this call',
      // Still registered: every later read would say the same.
      ...(isRegistered(state) && { final: true })
    }
  }
  return isRegistered(state) ? { proved: 'happened', value: state } : { proved: 'not-happened' }
}
