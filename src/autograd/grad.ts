/**
 * torch.autograd.grad() and torch.autograd.backward() (which `tensor.backward()` calls):
 * the one place that checks the roots and prepares their gradients before the engine runs.
 */
import * as A from "../argcheck.js";
import { runBackward } from "./engine.js";
import { Tensor } from "../tensor.js";
import { onesOf } from "../ops/movement.js";

/** @inline */
type OneOrMany = Tensor | Tensor[];
/** A Tensor or an array of Tensors, checked (PyTorch: `must be tuple of Tensors, not int`). */
function list(fn: string, name: string, position: number | undefined, x: unknown): Tensor[] {
  if (x instanceof Tensor) return [x];
  if (Array.isArray(x)) { A.checkTensorList(fn, name, position, x); return x; }
  throw A.argError(fn, name, position, "a Tensor or an array of Tensors", x);
}
/** Given gradients: absent (all null), one Tensor, or an array of Tensors and nulls. */
function listOrNulls(fn: string, name: string, x: unknown, n: number): (Tensor | null)[] {
  if (x === null || x === undefined) return new Array<Tensor | null>(n).fill(null);
  if (x instanceof Tensor) return [x];
  if (Array.isArray(x)) return x as (Tensor | null)[]; // each element is checked with its tensor
  throw A.argError(fn, name, undefined, "a Tensor, an array of Tensors or null", x);
}

/**
 * Options of {@link autograd.grad}.
 * @category Autograd
 */
