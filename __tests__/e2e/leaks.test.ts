import { describe, expect, it } from '@jest/globals'
import { maskedValues, parseOutputFile, type ActionRun } from '../../sim/action-runner.js'
import { expectMasked, expectNoLeaks, findLeaks, leakSweep } from './leaks.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKqZBz'
const PASSWORD = 'hunter-2-Kq9w'
const BACKUP = 'q8Zr1TbV0mXc2LpA\r\nW3nYs5JkE7uHd9Ff\nshort\nG4hNa6QeR2tPz8Lx'

function run(parts: Partial<ActionRun> = {}): ActionRun {
  return { exitCode: 0, stdout: '', stderr: '', outputs: {}, summary: '', signal: null, ...parts }
}

/** Runner command escaping, as @actions/core applies it to ::add-mask:: data. */
function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function expectNoSecretIn(descriptions: string[], secrets: string[]): void {
  for (const description of descriptions) {
    for (const secret of secrets) {
      for (let i = 0; i + 6 <= secret.length; i++) {
        expect(description).not.toContain(secret.slice(i, i + 6))
      }
    }
  }
}

describe('findLeaks', () => {
  it('finds nothing in a clean run', () => {
    const clean = run({
      stdout: `${'::add-mask::'}${TOKEN}\nRegistering phone number 1000001\n`,
      outputs: { result: 'registered' },
      summary: '## Registered'
    })
    expect(findLeaks(clean, [TOKEN, PASSWORD, BACKUP])).toEqual([])
  })

  it('finds a whole secret in stderr and names it by position only', () => {
    const leaks = findLeaks(run({ stderr: `oops\nAuthorization: Bearer ${TOKEN}\n` }), [
      PASSWORD,
      TOKEN
    ])
    expect(leaks).toEqual(['secret 2 of 2: the whole value in stderr, line 2'])
    expectNoSecretIn(leaks, [TOKEN, PASSWORD])
  })

  it('finds a planted 6-character fragment, but not a 5-character one', () => {
    const fragment = TOKEN.slice(7, 13)
    const leaks = findLeaks(run({ summary: `| id | ${fragment} |` }), [TOKEN])
    expect(leaks).toEqual(['secret 1 of 1: a 6+ character fragment in the summary, line 1'])
    expect(findLeaks(run({ summary: `| id | ${TOKEN.slice(7, 12)} |` }), [TOKEN])).toEqual([])
    expectNoSecretIn(leaks, [TOKEN])
  })

  it('finds a line of a multi-line secret in an output, counting lines as the value has them', () => {
    const leaks = findLeaks(
      run({ outputs: { response: '{"error":"bad backup W3nYs5JkE7uHd9Ff"}' } }),
      [BACKUP]
    )
    expect(leaks).toEqual(['secret 1 of 1: line 2 of the value in output response, line 1'])
  })

  it('finds a multi-line secret printed whole once, not again line by line', () => {
    const leaks = findLeaks(run({ stdout: `start\n${BACKUP}\nend\n` }), [BACKUP])
    expect(leaks).toEqual(['secret 1 of 1: the whole value in stdout, line 2'])
  })

  it('finds a fragment that spans the end of one secret line and the start of the next', () => {
    const leaks = findLeaks(run({ stdout: 'data: Fff\nsho\n' }), ['W3nYs5JkE7uHd9Fff\nshort'])
    expect(leaks).toEqual(['secret 1 of 1: a 6+ character fragment in stdout, line 1'])
  })

  it('ignores ::add-mask:: lines but not the same value on any other line', () => {
    const masks = `::add-mask::${TOKEN}\n::add-mask::${escapeData(BACKUP)}\n`
    expect(findLeaks(run({ stdout: masks }), [TOKEN, BACKUP])).toEqual([])
    const leaks = findLeaks(run({ stdout: `${masks}::debug::token ${TOKEN}\n` }), [TOKEN, BACKUP])
    expect(leaks).toEqual(['secret 1 of 2: the whole value in stdout, line 3'])
  })

  it('lists the lines of repeated leaks, capped', () => {
    const stdout = Array.from({ length: 8 }, () => `pw ${PASSWORD}`).join('\n')
    expect(findLeaks(run({ stdout }), [PASSWORD])).toEqual([
      'secret 1 of 1: the whole value in stdout, lines 1, 2, 3, 4, 5 and 3 more'
    ])
  })

  it('finds a fragment from deep inside a long secret in a long text', () => {
    const backup = Array.from({ length: 20_000 }, (_, i) => `chunk${i.toString(36)}`).join('')
    const planted = backup.slice(150_000, 150_008)
    const noise = 'x'.repeat(500_000)
    const leaks = findLeaks(run({ stdout: `${noise}\n${noise}${planted}\n` }), [backup])
    expect(leaks).toEqual(['secret 1 of 1: a 6+ character fragment in stdout, line 2'])
  })

  it('skips empty secrets', () => {
    expect(findLeaks(run({ stdout: 'anything' }), ['', TOKEN])).toEqual([])
  })

  it('counts scenarios, secrets checked and leaks found', () => {
    const before = { ...leakSweep }
    findLeaks(run({ stdout: `${TOKEN}\n`, stderr: PASSWORD }), [TOKEN, PASSWORD, ''])
    expect(leakSweep).toEqual({
      scenarios: before.scenarios + 1,
      secretsChecked: before.secretsChecked + 2,
      leaksFound: before.leaksFound + 2
    })
  })
})

