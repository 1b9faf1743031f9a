import base from './jest.config.js'

/**
 * The contract suite only: the bundled action against Stoplight Prism serving Meta's OpenAPI file.
 * `npm test` leaves it out; `npm run test:contract` runs it.
 */
export default {
  ...base,
  testMatch: ['<rootDir>/__tests__/contract/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.node24/']
}
