import type { Host } from '../host.js'

/** Where the CLI writes: step lines and problems on stderr, the result on stdout. */
export interface Terminal {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
  colour: boolean
}

/** A Host over the command line: inputs from options and the environment, outputs collected. */
export function terminalHost(
  inputs: ReadonlyMap<string, string>,
  terminal: Terminal,
  outputs: Map<string, string>,
  workspace: string
): Host {
  return {
    input: name => inputs.get(name) ?? '',
    // Nothing masks a terminal: every message is already redacted by the flow.
    mask: () => {},
    info: message => terminal.stderr(`${message}\n`),
    warning: message => terminal.stderr(`${paint(terminal, 'warning:', YELLOW)} ${message}\n`),
    fail: message => terminal.stderr(`${paint(terminal, 'error:', RED)} ${message}\n`),
    output: (name, value) => void outputs.set(name, value),
    workspace
  }
}

export const RED = 31
export const GREEN = 32
export const YELLOW = 33

export function paint(terminal: Terminal, text: string, colour: number): string {
  return terminal.colour ? `\u001b[${colour}m${text}\u001b[0m` : text
}
