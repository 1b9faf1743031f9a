/**
 * A stateful fake of the Graph API calls around registering a WhatsApp business phone number:
 * reading and registering it, which the action makes, and the settings edge (local storage),
 * deregister, PIN changes, the token's app, a WABA's subscribed apps and webhook overrides. It
 * keeps each number's state (platform, status, two-step PIN, expected On-Premises backup, local
 * storage, the 10-per-72h budgets), can carry a register call out on a slow backend behind a
 * gateway, and can be scripted to misbehave, so the e2e tests, the demo and the benchmark all run
 * the action against one server we control.
 *
 * Response shapes follow ../shared/docs/graph-api-notes.md and Meta's OpenAPI contract. It listens
 * on 127.0.0.1 only and never prints a request: requests carry the token, the PIN and the backup.
 */
import { randomBytes } from 'node:crypto'
import {
  createServer,
  STATUS_CODES,
  validateHeaderName,
  validateHeaderValue,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse
} from 'node:http'
import type { AddressInfo } from 'node:net'

/** One phone number as the simulator knows it. */
export interface SimNumber {
  /** The phone-number id used in the path: digits only. */
  id: string
  /** As Graph shows it, such as '+1 555-0100'. */
  displayPhoneNumber: string
  /** The approved business display name. */
  verifiedName: string
  /** Where the number is served from; a successful register moves it to CLOUD_API. */
  platformType: 'CLOUD_API' | 'ON_PREMISE' | 'NOT_APPLICABLE'
  /** Such as CONNECTED, PENDING, DISCONNECTED, MIGRATED; a successful register sets CONNECTED. */
  status: string
  /** Two-step verification PIN; null = never set: any 6-digit PIN is accepted and becomes the PIN. */
  pin: string | null
  /** Display-name review state (read field name_status). Default 'APPROVED'. */
  nameStatus?: string
  /** Read field code_verification_status. Default 'VERIFIED'. */
  codeVerificationStatus?: string
  /** Also used in the WhatsApp Business app (coexistence): register is refused. Default false. */
  isOnBizApp?: boolean
  /** Read field throughput.level. Default 'STANDARD'. */
  throughputLevel?: string
  /** Read field quality_rating. Default 'GREEN'. Like every text field, any string goes. */
  qualityRating?: string
  /** Read field account_mode. Default 'LIVE'. */
  accountMode?: string
  /** When set, the number awaits a migration: a register call must send exactly this backup. */
  backup?: { data: string; password: string }
  /** Every register call is carried out by a slow backend, maybe behind a gateway that gives up. */
  slowRegister?: SlowBackend
  /** Local storage, read and written through the settings edge. Default { status: 'default' }. */
  storage?: SimStorage
  /** The WhatsApp Business Account the number belongs to (see GraphSimulatorOptions.wabas). */
  wabaId?: string
  /** The number's alternate webhook callback URL (webhook_configuration.phone_number). */
  overrideCallbackUri?: string
}

/** The app an access token belongs to. */
export interface SimApp {
  id: string
  name: string
  /** As Graph shows it. Default https://www.facebook.com/games/?app_id=<id>. */
  link?: string
  /** The app's own webhook callback URL (webhook_configuration.application); none by default. */
  callbackUri?: string
}

/** A WhatsApp Business Account (WABA). */
export interface SimWaba {
  id: string
  /** The apps subscribed to the WABA's webhooks; link as in SimApp. */
  subscribedApps: { id: string; name: string; link?: string }[]
  /**
   * The WABA's alternate callback URL (webhook_configuration.whatsapp_business_account). Graph
   * keeps one per app; the simulator keeps one per WABA and shows it on every subscribed app.
   */
  overrideCallbackUri?: string
}

/** A token that lacks a permission, or access to the assets, on some routes. */
export interface TokenPermissions {
  /** The routes it is refused on, or 'all'. */
  deny: ScriptedRoute[] | 'all'
  /**
   * 200 (default): "(#200) Permissions error"; 10: "(#10) Application does not have permission for
   * this action". Both with HTTP 403 (graph-api-notes.md, Errors: 0, 10, 200-299).
   */
  code?: 10 | 200
}

/**
 * The status of local storage. The settings reference writes it in lower case, Meta's local-storage
 * guide in upper case (graph-api-notes.md, "Local storage"): a number configured in upper case is
 * answered in upper case, and keeps that case when the status changes.
 */
export type StorageStatus =
  'default' | 'in_country_storage_enabled' | 'DEFAULT' | 'IN_COUNTRY_STORAGE_ENABLED'

/** Local storage (data localization) of a number: where its message content rests. */
export interface SimStorage {
  status: StorageStatus
  /** The data_localization_region, such as 'DE'; set when in-country storage is enabled. */
  region?: string
}

/**
 * A backend that takes `backendMs` to carry out a call, behind a gateway that may answer first.
 * The state changes when the backend finishes, `backendMs` after the request arrived, whatever the
 * gateway or the client did meanwhile: "the gateway said 504, but the number was registered".
 */
export interface SlowBackend {
  /** The backend finishes (and the number changes) this long after the request arrived. */
  backendMs: number
  /**
   * The gateway answers this long after the request arrived, unless the backend finished first.
   * Default: no gateway, the backend's own answer comes after backendMs.
   */
  gatewayMs?: number
  /** The gateway's HTTP status. Default 504. */
  gatewayStatus?: number
  /** The gateway's text/html body. Default: a proxy's page for the status, such as 504 Gateway Time-out. */
  gatewayBody?: string
}

/** What a request was recognised as; faults are scripted per route. */
export type Route =
  | 'register'
  | 'read'
  | 'settings'
  | 'deregister'
  | 'pin'
  | 'webhook'
  | 'subscribed_apps'
  | 'app'
  | 'other'

/** The routes that take scripted faults: every route but 'other'. */
export type ScriptedRoute = Exclude<Route, 'other'>

/** Narrows a scripted fault to requests with this method, for routes that serve more than one. */
export interface ScriptOptions {
  method?: 'GET' | 'POST' | 'DELETE'
}

