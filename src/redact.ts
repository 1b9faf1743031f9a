import { neutralize } from './server-text.js'

/** What replaces a secret (or a piece of one) in anything shown. */
export const REDACTED = '***'
/** Any run of this many characters taken from a secret counts as a leak. */
export const FRAGMENT_LENGTH = 6
/**
 * How many distinct fragments are indexed in all: enough for every window of the token, the PIN,
 * the password and a backup of this many characters. A larger backup is still matched whole and
 * line by line; indexing every window of megabytes would cost hundreds of megabytes.
 */
export const MAX_INDEXED_FRAGMENTS = 256 * 1024
/** Longer than any text shown or received (bodies are read up to 1 MiB): a longer form never fits. */
const MAX_WHOLE_FORM_LENGTH = 1024 * 1024
/** How far past maxLength a text is scanned for a secret that straddles the cut. */
const MAX_SCAN_EXTENSION = 64 * 1024
/** A secret too large to index every fragment of is also matched by pieces of this length. */
const PIECE_LENGTH = 256

/**
 * Removes secret values from text that came from elsewhere (server messages, bodies) before it is
 * printed, written to an output or to the summary. The runner masks registered secrets too, but local
 * runs and other runners do not, and the runner knows nothing of a secret's encodings or pieces.
 */
