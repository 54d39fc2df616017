/**
 * torch.autograd.grad() and torch.autograd.backward() (which `tensor.backward()` calls):
 * the one place that checks the roots and prepares their gradients before the engine runs.
 */
import { runBackward } from "./engine.js";
import { Tensor } from "../tensor.js";
import { onesOf } from "../ops/movement.js";

type OneOrMany = Tensor | Tensor[];
const list = (x: OneOrMany | null | undefined): Tensor[] => (x == null ? [] : Array.isArray(x) ? x : [x]);
const listOrNulls = (x: OneOrMany | (Tensor | null)[] | null | undefined, n: number): (Tensor | null)[] =>
  x == null ? new Array(n).fill(null) : Array.isArray(x) ? x : [x];

export interface GradOptions {
  gradOutputs?: OneOrMany | (Tensor | null)[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** Gradients of `outputs` with respect to `inputs`, without touching any `.grad`. */
export function grad(outputs: OneOrMany, inputs: OneOrMany, opts: GradOptions = {}): (Tensor | null)[] {
  const outs = list(outputs), ins = list(inputs);
  const createGraph = !!opts.createGraph;
  const roots = prepareRoots(outs, listOrNulls(opts.gradOutputs, outs.length), "gradOutputs");
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

/** torch.autograd.backward(tensors, gradTensors?, { retainGraph?, createGraph?, inputs? }). */
export function backward(
  tensors: OneOrMany, gradTensors?: OneOrMany | (Tensor | null)[] | null,
  opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: OneOrMany } = {},
): void {
  const ts = list(tensors);
  const createGraph = !!opts.createGraph;
  const retainGraph = opts.retainGraph ?? createGraph;
  const inputs = opts.inputs === undefined ? undefined : list(opts.inputs);
  if (inputs !== undefined && inputs.length === 0) throw new Error("'inputs' argument to backward() cannot be empty.");
  const roots = prepareRoots(ts, listOrNulls(gradTensors, ts.length), "gradient");
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