/** A misbehaviour for one request, taken from the queue of its route (see GraphSimulator.script). */
export type Fault =
  /** A canned response, such as an HTML page, an empty or truncated body or a redirect. State is not changed. */
  | { kind: 'respond'; status: number; body: string; headers?: Record<string, string> }
  /** A real-shaped Graph error. State is not changed. */
  | {
      kind: 'graph-error'
      status: number
      code: number
      subcode?: number
      message?: string
      /** Default 'OAuthException'. */
      type?: string
      isTransient?: boolean
      /** Becomes error_data.details, as Meta sends it for 133004 or 133008. */
      details?: string
      headers?: Record<string, string>
    }
  /** Accept the request and never answer (until stop()). State is not changed. */
  | { kind: 'hang' }
  /** Process the request (state changes) but never answer: "timed out, but it went through". */
  | { kind: 'process-then-hang' }
  /** Wait, then behave normally. */
  | { kind: 'delay'; ms: number }
  /** Reset the connection once the request has arrived, without processing it. */
  | { kind: 'reset-before' }
  /** Process the request (state changes), then reset the connection without answering. */
  | { kind: 'reset-after' }
  /** Send the headers (with the full Content-Length), then the body a few bytes at a time. */
  | { kind: 'trickle'; status: number; body: string; bytesPerChunk: number; intervalMs: number }
  /** A Graph error body that is `bytes` bytes long. State is not changed. */
  | { kind: 'huge'; status: number; bytes: number }
  /** A slow backend behind a gateway, for this one request (see SlowBackend). */
  | ({ kind: 'slow-backend' } & SlowBackend)

/** One request as it reached the simulator, in arrival order. */
export interface RecordedRequest {
  method: string
  /** The path without the query string. */
  path: string
  /** The query parameters (a repeated name keeps its last value). */
  query: Record<string, string>
  /** Header names are lower case, as node gives them. */
  headers: IncomingHttpHeaders
  /** The raw body. */
  body: string
  /** The body parsed as JSON; undefined when it is empty or not JSON. */
  json: unknown
  route: Route
  /** The API version from the path, such as 'v23.0'; undefined when the path has none. */
  version?: string
  /** The phone-number id from the path, for the routes of a number; undefined for the others. */
  numberId?: string
  /** The id from the path (a number's or a WABA's); undefined for routes 'app' and 'other'. */
  objectId?: string
  /** The simulator's clock (`now`) when the request had been read. */
  receivedAt: number
}

export interface GraphSimulatorOptions {
  /** The numbers that exist; copied, so the caller's objects never change. */
  numbers: SimNumber[]
  /** Access tokens that are accepted; any other token, or none, is answered with code 190. */
  tokens: string[]
  /** Clock in milliseconds for the register budget and receivedAt. Default Date.now. */
  now?: () => number
  /** Register success as {"success":true} (default) or {"success":"true"}, as Meta's docs show both. */
  successShape?: 'boolean' | 'string'
  /** Read fields answered as nonexistent, as an older Graph version would. */
  unknownFields?: string[]
  /** When set, every response carries this X-Ad-Api-Version-Warning header. */
  versionWarning?: string
  /**
   * Serialise every JSON response as Graph does, each non-ASCII character as \uXXXX ("Caf\u00e9",
   * an emoji as its two surrogates), error messages that echo a request value included. Canned
   * bodies of faults are sent as given. Default false: plain UTF-8.
   */
  escapeNonAscii?: boolean
  /** Also write every '/' in JSON responses as '\/', as PHP-style encoders do. Default false. */
  escapeSlashes?: boolean
  /**
   * Headers sent on every response, over the simulator's own (such as `www-authenticate` on a 401)
   * but under a fault's. An `x-fb-trace-id` here replaces the generated one, and Graph error bodies
   * then carry it as fbtrace_id. Values must be what node can send (tab, visible ASCII and
   * Latin-1; no line breaks or other control characters): the constructor checks.
   */
  responseHeaders?: Record<string, string>
  /**
   * Register and deregister calls spend one shared 10-per-72h budget, as some sources say. Default
   * false: each has its own (graph-api-notes.md, "Rate limit" and "Deregister").
   */
  sharedRegisterBudget?: boolean
  /**
   * What a number reads as after a deregister: no longer on CLOUD_API (graph-api-notes.md).
   * Default { platformType: 'NOT_APPLICABLE', status: 'DISCONNECTED' }.
   */
  afterDeregister?: { platformType: SimNumber['platformType']; status: string }
  /** WhatsApp Business Accounts, for subscribed_apps and webhook overrides; copied. */
  wabas?: SimWaba[]
  /** The app each access token belongs to, by token. A token not listed belongs to DEFAULT_APP. */
  apps?: Record<string, SimApp>
  /** Tokens refused with a permission error on some routes, by token. */
  permissions?: Record<string, TokenPermissions>
  /**
   * Callback URLs whose verification fails, as when the endpoint is down; a URL fails when it
   * starts with one of these. Meta verifies a callback while an override is being set.
   */
  unreachableCallbacks?: string[]
  /** Port to listen on. Default 0: any free port. */
  port?: number
  /** Loopback address to listen on: IPv4 (default) or IPv6, whose URL has brackets. */
  host?: '127.0.0.1' | '::1'
}

/** The app of a token that GraphSimulatorOptions.apps does not list. */
export const DEFAULT_APP: SimApp = { id: '100000000000001', name: 'Graph Simulator App' }

/** Meta's budget: 10 register calls per number in a 72-hour moving window. */
export const REGISTER_LIMIT = 10
export const REGISTER_WINDOW_MS = 72 * 60 * 60 * 1000

/** The spec's data_localization_region enum. */
const REGIONS = ['AE', 'AU', 'BH', 'BR', 'CA', 'CH', 'DE', 'GB', 'ID', 'IN', 'JP', 'KR', 'SG', 'ZA']

/** What a read without `fields` returns, per the contract. */
const DEFAULT_FIELDS = ['id', 'display_phone_number', 'verified_name', 'quality_rating']

/** /{version}/{id} or /{version}/{id}/{edge}. */
const PATH = /^\/(v\d+\.\d+)\/([^/]+)(?:\/([^/]+))?$/

