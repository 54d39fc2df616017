/**
 * PyTorch's validate_outputs: after a node's rule ran, each gradient is made to fit the
 * input it flows to. A gradient of a broadcast shape is summed down to the input's shape
 * (at::sum_to) and cast to the input's dtype, so gradient rules are pure math. Under
 * createGraph both steps are recorded, like any other Tensor op.
 */
import type { FnNode } from "./node.js";
import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { sameShape } from "../shape.js";

/** The rule's gradients, each summed to its input's shape and cast to its dtype (in place in `grads`). */
export function validateOutputs(node: FnNode, grads: (Tensor | null)[]): (Tensor | null)[] {
  if (!node.checksGradients) return grads;
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g === null || g === undefined) continue;
    // the common case, checked first: a gradient that already fits its input (per op, keep it short)
    const shape = node.inputShape(i), dtype = node.inputDtype(i);
    if (shape !== null && g.dtype === dtype && sameShape(g.shape, shape) && node.needsInputGrad(i)) continue;
    grads[i] = fit(node, i, g, shape, dtype);
  }
  return grads;
}

/** Gradient `g` of input `i` made to fit it; null when no edge takes it (the engine skips it). */
function fit(node: FnNode, i: number, g: Tensor, shape: readonly number[] | null, dtype: DType | null): Tensor | null {
  // a gradient no edge takes is dropped unshaped
  if (shape === null || !node.needsInputGrad(i)) return null;
  if (!sameShape(g.shape, shape)) {
    if (!isExpandableTo(shape, g.shape)) {
      throw new Error(
        `Function ${node.name()} returned an invalid gradient at index ${i} - got [${g.shape.join(", ")}] ` +
        `but expected shape compatible with [${shape.join(", ")}]`,
      );
    }
    g = sumTo(g, shape);
  }
  return g.dtype === dtype ? g : g.to(dtype!);
}

/** PyTorch's is_expandable_to(shape, desired). */
function isExpandableTo(shape: readonly number[], desired: readonly number[]): boolean {
  if (shape.length > desired.length) return false;
  for (let i = 1; i <= shape.length; i++) {
    const s = shape[shape.length - i]!, d = desired[desired.length - i]!;
    if (s !== d && s !== 1) return false;
  }
  return true;
}

/** PyTorch's at::sum_to: sum `g` over its leading dims and the dims `shape` has as 1. */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.ndim; d++) if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  const s = dims.length > 0 ? g.sum(dims, true) : g;
  return sameShape(s.shape, shape) ? s : s.reshape(shape as number[]);
}
