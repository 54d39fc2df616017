/** torch.tidy and torch.dispose: scoped freeing of tensors (see storage.ts for the scope stack). */
import { closeScope, openScope, type Disposable } from "./storage.js";
import { Tensor } from "./tensor.js";

/** Run `fn`; dispose every tensor it made that is not part of its result
 *  (a tensor, or tensors inside arrays and plain objects). Tidies nest. */
export function tidy<T>(fn: () => T): T {
  openScope();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(new Set());
    throw e;
  }
  const keep = new Set<Disposable>();
  collectTensors(result, keep);
  closeScope(keep);
  return result;
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
