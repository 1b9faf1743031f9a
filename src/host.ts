import * as core from '@actions/core'

type Summary = typeof core.summary

/**
 * Where a flow reads its inputs and writes what it has to say: the GitHub runner for the actions,
 * a terminal for the command-line tool. Every message given here is already redacted.
 */
export interface Host {
  /** An input exactly as given (not trimmed), or '' when unset. */
  input(name: string): string
  /** Hides a secret value from the host's log (the runner's `::add-mask::`). */
  mask(value: string): void
  info(message: string): void
  warning(message: string): void
  /** Fails the step with this message. */
  fail(message: string): void
  output(name: string, value: string): void
  /** The job summary, when the host has one. */
  summary?: Summary
  /** Folder that relative paths (such as `backup-file`) start from. */
  workspace: string
}

/** The GitHub Actions runner, through @actions/core. */
export function actionsHost(): Host {
  return {
    input: name => core.getInput(name, { trimWhitespace: false }),
    mask: value => core.setSecret(value),
    info: message => core.info(message),
    warning: message => core.warning(message),
    fail: message => core.setFailed(message),
    output: (name, value) => core.setOutput(name, value),
    ...(process.env.GITHUB_STEP_SUMMARY && { summary: core.summary }),
    workspace: process.env.GITHUB_WORKSPACE || process.cwd()
  }
}
