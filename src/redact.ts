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
    const forms = new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])
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

  /** Returns `text` with every secret (and fragment) replaced, cut to `maxLength` characters. */
  redact(text: string, maxLength = 2000): string {
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
    if (this.fragments.size > 0) {
      for (let i = 0; i + FRAGMENT_LENGTH <= scanned.length; i++) {
        if (this.fragments.has(scanned.slice(i, i + FRAGMENT_LENGTH)))
          hidden.fill(1, i, i + FRAGMENT_LENGTH)
      }
    }
    let out = ''
    for (let i = 0; i < scanned.length; i++) {
      if (hidden[i] === 0) out += scanned[i]
      else if (i === 0 || hidden[i - 1] === 0) out += REDACTED
    }
    return out.length > maxLength || scanned.length < text.length
      ? `${out.slice(0, maxLength)}… (${text.length} characters in all, cut)`
      : out
  }
}
