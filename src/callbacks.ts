/**
 * Callbacks the library runs synchronously: tidy, noGrad/enableGrad, detectAnomaly, a custom
 * Function's forward/backward, tensor hooks, gradcheck and autograd.functional functions,
 * checkpoint, Module.forward, an optimizer's closure. Grad mode, anomaly mode, tidy's scope and
 * the backend are global (PyTorch keeps grad mode per thread; JS has one thread), so a callback
 * cannot go on past an `await`: its rest would run after the mode was restored or the scope
 * closed, or would change them under other code. Such callbacks are refused: an async function
 * before it runs, a Promise (any thenable) as soon as it is returned, the caller restoring what
 * it changed as the error propagates. The error's wording is written here, once.
 */

/** Whether `fn` is declared `async` (or `async function*`). */
export function isAsyncFunction(fn: unknown): boolean {
  const kind = (fn as { constructor?: { name?: string } } | null)?.constructor?.name;
  return kind === "AsyncFunction" || kind === "AsyncGeneratorFunction";
}

/** Whether `x` is a Promise or another thenable (what `await` would wait for). */
export function isThenable(x: unknown): boolean {
  if (x === null || (typeof x !== "object" && typeof x !== "function")) return false;
  try {
    return typeof (x as { then?: unknown }).then === "function";
  } catch {
    return false; // a getter that throws: not something await could use either
  }
}

/**
 * What the callback would carry across an `await`, each with why that breaks and what to do
 * instead.
 */
const HELD = {
  gradMode: {
    why: "grad mode is global, so it cannot follow an await (code that runs meanwhile would see it)",
    instead: "Run the synchronous steps inside the callback and await outside it; do not hold a guard (using _ = torch.noGrad()) across an await either.",
  },
  scope: {
    why: "tidy's scope is global, so it cannot follow an await (tensors made meanwhile would be its own)",
    instead: "Await outside the tidy, and tidy each synchronous step.",
  },
  anomaly: {
    why: "anomaly mode is global, so it cannot follow an await (code that runs meanwhile would see it)",
    instead: "Await outside detectAnomaly, and run each synchronous step inside it.",
  },
  graph: {
    why: "autograd uses its result as soon as it returns, with grad mode and the graph as they are then",
    instead: "Await what it needs first, then compute synchronously.",
  },
} as const;

/** What a callback holds while it runs (see {@link syncOnlyError}). */
export type Held = keyof typeof HELD;

/**
 * The error for a callback that is async (`got: "async"`) or returned a thenable: `site` is the
 * API called (`noGrad()`), `role` the callback (`the callback`, `Exp.forward`).
 */
export function syncOnlyError(site: string, role: string, got: "async" | "promise", held: Held): TypeError {
  const what = got === "async" ? "is an async function" : "returned a Promise";
  const { why, instead } = HELD[held];
  return new TypeError(`${site}: ${role} ${what}, but it must be synchronous: ${why}. ${instead}`);
}

/** Refuse an async function before it runs. */
export function refuseAsync(site: string, role: string, fn: unknown, held: Held): void {
  if (isAsyncFunction(fn)) throw syncOnlyError(site, role, "async", held);
}

/**
 * Refuse a thenable a callback returned (else return the value): its rejection, which nobody
 * will see now, is marked handled so it does not also surface as an unhandled rejection.
 */
export function refusePromise<T>(site: string, role: string, result: T, held: Held): T {
  if (!isThenable(result)) return result;
  try {
    (result as PromiseLike<unknown>).then(undefined, () => {});
  } catch {
    // a thenable whose then() throws: nothing to silence
  }
  throw syncOnlyError(site, role, "promise", held);
}

/** Call `fn` as a synchronous callback: refused when async, or when it returns a thenable. */
export function callSync<T>(site: string, role: string, held: Held, fn: () => T, callee: unknown = fn): T {
  refuseAsync(site, role, callee, held);
  return refusePromise(site, role, fn(), held);
}
