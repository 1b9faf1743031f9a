/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testMatch: ['**/__tests__/**/*.test.ts'],
  // The contract suite needs Prism and Meta's spec: `npm run test:contract` runs it.
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.node24/', '/__tests__/contract/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.node24/'],
  clearMocks: true,
  // The e2e and fault suites mostly wait (on timeouts, backoff, settle windows and child
  // processes), so more workers than cores pay off; jest's default on 2 cores is 1.
  maxWorkers: 4,
  // Scenarios of one describe block that run side by side (`it.concurrent`): enough to cover a
  // block's waits, few enough that the child processes do not starve each other of CPU.
  maxConcurrency: 8,
  // With 4 workers on 2 cores a CPU-bound test (the fuzz runs, the README generator) can take a
  // few times as long as alone: 5 s, jest's default, would fail it for being slow. The e2e and
  // fault files set longer limits, above the harness's kill of a hung action.
  testTimeout: 30_000,
  // Prints the totals of the secret-leak sweep that every e2e and fault scenario runs.
  reporters: ['default', '<rootDir>/__tests__/reporters/leak-sweep-reporter.js']
}