/** Methods that never change anything. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

interface GraphError {
  message: string
  type: string
  code: number
  error_subcode?: number
  error_user_title?: string
  error_user_msg?: string
  error_data?: { messaging_product: 'whatsapp'; details: string }
  is_transient?: boolean
}

/**
 * A response to send: a literal body, a value to send as JSON, or a Graph error that gets the
 * response's fbtrace_id.
 */
type Reply = { status: number; headers?: Record<string, string> } & (
  { body: string } | { json: unknown } | { error: GraphError }
)

export class GraphSimulator {
  private readonly numbers = new Map<string, SimNumber>()
  private readonly wabas = new Map<string, SimWaba>()
  private readonly tokens: Set<string>
  private readonly unknownFields: Set<string>
  private readonly now: () => number
  private readonly options: GraphSimulatorOptions
  private readonly recorded: RecordedRequest[] = []
  private readonly faults: Record<ScriptedRoute, { fault: Fault; method?: string }[]> = {
    register: [],
    read: [],
    settings: [],
    deregister: [],
    pin: [],
    webhook: [],
    subscribed_apps: [],
    app: []
  }
  /** Counted calls per budget ('register' or 'deregister') and number id, oldest first. */
  private readonly attempts = new Map<string, number[]>()
  /** Requests on their way through the backend per route and object id, and the most at once. */
  private readonly inFlight = new Map<string, number>()
  private readonly mostInFlight = new Map<string, number>()
  /** Pending delay and trickle timers, cleared by stop() so they never keep the process alive. */
  private readonly timers = new Set<NodeJS.Timeout>()
  private server: Server | undefined
  private stopped = false

  constructor(options: GraphSimulatorOptions) {
    this.options = options
    for (const number of options.numbers) this.numbers.set(number.id, structuredClone(number))
    for (const waba of options.wabas ?? []) this.wabas.set(waba.id, structuredClone(waba))
    this.tokens = new Set(options.tokens)
    this.unknownFields = new Set(options.unknownFields)
    this.now = options.now ?? Date.now
    for (const [name, value] of Object.entries(options.responseHeaders ?? {})) {
      try {
        validateHeaderName(name)
        validateHeaderValue(name, value)
      } catch {
        throw new Error(
          `responseHeaders: node cannot send the header ${JSON.stringify(name)} as given`
        )
      }
    }
  }

  /** Every request received so far, in arrival order. */
  get requests(): readonly RecordedRequest[] {
    return this.recorded
  }

