import { classifyNetworkFailure, classifyResponse, isSuccess, type Failure } from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange } from './graph.js'
import type { DataLocalizationRegion, Settings } from './inputs.js'
import { isRegistered, type PhoneNumberReader, type PhoneNumberState } from './phone-number.js'
import { withRetries, type AttemptResult, type RetryEnvironment, type Settled } from './retry.js'
import { settleByReading } from './settle.js'
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

export type RegistrationOutcome =
  | {
      ok: true
      attempts: number
      /** The success response; absent when a read confirmed an uncertain attempt. */
      exchange?: HttpExchange
      /** The state read after an uncertain attempt that showed the number registered. */
      confirmedState?: PhoneNumberState
    }
  | {
      ok: false
      attempts: number
      failure: Failure
      /** The last response, when the last attempt got one. */
      exchange?: HttpExchange
      /** The last state read while settling, when a read worked. */
      observedState?: PhoneNumberState
      /** The call may have gone through and no read proved either way. */
      uncertain: boolean
      reason: string
    }

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
export async function registerWithRetries(
  context: RegistrationContext
): Promise<RegistrationOutcome> {
  const { graph, numbers, settings, env } = context
  const body = registerBody(settings)
  const outcomeUnknown = (unknown: boolean): void => context.onOutcomeUnknown?.(unknown)
  let lastExchange: HttpExchange | undefined
  let observedState: PhoneNumberState | undefined
  const attemptRegister = async (): Promise<
    AttemptResult<{ exchange?: HttpExchange; confirmedState?: PhoneNumberState }>
  > => {
    try {
      const exchange = await graph.post(`${settings.phoneNumberId}/register`, body)
      lastExchange = exchange
      if (isSuccess(exchange)) return { ok: true, value: { exchange } }
      return { ok: false, failure: classifyResponse(exchange) }
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error
      return { ok: false, failure: classifyNetworkFailure(error) }
    }
  }
  const outcome = await withRetries<{ exchange?: HttpExchange; confirmedState?: PhoneNumberState }>(
    {
      what: 'Register',
      maxAttempts: 1 + settings.retries,
      attempt: async () => {
        lastExchange = undefined
        outcomeUnknown(true)
        const result = await attemptRegister()
        if (result.ok || result.failure.next !== 'settle') outcomeUnknown(false)
        return result
      },
      settle: async (_failure, sentAt) => {
        env.log(
          `The outcome of the register call is uncertain: reading the number until it shows registered, for up to ${settings.settleMs / 1000} s from the call.`
        )
        const settled = await settleByReading(
          async (): Promise<Settled<PhoneNumberState>> => {
            const read = await numbers.read()
            if (!read.ok) {
              return {
                proved: 'nothing',
                why: `the number could not be read: ${read.failure.message}`
              }
            }
            const proof = proveRegistered(
              read.state,
              settings.phoneNumberId,
              context.registeredBefore
            )
            // A read that proves nothing (another id, no platform) says nothing of this number.
            if (proof.proved !== 'nothing') observedState = read.state
            return proof
          },
          sentAt,
          settings.settleMs,
          env
        )
        if (settled.proved !== 'nothing') outcomeUnknown(false)
        if (settled.proved === 'happened') {
          env.log('The number is now on CLOUD_API and CONNECTED: the register call went through.')
          return { proved: 'happened', value: { confirmedState: settled.value } }
        }
        return settled
      }
    },
    env
  )
  if (outcome.ok) return { ok: true, attempts: outcome.attempts, ...outcome.value }
  return {
    ok: false,
    attempts: outcome.attempts,
    failure: outcome.failure,
    ...(lastExchange && { exchange: lastExchange }),
    ...(observedState && { observedState }),
    uncertain: outcome.uncertain,
    reason: outcome.reason
  }
}

/** What one read proves about a register call that may have gone through. */
export function proveRegistered(
  state: PhoneNumberState,
  phoneNumberId: string,
  registeredBefore: boolean
): Settled<PhoneNumberState> {
  if (state.id !== undefined && state.id !== phoneNumberId) {
    return { proved: 'nothing', why: 'the read answered for another id' }
  }
  if (state.platformType === undefined || state.status === undefined) {
    return { proved: 'nothing', why: 'the read did not say the platform and status' }
  }
  if (registeredBefore) {
    return {
      proved: 'nothing',
      why: 'the number was registered before the call, so its state cannot confirm this call'
    }
  }
  return isRegistered(state) ? { proved: 'happened', value: state } : { proved: 'not-happened' }
}
