/** torch.tidy and torch.dispose: scoped freeing of tensors (see storage.ts for the scope stack). */
import { closeScope, openScope, type Disposable } from "./storage.js";
import { Tensor } from "./tensor.js";
import { collectSavingNodes, releaseUnreachable } from "./autograd/node.js";

/** Run `fn`; dispose every tensor it made that is not part of its result
 *  (a tensor, or tensors inside arrays and plain objects). Tidies nest. */
export function tidy<T>(fn: () => T): T {
  openScope();
  let result!: T;
  let keep = new Set<Disposable>();
  const { nodes } = collectSavingNodes(() => {
    try {
      result = fn();
    } catch (e) {
      closeScope(keep);
      throw e;
    }
    collectTensors(result, keep);
    closeScope(keep);
  });
  // graphs recorded inside that nothing alive reaches let go of their saved tensors
  // (a node whose output is still alive, e.g. a .grad made with createGraph, stays)
  releaseUnreachable(nodes, [...keep].filter((t): t is Tensor => t instanceof Tensor));
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
