/**
 * What `npm run demo` prints of one run of the action, for a terminal: the log as the runner shows
 * it (workflow commands as labelled lines, registered secrets as ***) and the job summary's HTML
 * (what core.summary writes) as plain text with aligned table columns.
 */

/** Styles for the terminal; PLAIN leaves text as it is (for pipes, files and tests). */
export interface Paint {
  bold: (text: string) => string
  dim: (text: string) => string
  red: (text: string) => string
  green: (text: string) => string
  yellow: (text: string) => string
  cyan: (text: string) => string
}

const same = (text: string): string => text
export const PLAIN: Paint = {
  bold: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  cyan: same
}

export const ANSI: Paint = {
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39)
}

function sgr(open: number, close: number): (text: string) => string {
  return text => `\x1b[${open}m${text}\x1b[${close}m`
}

interface Command {
  name: string
  title?: string
  message: string
}

/** `::name key=value,…::message`, as @actions/core writes a workflow command. */
const COMMAND = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/i

function parseCommand(line: string): Command | undefined {
  const match = COMMAND.exec(line)
  if (!match) return undefined
  const [, name, properties = '', message] = match
  const title = /(?:^|,)title=([^,]*)/.exec(properties)?.[1]
  return {
    name: name.toLowerCase(),
    title: title === undefined ? undefined : unescape(title),
    message: unescape(message)
  }
}

/** Undoes @actions/core's escaping of command data and properties, in one pass. */
function unescape(text: string): string {
  const codes: Record<string, string> = {
    '%25': '%',
    '%0D': '\r',
    '%0A': '\n',
    '%3A': ':',
    '%2C': ','
  }
  return text.replace(/%25|%0D|%0A|%3A|%2C/gi, code => codes[code.toUpperCase()])
}

/**
 * Masks as the runner does: every value registered with `::add-mask::`, and each line of a
 * multi-line one, becomes *** wherever it shows. Longer values first, so that a value containing
 * another is masked whole.
 */
export function masker(stdout: string): (text: string) => string {
  const values = new Set<string>()
  for (const line of stdout.split('\n')) {
    const command = parseCommand(line)
    if (command?.name !== 'add-mask') continue
    for (const value of [command.message, ...command.message.split(/\r?\n/)]) {
      values.add(value)
      values.add(value.trim())
    }
  }
  const masked = [...values]
    .filter(value => value.trim() !== '')
    .sort((a, b) => b.length - a.length)
  return text => masked.reduce((shown, value) => shown.split(value).join('***'), text)
}

const COMMAND_STYLE: Record<string, keyof Paint> = {
  debug: 'dim',
  notice: 'cyan',
  warning: 'yellow',
  error: 'red'
}

/** The action's stdout as a person reads it on the runner: `[debug] …`, `[mask] ***`, … */
export function renderLog(stdout: string, paint: Paint = PLAIN): string {
  const mask = masker(stdout)
  const shown: string[] = []
  for (const line of stdout.replace(/\n$/, '').split('\n')) {
    const command = parseCommand(line)
    if (!command) {
      shown.push(mask(line))
    } else if (command.name === 'add-mask') {
      shown.push(paint.dim('[mask] ***'))
    } else if (command.name !== 'endgroup') {
      const label = `[${command.name}] `
      const text = command.title ? `${command.title}: ${command.message}` : command.message
      const lines = mask(text).split(/\r?\n/)
      const style = paint[COMMAND_STYLE[command.name] ?? 'bold']
      shown.push(style(label + lines.join(`\n${' '.repeat(label.length)}`)))
    }
  }
  return shown.join('\n')
}

/** The blocks core.summary writes; anything else is read as inline text. */
const BLOCK =
  /<h([1-6])>([\s\S]*?)<\/h\1>|<table>([\s\S]*?)<\/table>|<pre[^>]*><code>([\s\S]*?)<\/code><\/pre>|<(ul|ol)>([\s\S]*?)<\/\5>/g

