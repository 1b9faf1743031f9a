import { run } from './flow.js'

// run() reports its own failures; this only keeps a bug from printing a stack trace (see ../index.ts).
await run().catch((error: unknown) => {
  process.exitCode = 1
  console.log(
    `::error::Unexpected failure: ${error instanceof Error ? error.name : 'unknown error'}`
  )
})