  /** Listens on 127.0.0.1 and resolves the base URL, such as http://127.0.0.1:40123. */
  async start(): Promise<string> {
    if (this.server || this.stopped) throw new Error('A simulator starts once; create a new one')
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        // A request cut off while its body was read has no one left to answer; anything else is
        // a bug of the simulator, shown as a plain 500 so that it cannot pass for a Graph error.
        if (res.headersSent || res.destroyed) return
        res.writeHead(500, { 'content-type': 'text/plain' })
        res.end(`simulator error: ${error instanceof Error ? error.message : String(error)}`)
      })
    })
    this.server = server
    const host = this.options.host ?? '127.0.0.1'
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const { port } = server.address() as AddressInfo
    return host === '::1' ? `http://[::1]:${port}` : `http://127.0.0.1:${port}`
  }

  /** Closes the server and every connection, hanging ones included, and cancels pending timers. */
  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await new Promise<void>((resolve, reject) => {
      server.close(error => (error ? reject(error) : resolve()))
      server.closeAllConnections()
    })
  }

  /**
   * Queues faults for a route: each later request on that route takes the next one; when the queue
   * is empty the simulator behaves normally. Calls append to the queue. With a method, only a
   * request with that method takes these faults.
   */
  script(route: ScriptedRoute, faults: Fault[], options: ScriptOptions = {}): void {
    this.faults[route].push(...faults.map(fault => ({ fault, method: options.method })))
  }

  /** The next queued fault for a request, taken off the queue; undefined when none applies. */
  private takeFault(request: RecordedRequest): Fault | undefined {
    if (request.route === 'other') return undefined
    const queue = this.faults[request.route]
    const at = queue.findIndex(f => f.method === undefined || f.method === request.method)
    return at < 0 ? undefined : queue.splice(at, 1)[0].fault
  }

  /**
   * Every request that could have changed something: any method but GET, HEAD and OPTIONS, on any
   * path, known or not. Empty means "no write of any kind".
   */
  writes(): RecordedRequest[] {
    return this.recorded.filter(r => !READ_METHODS.has(r.method))
  }

  /** The register requests received, for every number or for one id. */
  registerCalls(id?: string): RecordedRequest[] {
    return this.recorded.filter(
      r => r.route === 'register' && (id === undefined || r.numberId === id)
    )
  }

  /**
   * The most register calls for one number that were in flight at once: from the arrival of a call
   * until the backend was done with it (processed it, or dropped it without processing), however
   * early the gateway or the client gave up. A call left hanging counts until its connection closes.
   * 0 when the number never got one; a client that never overlaps its calls sees 1.
   */
  maxConcurrentRegisterCalls(id: string): number {
    return this.maxConcurrent('register', id)
  }

  /** Like maxConcurrentRegisterCalls, for any route and the id in its path. */
  maxConcurrent(route: Route, id: string): number {
    return this.mostInFlight.get(`${route} ${id}`) ?? 0
  }

  /** A copy of a WABA's current state. */
  waba(id: string): SimWaba {
    const waba = this.wabas.get(id)
    if (!waba) throw new Error(`The simulator has no WABA ${id}`)
    return structuredClone(waba)
  }

  /** A copy of a number's current state. */
  number(id: string): SimNumber {
    const number = this.numbers.get(id)
    if (!number) throw new Error(`The simulator has no number ${id}`)
    return structuredClone(number)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    const match = PATH.exec(url.pathname)
    const json = parseJson(body)
    const route: Route = match ? routeOf(method, match[2], match[3], json) : 'other'
    const objectId =
      route === 'other' || route === 'app' ? undefined : decodePathSegment(match?.[2] ?? '')
    const request: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      json,
      route,
      version: match?.[1],
      numberId: route === 'subscribed_apps' ? undefined : objectId,
      objectId,
      receivedAt: this.now()
    }
    this.recorded.push(request)

    const traceId = newTraceId()
    const done = this.track(request)
    const fault = this.takeFault(request)
    switch (fault?.kind) {
      case undefined: {
        const slow =
          route === 'register' ? this.numbers.get(request.numberId ?? '')?.slowRegister : undefined
        if (slow) return this.slowBackend(res, traceId, request, slow, done)
        const reply = this.process(request)
        done()
        return this.send(res, traceId, reply)
      }
      case 'respond':
        done()
        return this.send(res, traceId, { status: fault.status, body: fault.body }, fault.headers)
      case 'graph-error':
        done()
        return this.send(
          res,
          traceId,
          {
            status: fault.status,
            error: {
              message: fault.message ?? `(#${fault.code}) Simulated error`,
              type: fault.type ?? 'OAuthException',
              code: fault.code,
              error_subcode: fault.subcode,
              error_data:
                fault.details === undefined
                  ? undefined
                  : { messaging_product: 'whatsapp', details: fault.details },
              is_transient: fault.isTransient
            }
          },
          fault.headers
        )
      case 'hang':
        // Nothing will process it, but the caller cannot know that until it gives up.
        res.once('close', done)
        return
      case 'process-then-hang':
        this.process(request)
        done()
        return
      case 'delay': {
        await new Promise<void>(resolve => this.later(fault.ms, resolve))
        const reply = this.process(request)
        done()
        return this.send(res, traceId, reply)
      }
      case 'reset-before':
        done()
        req.socket.resetAndDestroy()
        return
      case 'reset-after':
        this.process(request)
        done()
        req.socket.resetAndDestroy()
        return
      case 'trickle':
        done()
        return this.trickle(res, traceId, fault)
      case 'huge':
        done()
        return this.send(res, traceId, { status: fault.status, body: hugeBody(fault.bytes) })
      case 'slow-backend':
        return this.slowBackend(res, traceId, request, fault, done)
    }
  }

  /** Counts the request as in flight; the callback, safe to call twice, counts it out again. */
  private track(request: RecordedRequest): () => void {
    if (request.objectId === undefined) return () => undefined
    const key = `${request.route} ${request.objectId}`
    const now = (this.inFlight.get(key) ?? 0) + 1
    this.inFlight.set(key, now)
    this.mostInFlight.set(key, Math.max(now, this.mostInFlight.get(key) ?? 0))
    let counted = true
    return () => {
      if (counted) this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1)
      counted = false
    }
  }

  /** The gateway may answer at gatewayMs; the backend carries the request out at backendMs. */
  private slowBackend(
    res: ServerResponse,
    traceId: string,
    request: RecordedRequest,
    slow: SlowBackend,
    done: () => void
  ): void {
    let answered = false
    if (slow.gatewayMs !== undefined && slow.gatewayMs < slow.backendMs) {
      this.later(slow.gatewayMs, () => {
        answered = true
        this.send(res, traceId, gatewayReply(slow.gatewayStatus ?? 504, slow.gatewayBody))
      })
    }
    this.later(slow.backendMs, () => {
      const reply = this.process(request)
      done()
      if (!answered) this.send(res, traceId, reply)
    })
  }

  /** What the real API would answer; a call that succeeds changes the state as Graph would. */
  private process(request: RecordedRequest): Reply {
    if (request.route === 'other') {
      return graphError(400, {
        message:
          `Unsupported ${request.method.toLowerCase()} request. The simulator does not serve ` +
          `${request.method} ${request.path}: see the routes in sim/graph-simulator.ts.`,
        type: 'GraphMethodException',
        code: 100
      })
    }
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
    if (token === undefined || !this.tokens.has(token)) {
      return {
        status: 401,
        headers: { 'www-authenticate': 'OAuth "Facebook Platform" "invalid_token"' },
        error: {
          message: 'Invalid OAuth access token - Cannot parse access token',
          type: 'OAuthException',
          code: 190
        }
      }
    }
    const denied = this.permissionError(token, request.route)
    if (denied) return denied
    const app = this.options.apps?.[token] ?? DEFAULT_APP
    if (request.route === 'app') {
      return { status: 200, json: { id: app.id, name: app.name, link: linkOf(app) } }
    }
    if (request.route === 'subscribed_apps') {
      const waba = this.wabas.get(request.objectId ?? '')
      if (!waba) return unknownObject(request.method, request.objectId ?? '')
      return this.subscribedApps(waba, request, app)
    }
    const number = this.numbers.get(request.numberId ?? '')
    if (!number) return unknownObject(request.method, request.numberId ?? '')
    switch (request.route) {
      case 'read':
        return this.read(number, request.query.fields, app)
      case 'webhook':
        return this.setWebhook(number, request.json, app)
      case 'register':
        return this.register(number, request)
      case 'settings':
        return request.method === 'GET' ? settingsOf(number) : this.updateSettings(number, request)
      case 'deregister':
        return this.deregister(number, request)
      case 'pin': {
        const pin = isObject(request.json) ? request.json.pin : undefined
        const refused = pinRefusal(number, pin)
        if (refused) return refused
        number.pin = pin as string
        return { status: 200, json: { success: true } }
      }
    }
  }

  private read(number: SimNumber, fields: string | undefined, app: SimApp): Reply {
    const names = fields === undefined ? DEFAULT_FIELDS : fields.split(',').map(f => f.trim())
    const result: Record<string, unknown> = { id: number.id }
    for (const name of names.filter(Boolean)) {
      const value = this.unknownFields.has(name)
        ? undefined
        : name === 'webhook_configuration'
          ? this.webhookConfiguration(number, app)
          : fieldValue(number, name)
      if (value === undefined) {
        return graphError(400, {
          message: `(#100) Tried accessing nonexisting field (${name}) on node type (WhatsAppBusinessPhoneNumber)`,
          type: 'OAuthException',
          code: 100
        })
      }
      result[name] = value
    }
    return { status: 200, json: result }
  }

  /**
   * Spends one call of a number's 10-per-72h budget, or answers 133016 when it is used up. Every
   * call that reaches the number spends budget, even one with a bad body; a call refused by the
   * limit itself does not, so the window frees up 72 h after the oldest counted call. A call counts
   * from its arrival, even when a slow backend carries it out later.
   */
  private spend(budget: 'register' | 'deregister', request: RecordedRequest): Reply | undefined {
    const key = `${this.options.sharedRegisterBudget ? 'register' : budget} ${request.numberId}`
    const now = request.receivedAt
    const recent = (this.attempts.get(key) ?? []).filter(t => t > now - REGISTER_WINDOW_MS)
    if (recent.length >= REGISTER_LIMIT) {
      this.attempts.set(key, recent)
      return graphError(400, {
        message: 'Rate limit exceeded: too many register/deregister attempts',
        type: 'OAuthException',
        code: 133016,
        error_data: {
          messaging_product: 'whatsapp',
          details:
            'Too many register or deregister attempts for this phone number. Try again later.'
        }
      })
    }
    this.attempts.set(key, [...recent, now])
    return undefined
  }

  private register(number: SimNumber, request: RecordedRequest): Reply {
    const refused = this.spend('register', request)
    if (refused) return refused
    const body = registerBody(request.json)
    if (typeof body === 'string') {
      return graphError(400, { message: body, type: 'OAuthException', code: 100 })
    }
    if (number.isOnBizApp) {
      return graphError(400, {
        message: 'Register endpoint is not available for SMB businesses',
        type: 'OAuthException',
        code: 100
      })
    }
    // From v21 the body's region is deprecated and ignored, unless it contradicts the region set
    // through the settings edge (graph-api-notes.md, "Local storage"). Up to v20 it sets the region.
    const storage = number.storage ?? { status: 'default' }
    const modern = versionMajor(request.version) >= 21
    if (
      modern &&
      body.region !== undefined &&
      storageEnabled(storage) &&
      storage.region !== undefined &&
      body.region !== storage.region
    ) {
      return graphError(400, {
        message: `Expected data localization region: '${storage.region}'`,
        type: 'OAuthException',
        code: 100
      })
    }
    if (number.pin !== null && number.pin !== body.pin) {
      return graphError(400, {
        message: 'Two step verification PIN Mismatch',
        type: 'OAuthException',
        code: 133005,
        error_user_title: 'Two step verification PIN Mismatch',
        error_user_msg:
          'The PIN does not match the two-step verification PIN of this phone number.',
        error_data: {
          messaging_product: 'whatsapp',
          details: 'Two step verification PIN Mismatch'
        }
      })
    }
    if (
      number.backup &&
      (body.backup?.data !== number.backup.data || body.backup.password !== number.backup.password)
    ) {
      return graphError(400, {
        message: '(#100) Invalid backup data or password',
        type: 'OAuthException',
        code: 100
      })
    }

    number.pin = body.pin
    if (!modern && body.region !== undefined) {
      number.storage = { status: withCaseOf(storage.status, true), region: body.region }
    }
    number.platformType = 'CLOUD_API'
    number.status = 'CONNECTED'
    delete number.backup // migrated: the backup has been consumed
    const success = this.options.successShape === 'string' ? 'true' : true
    return { status: 200, json: { success } }
  }

  /** A token's permission error on a route, or undefined when it may use the route. */
  private permissionError(token: string, route: ScriptedRoute): Reply | undefined {
    const rule = this.options.permissions?.[token]
    if (!rule || (rule.deny !== 'all' && !rule.deny.includes(route))) return undefined
    return rule.code === 10
      ? graphError(403, {
          message: '(#10) Application does not have permission for this action',
          type: 'OAuthException',
          code: 10
        })
      : graphError(403, { message: '(#200) Permissions error', type: 'OAuthException', code: 200 })
  }

  /**
   * The read field webhook_configuration: where messages webhooks for the number go, for the
   * token's app. Each level appears only when set (graph-api-notes.md, "Webhook override").
   */
  private webhookConfiguration(number: SimNumber, app: SimApp): Record<string, string> {
    const levels: Record<string, string | undefined> = {
      phone_number: number.overrideCallbackUri,
      whatsapp_business_account: this.wabas.get(number.wabaId ?? '')?.overrideCallbackUri,
      application: app.callbackUri
    }
    return Object.fromEntries(
      Object.entries(levels).filter((entry): entry is [string, string] => entry[1] !== undefined)
    )
  }

  /** GET, POST and DELETE /{version}/{waba-id}/subscribed_apps, for the token's app. */
  private subscribedApps(waba: SimWaba, request: RecordedRequest, app: SimApp): Reply {
    const subscribed = waba.subscribedApps.some(a => a.id === app.id)
    if (request.method === 'GET') {
      const override = waba.overrideCallbackUri
      return {
        status: 200,
        json: {
          data: waba.subscribedApps.map(a => ({
            whatsapp_business_api_data: { id: a.id, name: a.name, link: linkOf(a) },
            ...(override === undefined ? {} : { override_callback_uri: override })
          }))
        }
      }
    }
    if (request.method === 'DELETE') {
      waba.subscribedApps = waba.subscribedApps.filter(a => a.id !== app.id)
      if (waba.subscribedApps.length === 0) delete waba.overrideCallbackUri
      return { status: 200, json: { success: true } }
    }
    const body = isObject(request.json) ? request.json : {}
    if (body.override_callback_uri === undefined) {
      if (!subscribed) waba.subscribedApps.push({ id: app.id, name: app.name, link: app.link })
      return { status: 200, json: { success: true } }
    }
    const refused =
      callbackRefusal(body.override_callback_uri, body.verify_token, '') ??
      // Subscribing and overriding in one call fails: the app must be subscribed first.
      (subscribed ? undefined : notSubscribed()) ??
      this.verificationRefusal(body.override_callback_uri as string)
    if (refused) return refused
    if (body.override_callback_uri === '') delete waba.overrideCallbackUri
    else waba.overrideCallbackUri = body.override_callback_uri as string
    return { status: 200, json: { success: true } }
  }

  /**
   * POST /{version}/{id} with webhook_configuration (and maybe a pin): the number's alternate
   * callback URL; an empty one removes it. The token's app must be subscribed to the number's WABA,
   * and Meta verifies the URL during the call.
   */
  private setWebhook(number: SimNumber, json: unknown, app: SimApp): Reply {
    const body = isObject(json) ? json : {}
    const config = body.webhook_configuration
    if (!isObject(config)) {
      return graphError(400, {
        message: '(#100) Param webhook_configuration must be an object',
        type: 'OAuthException',
        code: 100
      })
    }
    const uri = config.override_callback_uri
    const waba = this.wabas.get(number.wabaId ?? '')
    const refused =
      callbackRefusal(uri, config.verify_token, 'webhook_configuration') ??
      (body.pin === undefined ? undefined : pinRefusal(number, body.pin)) ??
      (waba?.subscribedApps.some(a => a.id === app.id) ? undefined : notSubscribed()) ??
      this.verificationRefusal(uri as string)
    if (refused) return refused
    if (uri === '') delete number.overrideCallbackUri
    else number.overrideCallbackUri = uri as string
    if (body.pin !== undefined) number.pin = body.pin as string
    return { status: 200, json: { success: true } }
  }

  /**
   * Meta verifies a callback URL while an override is set, so the endpoint must be up; a URL in
   * unreachableCallbacks fails as a connection refused would. An empty URL is not verified.
   */
  private verificationRefusal(uri: string): Reply | undefined {
    if (uri === '' || !(this.options.unreachableCallbacks ?? []).some(p => uri.startsWith(p))) {
      return undefined
    }
    // Graph's code for a failed callback verification (2200), in the wording developers report
    // for Graph webhook subscriptions.
    return graphError(400, {
      message:
        '(#2200) Callback verification failed with the following errors: curl_errno = 7; ' +
        "curl_error = Couldn't connect to server; HTTP Status Code = 0; HTTP Message = Unknown",
      type: 'OAuthException',
      code: 2200
    })
  }

  /** POST /{version}/{id}/deregister: no body; the number leaves Cloud API and local storage. */
  private deregister(number: SimNumber, request: RecordedRequest): Reply {
    const refused = this.spend('deregister', request)
    if (refused) return refused
    // Both refusals are the OpenAPI's examples for this edge, word for word.
    if (number.isOnBizApp) {
      return graphError(400, {
        message: 'Deregister endpoint is not available for API solution for SMB businesses.',
        type: 'OAuthException',
        code: 100
      })
    }
    if (number.platformType !== 'CLOUD_API') {
      return graphError(400, {
        message: 'Phone number not registered on the WhatsApp Business Platform.',
        type: 'OAuthException',
        code: 100,
        error_subcode: 2207051
      })
    }
    const after = this.options.afterDeregister ?? {
      platformType: 'NOT_APPLICABLE',
      status: 'DISCONNECTED'
    }
    number.platformType = after.platformType
    number.status = after.status
    // Deregistering turns local storage off (graph-api-notes.md, "Local storage").
    number.storage = { status: withCaseOf(number.storage?.status ?? 'default', false) }
    return { status: 200, json: { success: true } }
  }

  /** POST /{version}/{id}/settings: one feature a call; only storage_configuration is modelled. */
  private updateSettings(number: SimNumber, request: RecordedRequest): Reply {
    const body = isObject(request.json) ? request.json : {}
    const features = SETTINGS_FEATURES.filter(name => body[name] !== undefined)
    // Both messages are the OpenAPI's (BadRequest example, and the edge's description).
    if (features.length === 0) {
      return graphError(400, {
        message: 'One feature setting must be specified',
        type: 'OAuthException',
        code: 100
      })
    }
    if (features.length > 1) {
      return graphError(400, {
        message: 'Only one feature setting can be specified per request',
        type: 'OAuthException',
        code: 100
      })
    }
    if (features[0] !== 'storage_configuration') return { status: 200, json: { success: true } }

    const wanted = storageSetting(body.storage_configuration)
    if (typeof wanted === 'string') {
      return graphError(400, { message: wanted, type: 'OAuthException', code: 100 })
    }
    // Neither refusal below has a recorded wording; both are parameter errors of this edge, whose
    // only documented 400 is code 100 (OpenAPI, BadRequest), and the rules are graph-api-notes.md's.
    if (number.isOnBizApp) {
      return graphError(400, {
        message:
          '(#100) Local storage is not supported for a phone number that also uses the ' +
          'WhatsApp Business app',
        type: 'OAuthException',
        code: 100
      })
    }
    if (number.platformType === 'CLOUD_API') {
      return graphError(400, {
        message:
          '(#100) Local storage can only be changed while the phone number is not registered: ' +
          'deregister it, change the setting, then register it again',
        type: 'OAuthException',
        code: 100
      })
    }
    const status = withCaseOf(number.storage?.status ?? 'default', wanted.enabled)
    number.storage = wanted.enabled ? { status, region: wanted.region } : { status }
    return { status: 200, json: { success: true } }
  }

  /** Sends a reply; `overrides` (a fault's headers) win over every other header. */
  private send(
    res: ServerResponse,
    traceId: string,
    reply: Reply,
    overrides: Record<string, string> = {}
  ): void {
    if (this.stopped || res.destroyed) return
    const headers = this.headers(traceId, reply.headers, overrides)
    const body =
      'error' in reply
        ? this.encode({ error: { ...reply.error, fbtrace_id: headers['x-fb-trace-id'] } })
        : 'json' in reply
          ? this.encode(reply.json)
          : reply.body
    const bytes = Buffer.from(body)
    res.writeHead(reply.status, { 'content-length': String(bytes.length), ...headers })
    // A Buffer, not a string: node writes the headers of a string body in the body's encoding,
    // which would send a Latin-1 header value as UTF-8.
    res.end(bytes)
  }

  /** JSON as this Graph writes it: see escapeNonAscii and escapeSlashes. */
  private encode(value: unknown): string {
    let json = JSON.stringify(value)
    // Outside strings JSON has neither non-ASCII characters nor '/', so both replacements only
    // touch string contents, and the result parses back to the same value.
    if (this.options.escapeNonAscii) {
      json = json.replace(
        /[\u0080-\uffff]/g,
        c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
      )
    }
    if (this.options.escapeSlashes) json = json.replaceAll('/', '\\/')
    return json
  }

  private trickle(res: ServerResponse, traceId: string, fault: Fault & { kind: 'trickle' }): void {
    const bytes = Buffer.from(fault.body)
    res.writeHead(fault.status, {
      'content-length': String(bytes.length),
      ...this.headers(traceId)
    })
    res.flushHeaders()
    let offset = 0
    const next = (): void => {
      if (res.destroyed) return
      const chunk = bytes.subarray(offset, offset + Math.max(1, fault.bytesPerChunk))
      offset += chunk.length
      if (offset >= bytes.length) {
        res.end(chunk)
      } else {
        res.write(chunk)
        this.later(fault.intervalMs, next)
      }
    }
    this.later(fault.intervalMs, next)
  }

  /**
   * Headers of a response, later ones winning: the defaults, the reply's own, responseHeaders, then
   * a fault's. Names are lower-cased so that each layer overrides regardless of case.
   */
  private headers(
    traceId: string,
    own: Record<string, string> = {},
    overrides: Record<string, string> = {}
  ): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=UTF-8',
      'x-fb-trace-id': traceId
    }
    if (this.options.versionWarning !== undefined) {
      headers['x-ad-api-version-warning'] = this.options.versionWarning
    }
    for (const layer of [own, this.options.responseHeaders ?? {}, overrides]) {
      for (const [name, value] of Object.entries(layer)) headers[name.toLowerCase()] = value
    }
    return headers
  }

  private later(ms: number, callback: () => void): void {
    if (this.stopped) return
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      callback()
    }, ms)
    this.timers.add(timer)
  }
}

