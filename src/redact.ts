/** What replaces a secret (or a piece of one) in anything shown. */
export const REDACTED = '***'
/** Any run of this many characters taken from a secret counts as a leak. */
export const FRAGMENT_LENGTH = 6
/** Fragment matching indexes every window of a secret; above this size only whole values and lines are matched. */
const MAX_FRAGMENT_INDEXED_LENGTH = 64 * 1024

/**
 * Removes secret values from text that came from elsewhere (server messages, bodies) before it is
 * printed, written to an output or to the summary. The runner masks registered secrets too, but local
 * runs and other runners do not, and the runner knows nothing of a secret's encodings or pieces.
 */
export class Redactor {
  private readonly values = new Set<string>()
  private readonly fragments = new Set<string>()
  private longest = 0

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret)
  }

  /** Registers a secret: its value, each line of it, its JSON and URL encodings, and its fragments. */
  add(secret: string): void {
    if (secret === '') return
    const jsonEscaped = JSON.stringify(secret).slice(1, -1)
    // Graph's JSON, like PHP's, also escapes '/' as '\/'.
    const forms = new Set([secret, jsonEscaped, jsonEscaped.replace(/\//g, '\\/')])
    const urlEncoded = urlEncode(secret)
    if (urlEncoded !== undefined) forms.add(urlEncoded)
    for (const line of secret.split(/\r?\n|\r/)) {
      if (line.trim().length >= FRAGMENT_LENGTH) forms.add(line)
    }
    for (const form of forms) {
      this.values.add(form)
      this.longest = Math.max(this.longest, form.length)
      if (form.length >= FRAGMENT_LENGTH && form.length <= MAX_FRAGMENT_INDEXED_LENGTH) {
        for (let i = 0; i + FRAGMENT_LENGTH <= form.length; i++) {
          this.fragments.add(form.slice(i, i + FRAGMENT_LENGTH))
        }
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
    for (const value of this.values) {
      for (let at = scanned.indexOf(value); at !== -1; at = scanned.indexOf(value, at + 1)) {
        hidden.fill(1, at, at + value.length)
      }
    }
    if (fragments && this.fragments.size > 0) {
      for (let i = 0; i + FRAGMENT_LENGTH <= scanned.length; i++) {
        if (this.fragments.has(scanned.slice(i, i + FRAGMENT_LENGTH)))
          hidden.fill(1, i, i + FRAGMENT_LENGTH)
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
}

/** The URL encoding of a value, or undefined for a string that has none (a lone surrogate). */
function urlEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value)
  } catch {
    return undefined
  }
}
