import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals'
import {
  decodeText,
  extractBackupData,
  MAX_BACKUP_FILE_BYTES,
  readBackupFile
} from '../src/backup.js'

const SECRET = 'c2VjcmV0LWJhY2t1cC1ibG9i'
const MULTI_LINE = `${SECRET}\r\nsecond-line-of-backup\nthird`

describe('extractBackupData', () => {
  it.each([
    ['a raw string', SECRET, SECRET],
    ['a multi-line raw string, kept exactly', MULTI_LINE, MULTI_LINE],
    ['a raw string that is JSON but not an object', `"${SECRET}"`, `"${SECRET}"`],
    ['an envelope', JSON.stringify({ settings: { data: SECRET } }), SECRET],
    [
      'an envelope with other fields',
      JSON.stringify({ meta: { api_status: 'stable' }, settings: { data: SECRET, v: 2 } }),
      SECRET
    ],
    [
      'an envelope with an escaped multi-line value',
      JSON.stringify({ settings: { data: MULTI_LINE } }),
      MULTI_LINE
    ],
    ['a pretty-printed envelope', JSON.stringify({ settings: { data: SECRET } }, null, 2), SECRET]
  ])('takes %s', (_, text, data) => {
    expect(extractBackupData(text, 'backup-data')).toEqual({ ok: true, data })
  })

  it.each([
    ['empty', '', /^backup-data: the backup is empty\.$/],
    [
      'broken JSON',
      `{"settings":{"data":"${SECRET}"`,
      /^backup-data: starts like the backup response JSON but is not valid JSON/
    ],
    ['JSON with a trailing comma', `{"settings":{"data":"${SECRET}",}}`, /not valid JSON/],
    ['an empty object', '{}', /without a non-empty "settings\.data" string/],
    ['settings null', '{"settings":null}', /without a non-empty "settings\.data" string/],
    [
      'settings a string',
      `{"settings":"${SECRET}"}`,
      /without a non-empty "settings\.data" string/
    ],
    ['data empty', '{"settings":{"data":""}}', /without a non-empty "settings\.data" string/],
    [
      'data a number',
      '{"settings":{"data":12345678}}',
      /without a non-empty "settings\.data" string/
    ],
    [
      'data an object',
      `{"settings":{"data":{"value":"${SECRET}"}}}`,
      /without a non-empty "settings\.data" string/
    ]
  ])('rejects %s without quoting it', (_, text, problem) => {
    const result = extractBackupData(text, 'backup-data')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.problem).toMatch(problem)
    expect(result.problem).not.toContain(SECRET)
    expect(result.problem).not.toContain('12345678')
  })

  it('names the input it was given', () => {
    const result = extractBackupData('{', 'backup-file')
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/^backup-file: /) })
  })
})

describe('readBackupFile', () => {
  let workspace: string
  beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'backup-test-'))
    mkdirSync(join(workspace, 'nested'))
    writeFileSync(join(workspace, 'nested', 'backup.txt'), `${MULTI_LINE}\r\n`)
    writeFileSync(join(workspace, 'padded.txt'), `  ${MULTI_LINE} \n\n`)
    writeFileSync(join(workspace, 'exact.txt'), 'x'.repeat(16))
    // Sparse: its size is above the limit without writing 64 MB.
    truncateSync(join(workspace, 'exact.txt'), MAX_BACKUP_FILE_BYTES)
    writeFileSync(join(workspace, 'huge.txt'), '')
    truncateSync(join(workspace, 'huge.txt'), MAX_BACKUP_FILE_BYTES + 1)
  })
  afterAll(() => rmSync(workspace, { recursive: true, force: true }))

  it('reads a path relative to the workspace, without the line ending that ends the file', () => {
    expect(readBackupFile('nested/backup.txt', workspace)).toEqual({ ok: true, text: MULTI_LINE })
  })

  it('keeps everything else exactly, spaces and blank lines included', () => {
    expect(readBackupFile('padded.txt', workspace)).toEqual({
      ok: true,
      text: `  ${MULTI_LINE} \n`
    })
  })

  it('reads an absolute path regardless of the workspace', () => {
    expect(readBackupFile(join(workspace, 'nested/backup.txt'), '/somewhere/else')).toEqual({
      ok: true,
      text: MULTI_LINE
    })
  })

  it('says which path it looked for when the file is missing', () => {
    const result = readBackupFile('missing.json', workspace)
    expect(result).toEqual({
      ok: false,
      problem: `backup-file: "missing.json" (looked for ${resolve(workspace, 'missing.json')}) does not exist or cannot be read.`
    })
  })

  it('rejects a folder', () => {
    const result = readBackupFile('nested', workspace)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.problem).toMatch(/is not a regular file\.$/)
  })

  it('accepts a file of exactly the limit and rejects one byte more, without reading it', () => {
    // Read (and refused as binary: the sparse file is all NUL), not refused for its size.
    const exact = readBackupFile('exact.txt', workspace)
    expect(exact).toEqual({ ok: false, problem: expect.stringContaining('is not text') })
    const huge = readBackupFile('huge.txt', workspace)
    expect(huge).toEqual({
      ok: false,
      problem: expect.stringContaining(
        `has ${MAX_BACKUP_FILE_BYTES + 1} bytes; a backup is expected to be at most ${MAX_BACKUP_FILE_BYTES}.`
      )
    })
  })
})

describe('decodeText', () => {
  const text = 'backup-données €\nline two'

  it.each([
    ['UTF-8', Buffer.from(text, 'utf8')],
    [
      'UTF-8 with a byte-order mark',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])
    ],
    [
      'UTF-16 LE with a byte-order mark (Windows PowerShell)',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])
    ],
    [
      'UTF-16 BE with a byte-order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()])
    ]
  ])('decodes %s', (_, bytes) => {
    expect(decodeText(bytes)).toBe(text)
  })

  it.each([
    ['invalid UTF-8', Buffer.from([0x61, 0xc3, 0x28, 0x62])],
    ['Latin-1 text', Buffer.from('données', 'latin1')],
    ['binary data', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])],
    ['UTF-16 without a byte-order mark', Buffer.from('backup', 'utf16le')],
    ['UTF-16 LE with an odd byte count', Buffer.from([0xff, 0xfe, 0x61, 0x00, 0x62])]
  ])('refuses %s', (_, bytes) => {
    expect(decodeText(bytes)).toBeUndefined()
  })
})