export class Redactor {
  /** Forms of FRAGMENT_LENGTH characters or more, by their first FRAGMENT_LENGTH characters. */
  private readonly byPrefix = new Map<string, string[]>()
  /** Forms shorter than a fragment (a short password), matched with indexOf. */
  private readonly shortForms = new Set<string>()
  private readonly fragments = new Set<string>()
  private longest = 0

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret)
  }

  /**
   * Registers a secret: its value, each line of it, the forms JSON and URL encoding give it
   * (`\uXXXX` escapes included, as Graph writes non-ASCII), its neutralized form (as server text is
   * shown), and its fragments. A secret too large for every one of its fragments to be indexed is
   * matched by its lines and by pieces of PIECE_LENGTH characters instead, so that a 20 MiB backup
   * costs a few copies of itself, not hundreds.
   */
  add(secret: string): void {
    if (secret === '') return
    const whole = secret.length <= MAX_WHOLE_FORM_LENGTH
    const { indexed: forms, whole: wholeOnly } = whole
      ? formsOf(secret)
      : { indexed: new Set<string>(), whole: new Set<string>() }
    for (const form of [...forms, ...wholeOnly]) this.addForm(form)
    // As server text is shown: matched whole only, since its spaces are not the secret's.
    if (whole) this.addPlainForms(neutralize(secret))
    // Every window of the value and its encodings while the budget lasts.
    let indexed = whole
    for (const form of forms) {
      if (form.length < FRAGMENT_LENGTH) continue
      const windows = form.length - FRAGMENT_LENGTH + 1
      if (this.fragments.size + windows > MAX_INDEXED_FRAGMENTS) {
        indexed = false
        continue
      }
      for (let i = 0; i < windows; i++) this.fragments.add(form.slice(i, i + FRAGMENT_LENGTH))
    }
    const lines = secret.split(/\r?\n|\r/)
    if (lines.length === 1 && indexed) return
    // Lines are matched on their own (a server may echo one); without the fragment index, by their
    // pieces too.
    for (const line of lines) {
      if (line.trim().length < FRAGMENT_LENGTH) continue
      if (line.length <= MAX_WHOLE_FORM_LENGTH) this.addPlainForms(line)
      if (indexed || line.length <= PIECE_LENGTH) continue
      for (let at = 0; at < line.length; at += PIECE_LENGTH) {
        this.addPlainForms(line.slice(at, at + PIECE_LENGTH))
      }
    }
  }

  /**
   * Returns `text` with every secret replaced, cut to `maxLength` characters. `fragments: false`
   * keeps 6-character pieces for our own text, where a secret's piece is more likely a common word
   * ("backup") than a leak.
   */
  redact(text: string, maxLength = 2000, { fragments = true } = {}): string {
    // Cut before scanning so that a huge body costs little, but keep enough for a secret that
    // straddles the cut to still be recognised.
    const scanned =
      text.length > maxLength + this.longest ? text.slice(0, maxLength + this.longest) : text
    const hidden = new Uint8Array(scanned.length)
    for (const form of this.shortForms) {
      for (let at = scanned.indexOf(form); at !== -1; at = scanned.indexOf(form, at + 1)) {
        hidden.fill(1, at, at + form.length)
      }
    }
    for (let i = 0; i + FRAGMENT_LENGTH <= scanned.length; i++) {
      const window = scanned.slice(i, i + FRAGMENT_LENGTH)
      if (fragments && this.fragments.has(window)) hidden.fill(1, i, i + FRAGMENT_LENGTH)
      for (const form of this.byPrefix.get(window) ?? []) {
        if (scanned.startsWith(form, i)) hidden.fill(1, i, i + form.length)
      }
    }
    // Past maxLength, only a text scanned whole may be shown: where the scan was cut, a secret that
    // starts after maxLength may run past the cut, unrecognised.
    const complete = scanned.length === text.length
    let out = ''
    let i = 0
    for (; i < scanned.length && out.length < maxLength && (complete || i < maxLength); i++) {
      if (hidden[i] === 0) out += scanned[i]
      else if (i === 0 || hidden[i - 1] === 0) out += REDACTED
    }
    return i < text.length ? `${out}… (${text.length} characters in all, cut)` : out
  }

  /**
   * A line or piece of a secret as it appears verbatim or in Graph's JSON: the cheap forms, for the
   * many lines of a large backup (a line holds no line break, and base64 needs no other escape).
   */
  private addPlainForms(text: string): void {
    this.addForm(text)
    // eslint-disable-next-line no-control-regex
    const escaped = /["\\\x00-\x1f]/.test(text) ? JSON.stringify(text).slice(1, -1) : text
    if (escaped !== text) this.addForm(escaped)
    if (escaped.includes('/')) this.addForm(escaped.replace(/\//g, '\\/'))
  }

  private addForm(form: string): void {
    // A longer form is scanned for only within the text's first maxLength + this much: a huge
    // secret straddling the cut is caught by its fragments or pieces instead.
    this.longest = Math.max(this.longest, Math.min(form.length, MAX_SCAN_EXTENSION))
    if (form.length < FRAGMENT_LENGTH) {
      this.shortForms.add(form)
      return
    }
    const prefix = form.slice(0, FRAGMENT_LENGTH)
    const known = this.byPrefix.get(prefix)
    if (!known) this.byPrefix.set(prefix, [form])
    else if (!known.includes(form)) known.push(form)
  }
}

/** The ways a secret can appear in what a server sends back, or in what we show of it. */
function formsOf(secret: string): { indexed: Set<string>; whole: Set<string> } {
  const json = JSON.stringify(secret).slice(1, -1)
  // Graph, like PHP's encoder, writes non-ASCII as \uXXXX and '/' as '\/': these forms have every
  // fragment indexed. Rarer spellings (upper-case hex, \u in raw text) are matched whole.
  const indexed = new Set([secret, json])
  const whole = new Set<string>()
  const escaped = /[^\x20-\x7e]/.test(json) ? asciiOnly(json, false) : json
  // Every escape is six characters: for a secret of mostly non-ASCII text (not a token, PIN,
  // password or backup as Meta makes them) the escaped forms would multiply every scan, so only
  // its other forms and fragments are matched.
  if (escaped !== json && escaped.length <= Math.max(2 * json.length, 1024)) {
    indexed.add(escaped)
    whole.add(asciiOnly(json, true))
    whole.add(asciiOnly(secret, false))
  }
  for (const form of [...indexed]) if (form.includes('/')) indexed.add(form.replace(/\//g, '\\/'))
  for (const form of [...whole]) if (form.includes('/')) whole.add(form.replace(/\//g, '\\/'))
  const urlEncoded = urlEncode(secret)
  if (urlEncoded !== undefined) indexed.add(urlEncoded)
  return { indexed, whole }
}

/** Every character outside printable ASCII as a `\uXXXX` escape (UTF-16 units, as JSON has it). */
function asciiOnly(text: string, upperCase: boolean): string {
  return text.replace(/[^\x20-\x7e]/g, c => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0')
    return `\\u${upperCase ? hex.toUpperCase() : hex}`
  })
}

/** The URL encoding of a value, or undefined for a string that has none (a lone surrogate). */
function urlEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value)
  } catch {
    return undefined
  }
}
