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
  if (text.trim() === '') return { ok: false, problem: `${inputName}: the backup is empty.` }
  // Raw data is sent exactly as given; only JSON may have whitespace around it.
  if (!text.trimStart().startsWith('{')) return { ok: true, data: text }
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

/**
 * Reads `backup-file`, relative to the workspace. The text is kept exactly, but for a byte-order
 * mark and the one line ending that ends a text file; UTF-16 with a byte-order mark (what Windows
 * PowerShell writes) is decoded, and anything that is not text is refused.
 */
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
  let bytes: Buffer
  try {
    bytes = readFileSync(fullPath)
  } catch {
    return { ok: false, problem: `${where} cannot be read.` }
  }
  const text = decodeText(bytes)
  if (text === undefined) {
    return {
      ok: false,
      problem: `${where} is not text: expected UTF-8 (or UTF-16 with a byte-order mark) holding the backup data or the backup response JSON.`
    }
  }
  return { ok: true, text: text.replace(/\r?\n$/, '') }
}

/** UTF-8 (BOM optional) or UTF-16 with a BOM; undefined for invalid UTF-8 or binary data. */
export function decodeText(bytes: Buffer): string | undefined {
  let text: string
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe) {
      text = new TextDecoder('utf-16le', { fatal: true }).decode(bytes.subarray(2))
    } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      text = new TextDecoder('utf-16be', { fatal: true }).decode(bytes.subarray(2))
    } else {
      // fatal: a byte sequence that is not UTF-8 throws instead of becoming U+FFFD.
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes)
    }
  } catch {
    return undefined
  }
  // NUL never appears in a backup or its JSON: it marks binary data (or UTF-16 without a BOM).
  return text.includes('\u0000') ? undefined : text
}
