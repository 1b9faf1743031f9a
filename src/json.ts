/** What a parser made of a body: its value, or `undefined` when it is not JSON. */
export type Parsed = { ok: true; value: unknown } | { ok: false }

/** Parses a body from the server or a file, without ever throwing (a JSON error quotes its input). */
export function parseJson(text: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

/** The value when it is a JSON object (not an array, not null). */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}
