import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { HttpClient } from '@actions/http-client'
import type { RequestHandler } from '@actions/http-client/lib/interfaces'
import { USER_AGENT } from './constants.js'
import type { DataLocalizationRegion } from './inputs.js'

/** Enough for any Graph answer; a larger body is cut (and its echo capped again when shown). */
export const MAX_BODY_BYTES = 1024 * 1024

/** A response, read in full (up to MAX_BODY_BYTES) before the deadline. */
export interface HttpExchange {
  status: number
  headers: IncomingHttpHeaders
  body: string
  bodyTruncated: boolean
}

/** The documented register body; `backup` only for a migration. */
export interface RegisterBody {
  messaging_product: 'whatsapp'
  pin: string
  backup?: { data: string; password: string }
  data_localization_region?: DataLocalizationRegion
}

/** A request that got no complete response. Its message never holds request data. */
export class NetworkFailure extends Error {
  constructor(
    /** Short cause, such as `ECONNREFUSED` or `60 s`. */
    readonly reason: string,
    /** Node's error code, when there is one. */
    readonly errorCode: string | undefined,
    /** The deadline passed before the response was complete. */
    readonly timedOut: boolean,
    /** The TLS handshake failed: nothing was sent. */
    readonly tls: boolean
  ) {
    super(reason)
    this.name = 'NetworkFailure'
  }
}

export interface GraphClientOptions {
  graphApiUrl: string
  apiVersion: string
  accessToken: string
  timeoutMs: number
  /** Called once per distinct `X-Ad-Api-Version-Warning` header. */
  onVersionWarning?: (warning: string) => void
}

/**
 * The two Graph calls the action makes. Each request has one deadline for the whole exchange
 * (headers and body); nothing here retries, and redirects are not followed so that the token only
 * ever goes to the configured host.
 */
export class GraphClient {
  private readonly http: HttpClient
  private readonly seenVersionWarnings = new Set<string>()

  constructor(private readonly options: GraphClientOptions) {
    this.http = new HttpClient(USER_AGENT, [exactUserAgent], {
      allowRedirects: false,
      allowRetries: false,
      socketTimeout: options.timeoutMs,
      keepAlive: false
    })
  }

  /** `GET /{version}/{id}?fields=…` */
  readPhoneNumber(phoneNumberId: string, fields: readonly string[]): Promise<HttpExchange> {
    const query = new URLSearchParams({ fields: fields.join(',') })
    return this.send('GET', `${this.base(phoneNumberId)}?${query.toString()}`)
  }

  /** `POST /{version}/{id}/register` */
  register(phoneNumberId: string, body: RegisterBody): Promise<HttpExchange> {
    return this.send('POST', `${this.base(phoneNumberId)}/register`, JSON.stringify(body))
  }

  /** Closes the client's sockets. */
  dispose(): void {
    this.http.dispose()
  }

  private base(phoneNumberId: string): string {
    return `${this.options.graphApiUrl}/${this.options.apiVersion}/${phoneNumberId}`
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<HttpExchange> {
    const headers = {
      authorization: `Bearer ${this.options.accessToken}`,
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' })
    }
    const timeoutMs = this.options.timeoutMs
    let timer: NodeJS.Timeout | undefined
    let onDeadline = (): void => {}
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onDeadline()
        reject(new NetworkFailure(`${timeoutMs / 1000} s`, undefined, true, false))
      }, timeoutMs)
    })
    try {
      const response = await Promise.race([
        this.http.request(method, url, body ?? null, headers),
        deadline
      ])
      onDeadline = () => response.message.destroy()
      const read = await Promise.race([readBody(response.message), deadline])
      const exchange = {
        status: response.message.statusCode ?? 0,
        headers: response.message.headers,
        ...read
      }
      this.noteVersionWarning(exchange.headers)
      return exchange
    } catch (error) {
      throw toNetworkFailure(error, timeoutMs)
    } finally {
      clearTimeout(timer)
    }
  }

  private noteVersionWarning(headers: IncomingHttpHeaders): void {
    const warning = headers['x-ad-api-version-warning']
    const text = Array.isArray(warning) ? warning.join(' ') : warning
    if (text && !this.seenVersionWarnings.has(text)) {
      this.seenVersionWarnings.add(text)
      this.options.onVersionWarning?.(text)
    }
  }
}

/**
 * On GitHub's runners http-client appends ` actions_orchestration_id/…` to the user agent, which
 * breaks the `name/x.y.z` pattern of Meta's contract; Meta has no use for GitHub's id anyway.
 */
const exactUserAgent: RequestHandler = {
  prepareRequest: options => {
    options.headers = { ...options.headers, 'user-agent': USER_AGENT }
  },
  canHandleAuthentication: () => false,
  handleAuthentication: () => Promise.reject(new Error('not an authentication handler'))
}

function readBody(message: IncomingMessage): Promise<{ body: string; bodyTruncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (bodyTruncated: boolean): void => {
      done = true
      resolve({ body: Buffer.concat(chunks).toString('utf8'), bodyTruncated })
    }
    message.on('data', (chunk: Buffer) => {
      if (done) return
      const room = MAX_BODY_BYTES - size
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room))
        finish(true)
        message.destroy()
        return
      }
      chunks.push(chunk)
      size += chunk.length
    })
    message.on('end', () => {
      if (!done) finish(false)
    })
    message.on('error', error => {
      if (!done) {
        done = true
        reject(error)
      }
    })
    message.on('close', () => {
      if (!done) {
        done = true
        reject(new NetworkFailure('the response was cut off', 'ECONNRESET', false, false))
      }
    })
  })
}

/** EPROTO: the far end does not speak TLS (plain HTTP on an https URL). */
const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|EPROTO$)/
/** The code given to a proxy that refused the CONNECT tunnel: nothing reached the Graph API. */
export const PROXY_TUNNEL_FAILED = 'EPROXYTUNNEL'
const TUNNEL_FAILURE = /^tunneling socket could not be established, (.*)$/

function toNetworkFailure(error: unknown, timeoutMs: number): NetworkFailure {
  if (error instanceof NetworkFailure) return error
  const code = (error as { code?: unknown }).code
  const errorCode = typeof code === 'string' ? code : undefined
  const message = error instanceof Error ? error.message : ''
  // http-client's own socket timeout says so in its message; it counts as our deadline.
  if (message.startsWith('Request timeout')) {
    return new NetworkFailure(`${timeoutMs / 1000} s`, undefined, true, false)
  }
  // The tunnel agent reports a refused CONNECT as ECONNRESET; the request never left the proxy.
  const tunnel = TUNNEL_FAILURE.exec(message)
  if (tunnel) {
    return new NetworkFailure(
      `the proxy refused the tunnel: ${tunnel[1]}`,
      PROXY_TUNNEL_FAILED,
      false,
      false
    )
  }
  const tls = errorCode !== undefined && TLS_CODE.test(errorCode)
  return new NetworkFailure(errorCode ?? 'the connection failed', errorCode, false, tls)
}
