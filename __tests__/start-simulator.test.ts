import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, expect, afterAll } from '@jest/globals'
import { startInBackground } from '../script/start-simulator.js'

const dir = mkdtempSync(join(tmpdir(), 'start-simulator-'))
const started: number[] = []

afterAll(() => {
  for (const pid of started) stop(pid)
  rmSync(dir, { recursive: true, force: true })
})

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function stop(pid: number): void {
  try {
    process.kill(pid)
  } catch {
    // already gone
  }
}

/** A stand-in for sim/cli.js: a node process running `script`. */
const node = (script: string): [string, string[]] => [process.execPath, ['-e', script]]

describe('startInBackground', () => {
  it('returns the URL once it is printed, and leaves the process running', async () => {
    const log = join(dir, 'serving.log')
    const [command, args] = node(
      "console.error('starting'); setTimeout(() => console.log('GRAPH_API_URL=http://127.0.0.1:4321'), 200); setInterval(() => {}, 1000)"
    )
    const { url, pid } = await startInBackground(command, args, log)
    started.push(pid)
    expect(url).toBe('http://127.0.0.1:4321')
    expect(isRunning(pid)).toBe(true)
  })

  it('fails with the output when the process ends before it listens', async () => {
    const [command, args] = node("console.error('--port must be a whole number'); process.exit(2)")
    await expect(startInBackground(command, args, join(dir, 'ended.log'))).rejects.toThrow(
      /ended \(exit code 2\) before it listened\. Its output:\n--port must be a whole number/
    )
  })

  it('fails when no URL comes in time', async () => {
    const [command, args] = node("console.log('listening soon'); setInterval(() => {}, 1000)")
    await expect(startInBackground(command, args, join(dir, 'silent.log'), 300)).rejects.toThrow(
      /no GRAPH_API_URL line within 0\.3 s\. Its output:\nlistening soon/
    )
  })
})
