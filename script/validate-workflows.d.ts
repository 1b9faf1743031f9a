/** One problem in a workflow or action metadata file. */
export interface Finding {
  /** Path relative to the repository root. */
  file: string
  line: number
  column: number
  message: string
  /** Which layer found it. */
  tool: 'actionlint' | 'action-validator' | 'own' | 'yaml'
  /** The tool's category, e.g. `expression`, `pin`, `action-input`. */
  kind: string
}

/** What the checks need to know of action.yml. */
export interface ActionMetadata {
  inputs: string[]
  /** Required inputs without a default. */
  requiredInputs: string[]
  outputs: string[]
}

/** Our actions by the path a step names them with: '' for the action itself, then each sub-action. */
export type ActionCatalog = Record<string, ActionMetadata>

export const WORKFLOW_FOLDERS: string[]
export const SUB_ACTIONS: string[]
export function readActionMetadata(source: string): ActionMetadata
export function readActionCatalog(root: string): ActionCatalog
export function ownActionPath(ref: string): string | undefined
export function workflowFiles(root: string): string[]
export function validateWorkflowSource(
  source: string,
  file: string,
  action: ActionMetadata | ActionCatalog,
  root?: string
): Promise<Finding[]>
export function validateActionSource(source: string, file: string, root?: string): Finding[]
export function validateRepository(
  root: string,
  files?: string[]
): Promise<{ files: string[]; findings: Finding[] }>
export function formatFinding(finding: Finding): string
