import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders
} from 'node:http'
import { request as httpsRequest } from 'node:https'
import { HttpClient } from '@actions/http-client'
import { neutralize } from './server-text.js'

/** Enough for any Graph answer; a larger body is cut (and its echo capped again when shown). */
export const MAX_BODY_BYTES = 1024 * 1024

/** A response, read in full (up to MAX_BODY_BYTES) before the deadline. */
export interface HttpExchange {
  status: number
  headers: IncomingHttpHeaders
  body: string
  bodyTruncated: boolean
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

/** What the client needs, and nothing else: request bodies are built by the steps. */
export interface GraphClientOptions {
  /** Graph API base URL without a trailing slash. */
  baseUrl: string
  apiVersion: string
  accessToken: string
  /** One deadline for each whole exchange (connection, headers and body). */
  timeoutMs: number
  userAgent: string
  /** Called once per distinct `X-Ad-Api-Version-Warning` header. */
  onVersionWarning?: (warning: string) => void
}

/**
 * The Graph API over one HttpClient (for its proxy and TLS settings). Each request has one deadline
 * for the whole exchange and is destroyed when it passes, so nothing outlives the run; nothing here
 * retries, and redirects are not followed so that the token only ever goes to the configured host.
 */
export class GraphClient {
  private readonly http: HttpClient
  private readonly seenVersionWarnings = new Set<string>()

  constructor(private readonly options: GraphClientOptions) {
    this.http = new HttpClient(options.userAgent, [], { keepAlive: false })
  }

  /** `GET /{version}/{path}?{query}` */
  get(path: string, query?: Record<string, string>): Promise<HttpExchange> {
    const search = query ? `?${new URLSearchParams(query).toString()}` : ''
    return this.send('GET', `${this.url(path)}${search}`)
  }

  /** `POST /{version}/{path}` with a JSON body, or none. */
  post(path: string, body?: unknown): Promise<HttpExchange> {
    return this.send('POST', this.url(path), body === undefined ? undefined : JSON.stringify(body))
  }

  /** Closes the client's sockets. */
  dispose(): void {
    this.http.dispose()
  }

  private url(path: string): string {
    return `${this.options.baseUrl}/${this.options.apiVersion}/${path}`
  }

  private async send(method: 'GET' | 'POST', url: string, body?: string): Promise<HttpExchange> {
    const target = new URL(url)
    const headers: OutgoingHttpHeaders = {
      authorization: `Bearer ${this.options.accessToken}`,
      accept: 'application/json',
      // Exactly `name/x.y.z`, as Meta's contract wants (http-client would append GitHub's id).
      'user-agent': this.options.userAgent,
      ...(body !== undefined && {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body)
      })
    }
    const { timeoutMs } = this.options
    const deadline = new AbortController()
    const timer = setTimeout(() => deadline.abort(), timeoutMs)
    try {
      const message = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
          {
            // URL keeps the brackets of an IPv6 literal; the socket layer wants the bare address.
            host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: target.port,
            path: `${target.pathname}${target.search}`,
            method,
            headers,
            agent: this.http.getAgent(url),
            signal: deadline.signal
          },
          resolve
        )
        request.on('error', reject)
        request.end(body)
      })
      const read = await readBody(message)
      const exchange = { status: message.statusCode ?? 0, headers: message.headers, ...read }
      this.noteVersionWarning(exchange.headers)
      return exchange
    } catch (error) {
      if (deadline.signal.aborted) {
        throw new NetworkFailure(`${timeoutMs / 1000} s`, undefined, true, false)
      }
      throw toNetworkFailure(error)
    } finally {
      clearTimeout(timer)
    }
  }

  private noteVersionWarning(headers: IncomingHttpHeaders): void {
    const warning = headers['x-ad-api-version-warning']
    const text = neutralize(Array.isArray(warning) ? warning.join(' ') : (warning ?? ''))
    if (text && !this.seenVersionWarnings.has(text)) {
      this.seenVersionWarnings.add(text)
      this.options.onVersionWarning?.(text)
    }
  }
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

function toNetworkFailure(error: unknown): NetworkFailure {
  if (error instanceof NetworkFailure) return error
  const code = (error as { code?: unknown }).code
  const errorCode = typeof code === 'string' ? code : undefined
  const message = error instanceof Error ? error.message : ''
  // The tunnel agent reports a refused CONNECT as ECONNRESET; the request never left the proxy.
  const tunnel = TUNNEL_FAILURE.exec(message)
  if (tunnel) {
    return new NetworkFailure(
      `the proxy refused the tunnel: ${neutralize(tunnel[1] ?? '')}`,
      PROXY_TUNNEL_FAILED,
      false,
      false
    )
  }
  const tls = errorCode !== undefined && TLS_CODE.test(errorCode)
  return new NetworkFailure(errorCode ?? 'the connection failed', errorCode, false, tls)
}