/** A job summary (HTML) as plain text: underlined headings, aligned tables, indented code, bullets. */
export function renderSummary(html: string, paint: Paint = PLAIN): string {
  const blocks: string[] = []
  let last = 0
  for (const match of html.matchAll(BLOCK)) {
    blocks.push(inline(html.slice(last, match.index)))
    const [, level, heading, table, code, list, items] = match
    if (heading !== undefined) blocks.push(renderHeading(inline(heading), Number(level), paint))
    else if (table !== undefined) blocks.push(renderTable(table, paint))
    else if (code !== undefined) blocks.push(indent(decode(code).replace(/\n$/, ''), '    '))
    else blocks.push(renderList(items, list === 'ol'))
    last = match.index + match[0].length
  }
  blocks.push(inline(html.slice(last)))
  return blocks.filter(block => block !== '').join('\n\n')
}

function renderHeading(text: string, level: number, paint: Paint): string {
  return `${paint.bold(text)}\n${(level <= 2 ? '=' : '-').repeat(width(text))}`
}

function renderTable(html: string, paint: Paint): string {
  const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map(([, row]) =>
    [...row.matchAll(/<(th|td)\b[^>]*>([\s\S]*?)<\/\1>/g)].map(([, tag, cell]) => ({
      header: tag === 'th',
      text: inline(cell).replace(/\s*\n\s*/g, ' ')
    }))
  )
  const widths: number[] = []
  for (const row of rows) {
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, width(cell.text))))
  }
  const lines: string[] = []
  for (const row of rows) {
    const cells = row.map((cell, i) => {
      const padded = cell.text + ' '.repeat(widths[i] - width(cell.text))
      return cell.header ? paint.bold(padded) : padded
    })
    lines.push(cells.join('  ').trimEnd())
    if (row.length > 0 && row.every(cell => cell.header)) {
      lines.push(widths.map(w => '-'.repeat(w)).join('  '))
    }
  }
  return lines.join('\n')
}

function renderList(html: string, ordered: boolean): string {
  const items = [...html.matchAll(/<li>([\s\S]*?)<\/li>/g)].map(([, item]) => inline(item))
  return items
    .map((item, i) => {
      const bullet = ordered ? `${i + 1}. ` : '• '
      return `  ${bullet}${indent(item, ' '.repeat(2 + bullet.length)).trimStart()}`
    })
    .join('\n')
}

/** Text with its inline markup removed: line breaks kept, links as `text (url)`. */
function inline(html: string): string {
  const text = html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<hr\s*\/?>/gi, `\n${'-'.repeat(40)}\n`)
    .replace(/<a\b[^>]*\bhref="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<\/(p|div|summary|details|blockquote)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
  return decode(text)
    .split('\n')
    .map(line => line.trim())
    .filter(line => line !== '')
    .join('\n')
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' '
}

/** Decodes HTML entities in one pass, so that `&amp;lt;` stays the text `&lt;`. */
export function decode(text: string): string {
  return text.replace(/&(?:#x([0-9a-f]+)|#(\d+)|([a-z]+));/gi, (entity, hex, dec, name) => {
    if (name !== undefined) return NAMED[(name as string).toLowerCase()] ?? entity
    const code = hex !== undefined ? parseInt(hex as string, 16) : Number(dec)
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity
  })
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map(line => prefix + line)
    .join('\n')
}

/** Characters a terminal gives no column: combining marks, variation selectors, joiners. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\p{Cf}]/u
/** Characters a terminal gives two columns: emoji and East Asian wide characters. */
const WIDE =
  /[\p{Emoji_Presentation}\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/u

/** How many columns `text` takes in a terminal, for aligning table cells. */
export function width(text: string): number {
  let columns = 0
  for (const char of text) {
    if (!ZERO_WIDTH.test(char)) columns += WIDE.test(char) ? 2 : 1
  }
  return columns
}
