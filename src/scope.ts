/** torch.tidy and torch.dispose: scoped freeing of tensors (the scope stack is in scopes.ts). */
import { refuseAsync, refusePromise } from "./callbacks.js";
import { closeScope, openScope, type Disposable } from "./scopes.js";
import { Tensor } from "./tensor.js";
import { collectSavingNodes, releaseUnreachable } from "./autograd/node.js";

/**
 * Run `fn` and dispose every tensor it made that is not part of its result (like TensorFlow.js's
 * `tf.tidy`; PyTorch has no counterpart, its memory being freed by reference counting).
 *
 * Every tensor reachable from the result is kept: the result itself, or tensors inside arrays,
 * plain objects, Maps (keys and values) and Sets, at any depth. Tidies nest. `.grad` of tensors
 * made outside survive, and graph nodes recorded inside that nothing kept reaches release their
 * saved tensors. Never required: code without `tidy` runs in bounded memory too (see {@link
 * setMemoryBudget}); it is the fastest way to free memory.
 *
 * Async code: `fn` must be synchronous. The scope is global: while it is open, every tensor made
 * anywhere is its own, so an `await` inside would let other code's tensors be freed, and the ops
 * after it would run outside the scope. An `async` function is refused before it runs; a function
 * that returns a Promise (or a result holding one) is refused when it returns, and everything it
 * made is freed. Await outside the tidy, and tidy each synchronous step.
 *
 * @param fn - A synchronous function.
 * @returns What `fn` returns.
 * @throws `TypeError` when `fn` is not a function, is async, or returns a Promise (no scope is
 *   left open).
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
  refuseAsync("tidy()", "the callback", fn, "scope");
  openScope();
  let result!: T;
  let keep = new Set<Disposable>();
  const { nodes } = collectSavingNodes(() => {
    let ok = false;
    try {
      result = refusePromise("tidy()", "the callback", fn(), "scope");
      collectTensors(result, keep, true);
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

/**
 * Dispose tensors now: a tensor, or every tensor inside arrays, plain objects, Maps and Sets (at
 * any depth). Same as calling `dispose()` on each. Using a disposed tensor throws `tensor was
 * disposed`.
 * @category Memory
 */
export function dispose(x: unknown): void {
  const s = new Set<Disposable>();
  collectTensors(x, s, false);
  for (const t of s) t.dispose();
}

/**
 * Every tensor reachable from `x` through arrays, objects, Map keys and values and Set members,
 * walked without recursion (any depth) and visiting each container once (cycles). With
 * `refusePromises`, a Promise anywhere in it is tidy's error.
 */
function collectTensors(x: unknown, into: Set<Disposable>, refusePromises: boolean): void {
  if (x === null || typeof x !== "object") return;
  if (x instanceof Tensor) { into.add(x); return; } // the common result: no walk
  const seen = new Set<object>();
  const todo: unknown[] = [x];
  while (todo.length > 0) {
    const v = todo.pop();
    if (v === null || typeof v !== "object") continue;
    if (v instanceof Tensor) { into.add(v); continue; }
    if (seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) continue;
    if (refusePromises) refusePromise("tidy()", "the callback", v, "scope");
    if (Array.isArray(v)) { for (const e of v) todo.push(e); continue; }
    if (v instanceof Map) { for (const [k, e] of v) todo.push(k, e); continue; }
    if (v instanceof Set) { for (const e of v) todo.push(e); continue; }
    for (const e of Object.values(v)) todo.push(e);
  }
}
