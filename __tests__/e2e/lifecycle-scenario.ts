/**
 * Shared pieces of the sub-action suites (deregister, set-pin): their inputs, and runs of their
 * committed bundles held to the same secret rules as the register action's.
 */
import type { ActionRun, RunOptions } from '../../sim/action-runner.js'
import { DEREGISTER_ENTRY, SET_PIN_ENTRY } from '../../sim/action-runner.js'
import { runChecked, TOKEN } from './action-scenario.js'

/** A new PIN with a leading zero, sharing no 6-character run with the ids, numbers or PIN. */
export const NEW_PIN = '061538'

/** Inputs of a deregister run against `url`; `extra` adds or overrides. */
export function deregisterInputs(
  url: string,
  id: string,
  confirm: string,
  extra: Record<string, string> = {}
): Record<string, string> {
  return {
    'access-token': TOKEN,
    'phone-number-id': id,
    'confirm-display-phone-number': confirm,
    'graph-api-url': url,
    ...extra
  }
}

/** Inputs of a set-pin run against `url`; `extra` adds or overrides. */
export function setPinInputs(
  url: string,
  id: string,
  extra: Record<string, string> = {}
): Record<string, string> {
  return {
    'access-token': TOKEN,
    'phone-number-id': id,
    'new-pin': NEW_PIN,
    'graph-api-url': url,
    ...extra
  }
}

/** Runs the committed deregister bundle; masked secrets, no leaks. */
export function runDeregister(
  inputs: Record<string, string>,
  secrets: string[],
  options: RunOptions = {}
): Promise<ActionRun> {
  return runChecked(inputs, secrets, { ...options, script: DEREGISTER_ENTRY })
}

/** Runs the committed set-pin bundle; masked secrets, no leaks. */
export function runSetPin(
  inputs: Record<string, string>,
  secrets: string[],
  options: RunOptions = {}
): Promise<ActionRun> {
  return runChecked(inputs, secrets, { ...options, script: SET_PIN_ENTRY })
}
