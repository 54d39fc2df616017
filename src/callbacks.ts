/**
 * Callbacks the library runs inside a scope or a mode (tidy, detectAnomaly): an async
 * function's body would go on after the scope closed or the mode was restored, so such
 * callbacks are refused before they run.
 */

/** Whether `fn` is declared `async` (or `async function*`). */
export function isAsyncFunction(fn: unknown): boolean {
  const kind = (fn as { constructor?: { name?: string } } | null)?.constructor?.name;
  return kind === "AsyncFunction" || kind === "AsyncGeneratorFunction";
}
