/** One version's section of CHANGELOG.md. */
export interface ChangelogSection {
  /** `X.Y.Z`, without the `v`. */
  version: string
  /** The section's date, `YYYY-MM-DD`. */
  date: string
  /** The section without its heading, ending with one newline: the release notes. */
  notes: string
}

export function changelogSection(text: string, version: string): ChangelogSection