/** The route of a request to /{version}/{id}[/{edge}]; a POST to the number by what it changes. */
function routeOf(method: string, id: string, edge: string | undefined, json: unknown): Route {
  if (id === 'app') return edge === undefined && method === 'GET' ? 'app' : 'other'
  if (edge === undefined && method === 'GET') return 'read'
  if (edge === undefined && method === 'POST' && isObject(json)) {
    if (json.webhook_configuration !== undefined) return 'webhook'
    if (json.pin !== undefined) return 'pin'
  }
  if (edge === 'subscribed_apps' && ['GET', 'POST', 'DELETE'].includes(method)) {
    return 'subscribed_apps'
  }
  if (edge === 'register' && method === 'POST') return 'register'
  if (edge === 'settings' && (method === 'GET' || method === 'POST')) return 'settings'
  if (edge === 'deregister' && method === 'POST') return 'deregister'
  return 'other'
}

/** The major version of a path's 'v23.0'; 0 when there is none. */
function versionMajor(version: string | undefined): number {
  return Number(/^v(\d+)\./.exec(version ?? '')?.[1] ?? 0)
}

/** Graph's answer for an id that is not there, or not there for this token. */
function unknownObject(method: string, id: string): Reply {
  return graphError(400, {
    message:
      `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, ` +
      'cannot be loaded due to missing permissions, or does not support this operation',
    type: 'GraphMethodException',
    code: 100,
    error_subcode: 33
  })
}

