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
  // Prints the totals of the secret-leak sweep that every e2e and fault scenario runs.
  reporters: ['default', '<rootDir>/__tests__/reporters/leak-sweep-reporter.js']
}