describe('expectNoLeaks', () => {
  it('passes a clean run and throws a message that never quotes the secret', () => {
    expect(() => expectNoLeaks(run({ stdout: 'ok' }), [TOKEN])).not.toThrow()
    const leaky = run({ outputs: { 'error-message': `bad PIN for ${PASSWORD}` } })
    expect(() => expectNoLeaks(leaky, [TOKEN, PASSWORD])).toThrow(
      'secret 2 of 2: the whole value in output error-message, line 1'
    )
    try {
      expectNoLeaks(leaky, [TOKEN, PASSWORD])
    } catch (error) {
      expectNoSecretIn([(error as Error).message], [TOKEN, PASSWORD])
    }
  })
})

describe('expectMasked and maskedValues', () => {
  it('decodes the command escaping in one pass', () => {
    const stdout = `::add-mask::${escapeData('50%0A off\r\nnext')}\n::debug::x\n`
    expect(maskedValues(stdout)).toEqual(['50%0A off\r\nnext'])
  })

  it('accepts each secret masked whole, a multi-line one included, and skips empty ones', () => {
    const stdout = [TOKEN, PASSWORD, BACKUP].map(s => `::add-mask::${escapeData(s)}`).join('\n')
    expect(() => expectMasked(run({ stdout }), [TOKEN, PASSWORD, BACKUP, ''])).not.toThrow()
  })

  it('accepts a multi-line secret masked line by line', () => {
    const stdout = BACKUP.split(/\r?\n/)
      .map(line => `::add-mask::${line}`)
      .join('\n')
    expect(() => expectMasked(run({ stdout }), [BACKUP])).not.toThrow()
  })

  it('names each secret that was never masked, without quoting it', () => {
    const stdout = `::add-mask::${TOKEN}\nmasking ${PASSWORD} by hand\n`
    expect(() => expectMasked(run({ stdout }), [TOKEN, PASSWORD, BACKUP])).toThrow(
      'Not registered with ::add-mask::: secret 2 of 3, secret 3 of 3'
    )
  })
})

describe('parseOutputFile', () => {
  it('reads heredoc values with line breaks intact and single-line values, a later one winning', () => {
    const file =
      'result<<ghadelimiter_1\nregistered\nghadelimiter_1\n' +
      'response<<ghadelimiter_2\n{"a":1}\r\nsecond line\nghadelimiter_2\n' +
      'empty<<ghadelimiter_3\n\nghadelimiter_3\n' +
      'attempts=1\nattempts=2\n'
    expect(parseOutputFile(file)).toEqual({
      result: 'registered',
      response: '{"a":1}\r\nsecond line',
      empty: '',
      attempts: '2'
    })
  })

  it('refuses a heredoc without its closing delimiter', () => {
    expect(() => parseOutputFile('result<<EOF\nregistered\n')).toThrow('no closing delimiter')
  })
})
