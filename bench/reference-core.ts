// Start-up reference: a bundle of @actions/core alone, failing at once as our action does on bad
// input. Everything our bundle costs beyond this is our own code.
import * as core from '@actions/core'

core.setFailed('reference: @actions/core only')
