import { readFileSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'

/** Larger than any On-Premises backup seen; protects the runner from reading a wrong, huge file. */
export const MAX_BACKUP_FILE_BYTES = 64 * 1024 * 1024

const ENVELOPE_EXAMPLE = '{"settings":{"data":"…"}}'

export type BackupText = { ok: true; data: string } | { ok: false; problem: string }

/**
 * Takes the backup data out of what the user gave: either the raw `settings.data` string, or the
 * whole On-Premises backup response. Problems never quote the text: it is a secret, and
 * `JSON.parse` messages would quote it.
 */
export function extractBackupData(text: string, inputName: string): BackupText {
  if (text === '') return { ok: false, problem: `${inputName}: the backup is empty.` }
  if (!text.startsWith('{')) return { ok: true, data: text }
  let envelope: unknown
  try {
    envelope = JSON.parse(text)
  } catch {
    return {
      ok: false,
      problem: `${inputName}: starts like the backup response JSON but is not valid JSON; expected ${ENVELOPE_EXAMPLE} or the raw settings.data string.`
    }
  }
  const data = settingsData(envelope)
  if (data === undefined) {
    return {
      ok: false,
      problem: `${inputName}: is JSON without a non-empty "settings.data" string; expected ${ENVELOPE_EXAMPLE}.`
    }
  }
  return { ok: true, data }
}

function settingsData(envelope: unknown): string | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined
  const settings = (envelope as { settings?: unknown }).settings
  if (typeof settings !== 'object' || settings === null) return undefined
  const data = (settings as { data?: unknown }).data
  return typeof data === 'string' && data.trim() !== '' ? data : undefined
}

export type BackupFile = { ok: true; text: string } | { ok: false; problem: string }

/** Reads `backup-file`, relative to the workspace; the text is trimmed like an input. */
export function readBackupFile(path: string, workspace: string): BackupFile {
  const fullPath = isAbsolute(path) ? path : resolve(workspace, path)
  const where = `backup-file: "${path}" (looked for ${fullPath})`
  let size: number
  try {
    const stats = statSync(fullPath)
    if (!stats.isFile()) return { ok: false, problem: `${where} is not a regular file.` }
    size = stats.size
  } catch {
    return { ok: false, problem: `${where} does not exist or cannot be read.` }
  }
  if (size > MAX_BACKUP_FILE_BYTES) {
    return {
      ok: false,
      problem: `${where} has ${size} bytes; a backup is expected to be at most ${MAX_BACKUP_FILE_BYTES}.`
    }
  }
  try {
    return { ok: true, text: readFileSync(fullPath, 'utf8').trim() }
  } catch {
    return { ok: false, problem: `${where} cannot be read.` }
  }
}
