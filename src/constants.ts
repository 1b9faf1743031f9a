/** Identifies the action in the User-Agent header; Meta's contract wants `name/x.y.z`. */
export const ACTION_NAME = 'whatsapp-cloud-api-register'
export const ACTION_VERSION = '1.0.0'
export const USER_AGENT = `${ACTION_NAME}/${ACTION_VERSION}`

/** The newest Graph API version; the `api-version` input overrides it. */
export const DEFAULT_API_VERSION = 'v26.0'
export const DEFAULT_GRAPH_API_URL = 'https://graph.facebook.com'
export const DEFAULT_TIMEOUT_SECONDS = 60
export const DEFAULT_RETRIES = 2
/** Twice the 15 s Meta gives register: a slow backend has finished by then. */
export const DEFAULT_SETTLE_SECONDS = 30
/** Meta says register can take 15 s; a shorter client timeout turns successes into doubts. */
export const RECOMMENDED_MIN_TIMEOUT_SECONDS = 30