/**
 * Why Graph refuses a PIN change (POST /{version}/{id} with {"pin":"123456"}), or undefined. It
 * sets or changes the two-step PIN of a registered number (graph-api-notes.md, "Two-step PIN");
 * the PIN is checked before the number's state.
 */
function pinRefusal(number: SimNumber, pin: unknown): Reply | undefined {
  if (typeof pin !== 'string') {
    return graphError(400, {
      message: '(#100) Param pin must be a string',
      type: 'OAuthException',
      code: 100
    })
  }
  // An empty PIN is refused like any other that is not 6 digits: two-step verification cannot be
  // turned off through the API, only in WhatsApp Manager.
  if (!/^\d{6}$/.test(pin)) {
    return graphError(400, {
      message: '(#100) Param pin must be 6 digits',
      type: 'OAuthException',
      code: 100
    })
  }
  if (number.platformType !== 'CLOUD_API') {
    // 133010 is the Cloud API's code for a number not registered on the platform (notes, Errors).
    return graphError(400, {
      message: 'Phone number Not Registered',
      type: 'OAuthException',
      code: 133010,
      error_data: {
        messaging_product: 'whatsapp',
        details: 'The phone number is not registered on the WhatsApp Business Platform.'
      }
    })
  }
  return undefined
}

/**
 * An override while the token's app is not subscribed to the WABA: code 100 in the wording that
 * developers report (Meta's override guide: subscribe the app first).
 */