export interface GradOptions {
  /**
   * The gradient of some final value with respect to each output, shaped like it (PyTorch's
   * `grad_outputs`); `null` entries (or omitting it) stand for ones, allowed for one-element
   * outputs only.
   */
  gradOutputs?: OneOrMany | (Tensor | null)[] | null;
  /** Keep the graph's saved tensors for another backward pass (default: `createGraph`). */
  retainGraph?: boolean;
  /** Record the backward pass so the returned gradients can be differentiated again (default false). */
  createGraph?: boolean;
  /** Return `null` for an input the outputs do not depend on, instead of throwing (default false). */
  allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs` (`torch.autograd.grad`), returned instead of
 * accumulated: no `.grad` is touched.
 *
 * @param outputs - A tensor or an array of tensors to differentiate.
 * @param inputs - A tensor or an array of tensors that require grad.
 * @param opts - See {@link GradOptions}.
 * @returns One gradient per input, in order (`null` for an unused input with `allowUnused`).
 * @throws `One of the differentiated Tensors does not require grad`; `One of the differentiated
 *   Tensors appears to not have been used in the graph. Set allow_unused=True if this is the
 *   desired behavior.`; `grad can be implicitly created only for scalar outputs`; `got 2 tensors
 *   and 1 gradients` for an array of `gradOutputs` shorter than `outputs`.
 * @example
 * ```ts
 * const x = torch.tensor([1, 2, 3], { requiresGrad: true });
 * const [g] = torch.autograd.grad(x.pow(2).sum(), [x]); // tensor([2., 4., 6.])
 * ```
 */
export function grad(outputs: OneOrMany, inputs: OneOrMany, opts: GradOptions = {}): (Tensor | null)[] {
  A.checkOptions("grad", opts, { gradOutputs: "any", retainGraph: "bool", createGraph: "bool", allowUnused: "bool" });
  const outs = list("grad", "outputs", 1, outputs), ins = list("grad", "inputs", 2, inputs);
  const createGraph = !!opts.createGraph;
  const roots = prepareRoots(outs, listOrNulls("grad", "gradOutputs", opts.gradOutputs, outs.length), "gradOutputs");
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error("One of the differentiated Tensors does not require grad");
  }
  let results: (Tensor | null)[] = [];
  try {
    results = runBackward(outs, roots.grads, {
      retainGraph: opts.retainGraph ?? createGraph,
      createGraph,
      inputs: ins,
      allowUnused: !!opts.allowUnused,
    });
  } finally {
    roots.release(results);
  }
  return results;
}

/**
 * Accumulate the gradients of `tensors` into the graph leaves' `.grad` (`torch.autograd.backward`);
 * `t.backward(g)` is `backward([t], [g])`.
 *
 * @param tensors - A tensor or an array of tensors to differentiate.
 * @param gradTensors - The gradient with respect to each tensor (PyTorch's `grad_tensors`); `null`
 *   (or omitting it) stands for ones, allowed for one-element tensors only.
 * @param opts - `retainGraph` (default: `createGraph`), `createGraph` (default false), and
 *   `inputs`: accumulate only into these tensors.
 * @throws As {@link Tensor.backward}; `'inputs' argument to backward() cannot be empty.` for
 *   `inputs: []`.
 */
export function backward(
  tensors: OneOrMany, gradTensors?: OneOrMany | (Tensor | null)[] | null,
  opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: OneOrMany } = {},
): void {
  A.checkOptions("backward", opts, { retainGraph: "bool", createGraph: "bool", inputs: "any" });
  const ts = list("backward", "tensors", 1, tensors);
  const createGraph = !!opts.createGraph;
  const retainGraph = opts.retainGraph ?? createGraph;
  const inputs = opts.inputs === undefined ? undefined : list("backward", "inputs", undefined, opts.inputs);
  if (inputs !== undefined && inputs.length === 0) throw new Error("'inputs' argument to backward() cannot be empty.");
  const roots = prepareRoots(ts, listOrNulls("backward", "grad_tensors", gradTensors, ts.length), "gradient");
  try {
    if (inputs !== undefined) {
      // backward(inputs=) accumulates what reaches the inputs, after their hooks
      const got = runBackward(ts, roots.grads, { retainGraph, createGraph, inputs, allowUnused: true, captureAfterHooks: true });
      inputs.forEach((inp, i) => { const g = got[i]; if (g) inp._accumulateGrad(g, createGraph); });
      return;
    }
    runBackward(ts, roots.grads, { retainGraph, createGraph });
  } finally {
    roots.release([]);
  }
}

/**
 * Check each root and give it a gradient: the one given (of its shape), or ones for a
 * one-element root. `release` frees the ones made here, except those handed back as results
 * (autograd.grad of a tensor with respect to itself).
 */
function prepareRoots(tensors: Tensor[], given: (Tensor | null)[], argName: "gradient" | "gradOutputs") {
  // PyTorch zips the two lists (extra gradients are ignored), then checks the counts
  if (given.length < tensors.length) throw new Error(`got ${tensors.length} tensors and ${given.length} gradients`);
  const grads: Tensor[] = [];
  const made: Tensor[] = [];
  tensors.forEach((t, i) => {
    t._assertLive();
    if (!t.requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    const g = given[i] ?? null;
    if (g !== null && !(g instanceof Tensor)) {
      throw new TypeError(argName === "gradient"
        ? `gradient must be a Tensor or null, got ${typeof g === "object" ? "an object (did you mean backward(undefined, { ... })?)" : typeof g}`
        : "gradOutputs must be Tensors or null");
    }
    if (g === null) {
      if (t.numel() !== 1) throw new Error("grad can be implicitly created only for scalar outputs");
      const ones = onesOf(t);
      made.push(ones);
      grads.push(ones);
    } else {
      if (g.shape.length !== t.shape.length || g.shape.some((d, k) => d !== t.shape[k])) throw shapeMismatch(i, g, t);
      grads.push(g);
    }
  });
  return {
    grads,
    release(results: readonly (Tensor | null)[]): void {
      for (const t of made) if (!results.includes(t)) t.dispose();
    },
  };
}

/** PyTorch's error for a gradient whose shape is not its output's. */
function shapeMismatch(i: number, g: Tensor, t: Tensor): Error {
  const size = (s: number[]) => `torch.Size([${s.join(", ")}])`;
  return new Error(`Mismatch in shape: grad_output[${i}] has a shape of ${size(g.shape)} and output[${i}] has a shape of ${size(t.shape)}.`);
}
