/** torch.tidy and torch.dispose: scoped freeing of tensors (the scope stack is in scopes.ts). */
import { isAsyncFunction } from "./callbacks.js";
import { closeScope, openScope, type Disposable } from "./scopes.js";
import { Tensor } from "./tensor.js";
import { collectSavingNodes, releaseUnreachable } from "./autograd/node.js";

/** Run `fn`; dispose every tensor it made that is not part of its result
 *  (a tensor, or tensors inside arrays and plain objects). Tidies nest.
 *  `fn` must be synchronous: a bad call throws and leaves no scope open. */
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

/** Dispose tensors (or arrays/objects of tensors). */
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
