// Prints one version's section of CHANGELOG.md, without its heading: the notes of its GitHub
// release. The release workflow and script/release both use it, so that they refuse the same
// things: a version with no section, a section that is not dated (`## [1.2.3] - Unreleased`), two
// sections for one version, or an empty one.
//
// Usage: node script/changelog-section.js vX.Y.Z|X.Y.Z [CHANGELOG.md]
// Prints the section on stdout; on a refusal prints why on stderr and exits 1 (2 for bad usage).
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const VERSION = /^v?((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*))$/
const HEADING = /^##(?!#)\s*(.*?)\s*$/

/**
 * One version's section of a Keep a Changelog file.
 * @param {string} text the changelog
 * @param {string} version `vX.Y.Z` or `X.Y.Z`
 * @returns {import('./changelog-section.js').ChangelogSection}
 * @throws {Error} when the version is malformed, or its section is missing, undated, doubled or empty
 */
export function changelogSection(text, version) {
  const match = VERSION.exec(version)
  if (!match) throw new Error(`"${version}" is not a version of the form vX.Y.Z (such as v1.2.3)`)
  const plain = match[1]
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  const headings = lines
    .map((line, index) => ({ index, title: HEADING.exec(line)?.[1] }))
    .filter(heading => heading.title !== undefined)
  const own = headings.filter(heading => heading.title.startsWith(`[${plain}]`))
  if (own.length === 0) {
    throw new Error(`CHANGELOG.md has no section "## [${plain}] - YYYY-MM-DD"`)
  }
  if (own.length > 1) {
    throw new Error(`CHANGELOG.md has ${own.length} sections for ${plain}: keep one`)
  }
  const { index, title } = own[0]
  const dated = /^\[[^\]]+\] - (\d{4}-\d{2}-\d{2})$/.exec(title)
  if (!dated || !isRealDate(dated[1])) {
    throw new Error(
      `CHANGELOG.md's section for ${plain} is "## ${title}", not dated: write "## [${plain}] - YYYY-MM-DD" first`
    )
  }
  const next = headings.find(heading => heading.index > index)?.index ?? lines.length
  const body = lines.slice(index + 1, next)
  // Keep a Changelog puts the compare links at the end of the file, after the last section.
  while (body.length > 0 && /^\s*(\[[^\]]+\]:\s*\S.*)?$/.test(body[body.length - 1])) body.pop()
  while (body.length > 0 && body[0].trim() === '') body.shift()
  if (body.length === 0) throw new Error(`CHANGELOG.md's section for ${plain} is empty`)
  return { version: plain, date: dated[1], notes: `${body.join('\n')}\n` }
}

function isRealDate(text) {
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text
}

function main(args) {
  if (args.length < 1 || args.length > 2 || args[0].startsWith('-')) {
    console.error('Usage: node script/changelog-section.js vX.Y.Z [CHANGELOG.md]')
    return 2
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const file = args[1] ?? path.join(root, 'CHANGELOG.md')
  try {
    process.stdout.write(changelogSection(readFileSync(file, 'utf8'), args[0]).notes)
    return 0
  } catch (error) {
    console.error(`changelog-section: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2))
}
