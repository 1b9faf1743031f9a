import { classifyNetworkFailure, classifyResponse, type Failure } from './errors.js'
import { NetworkFailure, type GraphClient, type HttpExchange, type RegisterBody } from './graph.js'
import type { Settings } from './inputs.js'
import { isRegistered, readPhoneNumber, type PhoneNumberState } from './phone-number.js'
import { decideRetry, type RetryTiming } from './retry.js'

export interface RegistrationContext {
  graph: GraphClient
  settings: Settings
  timing: RetryTiming
  sleep: (ms: number) => Promise<void>
  log: { info(message: string): void; debug(message: string): void }
  /** A registered state read before the call cannot confirm that this call went through. */
  registeredBefore: boolean
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
      exchange?: HttpExchange
      /** The state read after an uncertain attempt, when the read worked. */
      observedState?: PhoneNumberState
      /** The read after an uncertain attempt failed too: the outcome is unknown. */
      readFailure?: Failure
      reason: string
    }

/** The register body; the backup object only for a migration. */
export function registerBody(settings: Settings): RegisterBody {
  return {
    messaging_product: 'whatsapp',
    pin: settings.pin,
    ...(settings.backup && {
      backup: { data: settings.backup.data, password: settings.backup.password }
    }),
    ...(settings.dataLocalizationRegion && {
      data_localization_region: settings.dataLocalizationRegion
    })
  }
}

/** `{"success": true}` and `{"success": "true"}` are both what Meta sends for success. */
export function isSuccess(exchange: HttpExchange): boolean {
  if (exchange.status < 200 || exchange.status >= 300) return false
  try {
    const body = JSON.parse(exchange.body) as { success?: unknown } | null
    return body?.success === true || body?.success === 'true'
  } catch {
    return false
  }
}

/**
 * Calls register at most 1 + retries times, and again only after a transient failure. After an
 * attempt whose outcome is uncertain, the number is read: registered now means it went through.
 */
export async function registerWithRetries(
  context: RegistrationContext
): Promise<RegistrationOutcome> {
  const { graph, settings, timing, sleep, log } = context
  const maxAttempts = 1 + settings.retries
  const body = registerBody(settings)
  for (let attempt = 1; ; attempt++) {
    let exchange: HttpExchange | undefined
    let failure: Failure
    try {
      exchange = await graph.register(settings.phoneNumberId, body)
      if (isSuccess(exchange)) return { ok: true, attempts: attempt, exchange }
      failure = classifyResponse(exchange)
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error
      failure = classifyNetworkFailure(error)
    }
    log.debug(
      `Register attempt ${attempt} failed: transient=${failure.transient}, uncertain=${failure.uncertain}, never-retry=${failure.neverRetry}.`
    )

    let observedState: PhoneNumberState | undefined
    if (failure.uncertain) {
      log.info('The outcome of the register call is uncertain: reading the number before deciding.')
      const read = await readPhoneNumber(graph, settings.phoneNumberId)
      if (!read.ok) {
        return {
          ok: false,
          attempts: attempt,
          failure,
          ...(exchange && { exchange }),
          readFailure: read.failure,
          reason: 'the outcome is uncertain and the number could not be read to settle it'
        }
      }
      observedState = read.state
      if (isRegistered(read.state) && !context.registeredBefore) {
        log.info('The number is now on CLOUD_API and CONNECTED: the register call went through.')
        return { ok: true, attempts: attempt, confirmedState: read.state }
      }
      log.debug(
        context.registeredBefore
          ? 'The number was registered before the call, so its state cannot confirm this call.'
          : 'The number is not registered: the register call did not go through.'
      )
    }

    const decision = decideRetry(failure, attempt, maxAttempts, timing)
    log.debug(`Retry decision after attempt ${attempt}: ${decision.reason}.`)
    if (!decision.retry) {
      return {
        ok: false,
        attempts: attempt,
        failure,
        ...(exchange && { exchange }),
        ...(observedState && { observedState }),
        reason: decision.reason
      }
    }
    log.info(
      `Register attempt ${attempt + 1} of ${maxAttempts} in ${(decision.delayMs / 1000).toFixed(1)} s: ${failure.kind === 'graph' ? `code ${failure.code ?? '?'}` : failure.httpStatus !== undefined ? `HTTP ${failure.httpStatus}` : 'network failure'} (${decision.reason}).`
    )
    await sleep(decision.delayMs)
  }
}
