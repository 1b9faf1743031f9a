import type { Failure } from './errors.js'
import type { GraphClient } from './graph.js'
import type { Host } from './host.js'
import type { Settings, WiringSettings } from './inputs.js'
import type { Redactor } from './redact.js'
import {
  addUnmet,
  describeFailure,
  MAX_MESSAGE_LENGTH,
  type RunReport,
  type WiringReport
} from './report.js'
import type { RetryEnvironment } from './retry.js'
import { effectiveWebhook, sameUrl, WebhookWiring, type App } from './wiring.js'

/** What the wiring step needs of the run. */
export interface WiringContext {
  settings: Settings
  graph: GraphClient
  env: RetryEnvironment
  host: Host
  redactor: Redactor
  /** Logs a warning and keeps it for the summary. */
  warn: (message: string) => void
}

/** Said whenever the override call fails: Meta verifies the URL while handling it. */
export const OVERRIDE_HINT =
  'Meta calls the callback URL to verify it while handling this request: the endpoint must be up, reachable over https, and answer the verification challenge (reply with hub.challenge when hub.verify_token matches) using the same verify token as verify-token.'

/**
 * Makes sure the number can receive messages, once it is registered (or in a dry run, reading
 * only): the app subscribed to the WABA first, then the number's webhook override. What cannot be
 * done goes to `report.unmet`: the job fails, and `result` still says what happened to the number.
 */
export async function wireNumber(context: WiringContext, report: RunReport): Promise<void> {
  const asked = context.settings.wiring
  if (!asked) return
  const state: WiringReport = { wabaId: asked.wabaId, planned: [] }
  report.wiring = state
  const step = new Step(context, report, state, asked)
  await step.run()
  if (context.settings.dryRun && state.planned.length > 0) {
    context.host.info(`Dry run: the wiring would send: ${state.planned.join('; then ')}`)
  }
}

class Step {
  private readonly calls: WebhookWiring

  constructor(
    private readonly context: WiringContext,
    private readonly report: RunReport,
    private readonly state: WiringReport,
    private readonly asked: WiringSettings
  ) {
    this.calls = new WebhookWiring(context.graph, context.env, 1 + context.settings.retries)
  }

  async run(): Promise<void> {
    const app = await this.app()
    if (!app) return
    this.state.app = app
    if (!(await this.subscription(app))) return
    await this.webhook()
  }

  /** `app-id`, or the app the token belongs to. */
  private async app(): Promise<App | undefined> {
    if (this.asked.appId) return { id: this.asked.appId }
    const read = await this.calls.readApp()
    if (read.ok) return read.value
    this.notWired(
      `reading the access token's app (GET /app) failed, so its subscription to WhatsApp Business Account ${this.asked.wabaId} cannot be checked`,
      read.failure,
      this.webhookNotSet()
    )
    return undefined
  }

  /** The app subscribed to the WABA, subscribing it when it is not; false when it is not. */
  private async subscription(app: App): Promise<boolean> {
    const { wabaId } = this.asked
    const list = await this.calls.readSubscribedApps(wabaId)
    if (!list.ok) {
      this.notWired(
        `reading the apps subscribed to WhatsApp Business Account ${wabaId} failed, so the subscription of ${appName(app)} cannot be checked`,
        list.failure,
        this.webhookNotSet()
      )
      return false
    }
    const listed = list.value.find(entry => entry.id === app.id)
    if (listed?.name && !app.name) app.name = listed.name
    this.state.subscribed = listed !== undefined
    this.log(
      `Receiving messages: ${appName(app)} is ${listed ? '' : 'not '}subscribed to WhatsApp Business Account ${wabaId}.`
    )
    if (listed) return true
    if (this.context.settings.dryRun) {
      this.state.planned.push(
        `POST ${this.url(`${wabaId}/subscribed_apps`)} (subscribes the token's app)`
      )
      return true
    }
    this.log(`Subscribing the token's app to WhatsApp Business Account ${wabaId}.`)
    const subscribed = await this.calls.subscribe(wabaId)
    if (!subscribed.ok) {
      this.notWired(
        `${appName(app)} is not subscribed to WhatsApp Business Account ${wabaId}, and subscribing it failed`,
        subscribed.failure,
        sentences(
          'Without the subscription no webhooks arrive for its numbers.',
          this.webhookNotSet()
        )
      )
      return false
    }
    const again = await this.calls.readSubscribedApps(wabaId)
    if (!again.ok) {
      this.notWired(
        `the subscribe call succeeded, but reading the subscribed apps again failed, so the subscription of ${appName(app)} is not confirmed`,
        again.failure,
        this.webhookNotSet()
      )
      return false
    }
    this.state.subscribed = again.value.some(entry => entry.id === app.id)
    if (!this.state.subscribed) {
      const other = this.asked.appId
        ? 'The call subscribes the app the access token belongs to: when app-id names another app, use a token of that app.'
        : undefined
      this.notWired(
        sentences(
          `the subscribe call answered success, but ${appName(app)} is still not among the apps subscribed to WhatsApp Business Account ${wabaId}.`,
          other,
          this.webhookNotSet()
        ) ?? ''
      )
      return false
    }
    this.state.subscribedNow = true
    this.log(
      `Subscribed: ${appName(app)} now receives the webhooks of WhatsApp Business Account ${wabaId}.`
    )
    return true
  }

