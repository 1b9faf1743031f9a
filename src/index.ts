import { run } from './main.js'

// run() reports its own failures; this only keeps a bug from printing a stack trace. The process
// then ends by itself: every request is destroyed at its deadline, and exiting early would cut off
// output that has not reached the runner yet.
await run().catch((error: unknown) => {
  process.exitCode = 1
  console.log(
    `::error::Unexpected failure: ${error instanceof Error ? error.name : 'unknown error'}`
  )
})
