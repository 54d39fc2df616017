/** torch.tidy and torch.dispose: scoped freeing of tensors (the scope stack is in scopes.ts). */
import { isAsyncFunction } from "./callbacks.js";
import { closeScope, openScope, type Disposable } from "./scopes.js";
import { Tensor } from "./tensor.js";
import { collectSavingNodes, releaseUnreachable } from "./autograd/node.js";

/**
 * Run `fn` and dispose every tensor it made that is not part of its result (like TensorFlow.js's
 * `tf.tidy`; PyTorch has no counterpart, its memory being freed by reference counting).
 *
 * The result may be a tensor, or tensors inside arrays and plain objects (to any depth up to 8):
 * those are kept. Tidies nest. `.grad` of tensors made outside survive, and graph nodes recorded
 * inside that nothing kept reaches release their saved tensors. Never required: code without `tidy`
 * runs in bounded memory too (see {@link setMemoryBudget}); it is the fastest way to free memory.
 *
 * @param fn - A synchronous function.
 * @returns What `fn` returns.
 * @throws `TypeError` when `fn` is not a function; an `Error` when it is async or returns a Promise
 *   (no scope is left open).
 * @example
 * ```ts
 * const loss = torch.tidy(() => {
 *   const y = model.call(x);            // freed when the tidy ends...
 *   return y.sub(target).pow(2).mean(); // ...but the result is kept
 * });
 * ```
 * @category Memory
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") {
    throw new TypeError(`tidy(fn): fn must be a function, got ${fn === null ? "null" : typeof fn}`);
  }
  // refuse an async function before running it: its body would run past the tidy
  if (isAsyncFunction(fn)) {
    throw new Error("tidy(fn): fn must be synchronous (got an async function); await outside the tidy, or tidy each synchronous step");
  }
  openScope();
  let result!: T;
  let keep = new Set<Disposable>();
  const { nodes } = collectSavingNodes(() => {
    let ok = false;
    try {
      result = fn();
      if (isThenable(result)) {
        // nobody will see this promise: don't let its rejection go unhandled as well
        (result as PromiseLike<unknown>).then(undefined, () => {});
        throw new Error("tidy(fn): fn must be synchronous (it returned a Promise)");
      }
      collectTensors(result, keep);
      ok = true;
    } finally {
      // always close the scope (fn threw, or its result was refused: nothing is kept)
      closeScope(ok ? keep : (keep = new Set()));
    }
  });
  // graphs recorded inside that nothing alive reaches let go of their saved tensors
  // (a node whose output is still alive, e.g. a .grad made with createGraph, stays)
  releaseUnreachable(nodes, [...keep].filter((t): t is Tensor => t instanceof Tensor));
  return result;
}

function isThenable(x: unknown): boolean {
  return x !== null && (typeof x === "object" || typeof x === "function") && typeof (x as { then?: unknown }).then === "function";
}

/**
 * Dispose tensors now: a tensor, or the tensors inside arrays and plain objects. Same as calling
 * `dispose()` on each. Using a disposed tensor throws `tensor was disposed`.
 * @category Memory
 */
export function dispose(x: unknown): void {
  const s = new Set<Disposable>();
  collectTensors(x, s);
  for (const t of s) t.dispose();
}

function collectTensors(x: unknown, into: Set<Disposable>, depth = 0): void {
  if (depth > 8 || x === null || typeof x !== "object") return;
  if (x instanceof Tensor) { into.add(x); return; }
  if (Array.isArray(x)) { for (const v of x) collectTensors(v, into, depth + 1); return; }
  if (ArrayBuffer.isView(x)) return;
  if (x instanceof Promise) throw new Error("tidy(fn): fn must be synchronous (it returned a Promise)");
  for (const v of Object.values(x)) collectTensors(v, into, depth + 1);
}
