/**
 * Text that came from the server is data, never commands: printed as received, a line break
 * followed by `::` would be a workflow command to the runner (forging outputs, adding masks, or
 * `::stop-commands::` so that our own `::error::` is never seen), and an ANSI escape would repaint
 * the log. `neutralize` makes any such text one inert line.
 */

/** ANSI/VT escape sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ESC \`), and two-byte ESC forms. */
const ESCAPE_SEQUENCE =
  // eslint-disable-next-line no-control-regex
  /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g
/** Line and paragraph breaks of every kind: each becomes one space. */
// eslint-disable-next-line no-control-regex
const LINE_BREAK = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g
/**
 * Controls (C0, DEL, C1) and the bidirectional overrides that can make a line read differently from
 * what it holds: each becomes U+FFFD, so that their presence stays visible.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** One line without controls: line breaks and tabs become spaces, escape sequences go. */
export function neutralize(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCE, '')
    .replace(LINE_BREAK, ' ')
    .replace(/\t/g, ' ')
    .replace(INVISIBLE, '\ufffd')
}