function notSubscribed(): Reply {
  return graphError(400, {
    message:
      '(#100) Before override the current callback uri, your app must be subscribed to receive ' +
      'messages for WhatsApp Business Account.',
    type: 'OAuthException',
    code: 100
  })
}

/**
 * Why Graph refuses an override_callback_uri and verify_token, or undefined when it takes them.
 * `within` names the object that holds them, for the messages. Meta's override guide: both are
 * required and the URL is at most 200 characters; callbacks are https. An empty URL removes the
 * override and needs no verify_token.
 */
function callbackRefusal(uri: unknown, verifyToken: unknown, within: string): Reply | undefined {
  const param = (name: string): string => (within === '' ? name : `${within}[${name}]`)
  const refuse = (message: string): Reply =>
    graphError(400, { message: `(#100) ${message}`, type: 'OAuthException', code: 100 })
  const uriParam = param('override_callback_uri')
  const tokenParam = param('verify_token')
  if (uri === undefined) return refuse(`The parameter ${uriParam} is required`)
  if (typeof uri !== 'string') return refuse(`Param ${uriParam} must be a string`)
  if (uri === '') return undefined
  if (!URL.canParse(uri) || new URL(uri).protocol !== 'https:' || uri.length > 200) {
    return refuse(`Param ${uriParam} must be a valid https URL of at most 200 characters`)
  }
  if (verifyToken === undefined) return refuse(`The parameter ${tokenParam} is required`)
  if (typeof verifyToken !== 'string') return refuse(`Param ${tokenParam} must be a string`)
  return undefined
}

/** An app's link as Graph shows it. */
function linkOf(app: { id: string; link?: string }): string {
  return app.link ?? `https://www.facebook.com/games/?app_id=${app.id}`
}

