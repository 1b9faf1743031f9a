import { describe, it, expect } from '@jest/globals'
import { neutralize } from '../src/server-text.js'

describe('neutralize', () => {
  it.each([
    [
      'a line break before a workflow command',
      'Acme\n::set-output name=success::true',
      'Acme ::set-output name=success::true'
    ],
    ['CR LF and a lone CR', 'a\r\nb\rc', 'a b c'],
    ['Unicode line and paragraph separators, NEL', 'a\u2028b\u2029c\u0085d', 'a b c d'],
    ['vertical tab and form feed', 'a\u000bb\u000cc', 'a b c'],
    ['a tab', 'a\tb', 'a b'],
    ['an ANSI colour', '\u001b[31mred\u001b[0m name', 'red name'],
    ['an OSC title sequence', '\u001b]0;owned\u0007name', 'name'],
    ['NUL and other controls', 'a\u0000b\u0007c\u007fd\u009be', 'a\ufffdb\ufffdc\ufffdd\ufffde'],
    ['a right-to-left override', 'abc\u202edcba', 'abc\ufffddcba']
  ])('makes %s inert', (_, text, expected) => {
    expect(neutralize(text)).toBe(expected)
  })

  it('leaves ordinary text, accents and emoji alone', () => {
    const text = 'Café Zoë — 🚀 +1 555-0100 (HIGH)'
    expect(neutralize(text)).toBe(text)
  })

  it('never leaves a line break or control character, whatever the input', () => {
    let all = ''
    for (let c = 0; c < 0x3000; c++) all += String.fromCharCode(c)
    expect(neutralize(`${all}\n::stop-commands::x`)).not.toMatch(
      // eslint-disable-next-line no-control-regex
      new RegExp('[\u0000-\u001f\u007f-\u009f\u2028\u2029]')
    )
  })
})
