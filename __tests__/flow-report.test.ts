import { describe, expect, it } from '@jest/globals'
import { response } from '../__fixtures__/graph.js'
import { flowOutputs, newFlowReport, traceIdOf, type FlowReport } from '../src/flow-report.js'
import { Redactor } from '../src/redact.js'

const TOKEN = 'EAAGm0PX4ZCpsBAKZAB1rT2xQv9Lw7'
const NAMES = ['success', 'result', 'attempts', 'platform-type', 'error-message', 'fbtrace-id']

function report(changes: Partial<FlowReport<'done'>>): FlowReport<'done'> {
  return { ...newFlowReport<'done'>(), ...changes }
}

describe('flowOutputs', () => {
  it('sets the named outputs only, leaving out unset ones', () => {
    const outputs = flowOutputs(
      report({
        result: 'done',
        attempts: 1,
        before: { platformType: 'CLOUD_API', status: 'CONNECTED', verifiedName: 'Acme' },
        after: { platformType: 'NOT_APPLICABLE', status: 'DISCONNECTED' },
        fbtraceId: 'AbC'
      }),
      new Redactor([TOKEN]),
      NAMES,
      true
    )
    expect(outputs).toEqual({
      success: 'true',
      result: 'done',
      attempts: '1',
      'platform-type': 'NOT_APPLICABLE',
      'fbtrace-id': 'AbC'
    })
  })

  it('leaves the platform out after a call whose outcome is unknown and no read after it', () => {
    const outputs = flowOutputs(
      report({
        result: 'failed',
        before: { platformType: 'CLOUD_API', status: 'CONNECTED' },
        failure: { kind: 'network', message: 'No complete response within 1 s.', next: 'settle' }
      }),
      new Redactor(),
      NAMES,
      false
    )
    expect(outputs).not.toHaveProperty('platform-type')
  })

  it('redacts server text, but never garbles input problems with fragments', () => {
    const redactor = new Redactor([TOKEN])
    const echoed = flowOutputs(
      report({ errorMessage: `Graph says the token ${TOKEN} is bad` }),
      redactor,
      NAMES,
      false
    )
    expect(echoed['error-message']).toBe('Graph says the token *** is bad')
    const own = flowOutputs(
      report({ errorMessage: 'Invalid inputs:\n- retries: expected', inputProblems: ['x'] }),
      redactor,
      NAMES,
      false
    )
    expect(own['error-message']).toBe('Invalid inputs:\n- retries: expected')
  })

  it('refuses an output it has no value for', () => {
    expect(() => flowOutputs(report({}), new Redactor(), ['succes'], true)).toThrow('succes')
  })
})

describe('traceIdOf', () => {
  it('reads the first x-fb-trace-id header as inert text', () => {
    expect(traceIdOf(response(200, {}, { 'x-fb-trace-id': 'AbC' }))).toBe('AbC')
    expect(traceIdOf(response(200, {}, { 'x-fb-trace-id': ['AbC', 'DeF'] }))).toBe('AbC')
    expect(traceIdOf(response(200, {}))).toBeUndefined()
  })
})