  /** Reads where the number's messages go; sets the override when callback-url asks for another. */
  private async webhook(): Promise<void> {
    const wanted = this.asked.webhook
    const { phoneNumberId, dryRun } = this.context.settings
    const current = await this.calls.readWebhook(phoneNumberId)
    if (!current.ok) {
      const what = "Reading the number's webhook configuration failed"
      if (!wanted) return this.context.warn(describeFailure(what, current.failure))
      return this.notWired(
        `reading the number's webhook configuration failed, so its override to ${wanted.callbackUrl} cannot be checked`,
        current.failure
      )
    }
    this.state.webhook = effectiveWebhook(current.value) ?? null
    this.logWebhook()
    if (!wanted) return
    const override = current.value.phoneNumber
    if (override !== undefined && sameUrl(override, wanted.callbackUrl)) {
      this.log('The webhook override is already callback-url: nothing to change.')
      return
    }
    if (dryRun) {
      this.state.planned.push(
        `POST ${this.url(phoneNumberId)} with webhook_configuration.override_callback_uri (${wanted.callbackUrl}), webhook_configuration.verify_token`
      )
      return
    }
    this.log(`Setting the number's webhook override to ${wanted.callbackUrl}.`)
    const set = await this.calls.setOverride(phoneNumberId, wanted.callbackUrl, wanted.verifyToken)
    if (!set.ok) {
      return this.notWired(
        `setting the number's webhook override to ${wanted.callbackUrl} failed`,
        set.failure,
        OVERRIDE_HINT
      )
    }
    const after = await this.calls.readWebhook(phoneNumberId)
    if (!after.ok) {
      return this.notWired(
        `the override call succeeded, but reading the number's webhook configuration again failed, so the override to ${wanted.callbackUrl} is not confirmed`,
        after.failure
      )
    }
    this.state.webhook = effectiveWebhook(after.value) ?? null
    const readBack = after.value.phoneNumber
    if (readBack === undefined || !sameUrl(readBack, wanted.callbackUrl)) {
      return this.notWired(
        `the override call answered success, but the number's override reads back as ${readBack ?? 'none'}, not ${wanted.callbackUrl}.`
      )
    }
    this.state.overrideSetNow = true
    this.logWebhook()
  }

  private logWebhook(): void {
    const webhook = this.state.webhook
    this.log(
      webhook
        ? `Webhook: Meta sends this number's messages to ${webhook.url} (${webhook.source}).`
        : 'Webhook: no callback URL is set for this number, its WhatsApp Business Account or the app.'
    )
  }

  /** What the failure of a wiring step means for the job: the number is not ready to receive. */
  private notWired(what: string, failure?: Failure, context?: string): void {
    const prefix =
      this.report.result === 'registered'
        ? 'The number is registered, but not wired to receive messages'
        : this.report.result === 'already-registered'
          ? 'The number is already registered, but not wired to receive messages'
          : 'The wiring could not be checked'
    const message = failure
      ? describeFailure(`${prefix}: ${what}`, failure, context)
      : [`${prefix}: ${what}`, context].filter(Boolean).join('\n')
    addUnmet(this.report, message)
  }

  /** With callback-url: the override was not set either (it needs the subscription). */
  private webhookNotSet(): string | undefined {
    const wanted = this.asked.webhook
    return wanted
      ? `The webhook override to ${wanted.callbackUrl} was not set either: it needs the subscription.`
      : undefined
  }

  private url(path: string): string {
    const { graphApiUrl, apiVersion } = this.context.settings
    return `${graphApiUrl}/${apiVersion}/${path}`
  }

  /** Server text (app names, URLs) passes the redactor before it reaches the log. */
  private log(line: string): void {
    this.context.host.info(this.context.redactor.redact(line, MAX_MESSAGE_LENGTH))
  }
}

/** The sentences that are there, joined; undefined when none is. */
function sentences(...parts: (string | undefined)[]): string | undefined {
  const present = parts.filter((part): part is string => part !== undefined && part !== '')
  return present.length === 0 ? undefined : present.join(' ')
}

/** `app 123 (Name)`. */
function appName(app: App): string {
  return `app ${app.id}${app.name ? ` (${app.name})` : ''}`
}
