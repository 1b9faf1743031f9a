/** Any run of this many characters (UTF-16 code units) taken from a secret counts as a leak. */
export const FRAGMENT_LENGTH = 6

/** Every run of `FRAGMENT_LENGTH` code units of `text`, or `text` itself when it is shorter. */
export function fragmentsOf(text: string): Set<string> {
  if (text.length <= FRAGMENT_LENGTH) return new Set(text === '' ? [] : [text])
  const fragments = new Set<string>()
  for (let i = 0; i + FRAGMENT_LENGTH <= text.length; i++)
    fragments.add(text.slice(i, i + FRAGMENT_LENGTH))
  return fragments
}

/** `text` cut at every occurrence of each public value, longest value first. */
function segmentsOf(text: string, publicValues: readonly string[]): string[] {
  let segments = [text]
  const values = [...new Set(publicValues)]
    .filter(v => v !== '')
    .sort((a, b) => b.length - a.length)
  for (const value of values) segments = segments.flatMap(segment => segment.split(value))
  return segments
}

export interface Leak {
  /** Index of the secret in the list given. */
  secret: number
  /** The piece of it that was found. */
  piece: string
}

/**
 * Finds secrets, and fragments of them, in text that our code produced.
 *
 * Why an allow-list: our messages are fixed text (templates) plus a few public values (the
 * `backup-file` path and the path it resolves to). A generated secret may share a fragment with
 * that text by chance, and some generated secrets share it by construction: the backup envelope
 * `{"settings":{"data":"…"}}` is a secret input and also the example our messages quote. So a
 * fragment counts as a leak only where it is in the produced text but not in the `template`
 * corpus: the texts the same code produces for a fixed table of inputs whose secrets share no
 * character with anything else. Public values are cut out of the text before looking, so no
 * fragment is taken across one. The cost: a leaked fragment that also happens to be template text
 * (such as `expect`) is not seen; generated secrets almost never consist of template text.
 */
export class LeakFinder {
  private readonly templateFragments = new Set<string>()
  private readonly templateText: string

  constructor(template: Iterable<string>, templatePublicValues: readonly string[] = []) {
    const segments = [...template].flatMap(text => segmentsOf(text, templatePublicValues))
    for (const segment of segments)
      for (const fragment of fragmentsOf(segment)) this.templateFragments.add(fragment)
    this.templateText = segments.join('\u0000')
  }

  /** The pieces of `secrets` found in `text` outside the template and the public values. */
  find(
    text: string,
    secrets: readonly SecretPieces[],
    publicValues: readonly string[] = []
  ): Leak[] {
    const leaks: Leak[] = []
    for (const segment of segmentsOf(text, publicValues)) {
      if (segment === '') continue
      const segmentFragments = fragmentsOf(segment)
      secrets.forEach((secret, index) => {
        if (secret.value.length < FRAGMENT_LENGTH) {
          if (segment.includes(secret.value) && !this.templateText.includes(secret.value))
            leaks.push({ secret: index, piece: secret.value })
          return
        }
        for (const fragment of segmentFragments) {
          if (secret.fragments.has(fragment) && !this.templateFragments.has(fragment))
            leaks.push({ secret: index, piece: fragment })
        }
      })
    }
    return leaks
  }
}

/** A secret with its fragments computed once, however many texts are searched for it. */
export interface SecretPieces {
  value: string
  fragments: Set<string>
}

export function secretPieces(secrets: Iterable<string>): SecretPieces[] {
  return [...new Set(secrets)]
    .filter(value => value !== '')
    .map(value => ({ value, fragments: fragmentsOf(value) }))
}