/** The settings features, one of which a POST to the settings edge must carry (OpenAPI). */
const SETTINGS_FEATURES = [
  'calling',
  'user_identity_change',
  'payload_encryption',
  'storage_configuration'
]

/** GET /{version}/{id}/settings: the OpenAPI's required calling and storage_configuration. */
function settingsOf(number: SimNumber): Reply {
  const storage = number.storage ?? { status: 'default' }
  return {
    status: 200,
    json: {
      calling: { status: 'disabled' },
      payload_encryption: { status: 'disabled' },
      storage_configuration:
        storage.region === undefined
          ? { status: storage.status }
          : { status: storage.status, data_localization_region: storage.region }
    }
  }
}

function storageEnabled(storage: SimStorage): boolean {
  return storage.status.toLowerCase() === 'in_country_storage_enabled'
}

/** The status for `enabled`, in the letter case of `current`. */
function withCaseOf(current: StorageStatus, enabled: boolean): StorageStatus {
  const upper = current === current.toUpperCase()
  if (enabled) return upper ? 'IN_COUNTRY_STORAGE_ENABLED' : 'in_country_storage_enabled'
  return upper ? 'DEFAULT' : 'default'
}

/**
 * The storage_configuration of a settings call in the guide's shape, either case of status, or the
 * message that rejects it. The OpenAPI's other shape ({"enabled":true,"region":"…"}) has no status
 * and is rejected: what working integrations send is the guide's (graph-api-notes.md), and a
 * client must not pass here with a shape real Graph may not take.
 */
function storageSetting(value: unknown): string | { enabled: boolean; region?: string } {
  if (!isObject(value)) return '(#100) Param storage_configuration must be an object'
  const { status, data_localization_region: region } = value
  if (status === undefined) return '(#100) The parameter storage_configuration[status] is required'
  const wanted = typeof status === 'string' ? status.toLowerCase() : undefined
  if (wanted !== 'default' && wanted !== 'in_country_storage_enabled') {
    return '(#100) Param storage_configuration[status] must be one of {DEFAULT, IN_COUNTRY_STORAGE_ENABLED}'
  }
  if (wanted === 'default') return { enabled: false }
  if (region === undefined) {
    return '(#100) The parameter storage_configuration[data_localization_region] is required'
  }
  if (typeof region !== 'string' || !REGIONS.includes(region)) {
    return `(#100) Param storage_configuration[data_localization_region] must be one of {${REGIONS.join(', ')}}`
  }
  return { enabled: true, region }
}

function graphError(status: number, error: GraphError): Reply {
  return { status, error }
}

/** The body of a valid register call, or the Graph message that rejects it. */
function registerBody(
  json: unknown
): string | { pin: string; backup?: { data: string; password: string }; region?: string } {
  const body = isObject(json) ? json : {}
  if (body.messaging_product === undefined) {
    return '(#100) The parameter messaging_product is required'
  }
  if (body.messaging_product !== 'whatsapp') {
    return "(#100) Param messaging_product must be 'whatsapp'"
  }
  if (body.pin === undefined) return '(#100) The parameter pin is required'
  if (typeof body.pin !== 'string') return '(#100) Param pin must be a string'
  if (!/^\d{6}$/.test(body.pin)) return '(#100) Param pin must be 6 digits'
  let backup: { data: string; password: string } | undefined
  if (body.backup !== undefined) {
    const { data, password } = isObject(body.backup) ? body.backup : {}
    if (typeof data !== 'string' || data === '') {
      return '(#100) Param backup[data] must be a non-empty string'
    }
    if (typeof password !== 'string' || password === '') {
      return '(#100) Param backup[password] must be a non-empty string'
    }
    backup = { data, password }
  }
  const region = body.data_localization_region
  if (region !== undefined && (typeof region !== 'string' || !REGIONS.includes(region))) {
    return `(#100) Param data_localization_region must be one of {${REGIONS.join(', ')}}`
  }
  return { pin: body.pin, backup, region }
}

/** A read field's value, or undefined for a field Graph does not know. */
function fieldValue(number: SimNumber, field: string): unknown {
  switch (field) {
    case 'id':
      return number.id
    case 'display_phone_number':
      return number.displayPhoneNumber
    case 'verified_name':
      return number.verifiedName
    case 'platform_type':
      return number.platformType
    case 'status':
      return number.status
    case 'code_verification_status':
      return number.codeVerificationStatus ?? 'VERIFIED'
    case 'name_status':
      return number.nameStatus ?? 'APPROVED'
    case 'quality_rating':
      return number.qualityRating ?? 'GREEN'
    case 'is_on_biz_app':
      return number.isOnBizApp ?? false
    case 'throughput':
      return { level: number.throughputLevel ?? 'STANDARD' }
    case 'account_mode':
      return number.accountMode ?? 'LIVE'
    default:
      return undefined
  }
}

/** What a proxy in front of Graph sends when it gives up, nginx style. */
function gatewayReply(status: number, body?: string): Reply {
  const title = `${status} ${GATEWAY_TEXT[status] ?? STATUS_CODES[status] ?? 'Error'}`
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body:
      body ??
      `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
  }
}

const GATEWAY_TEXT: Record<number, string> = {
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out'
}

/** A valid Graph error body of exactly `bytes` bytes (all ASCII), or filler when that is too few. */
function hugeBody(bytes: number): string {
  const head = '{"error":{"message":"'
  const tail = '","type":"OAuthException","code":1}}'
  const room = bytes - head.length - tail.length
  if (room < 0) return 'x'.repeat(Math.max(0, bytes))
  const sentence = 'An unknown error occurred. '
  return head + sentence.repeat(Math.ceil(room / sentence.length)).slice(0, room) + tail
}

/** Like Meta's trace ids: 23 characters of base64url. */
function newTraceId(): string {
  return randomBytes(17).toString('base64url')
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
    req.on('close', () => {
      if (!req.complete) reject(new Error('The request was cut off'))
    })
  })
}

/** A percent-decoded path segment, as Graph echoes it; kept as sent when it does not decode. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

function parseJson(body: string): unknown {
  if (body === '') return undefined
  try {
    return JSON.parse(body) as unknown
  } catch {
    return undefined
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
