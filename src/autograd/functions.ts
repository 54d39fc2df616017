/** torch.autograd: grad(), backward(). */
import { runBackward } from "./engine.js";
import { backwardImpl, shapeMismatch, Tensor } from "../tensor.js";
import { onesOf } from "../ops/movement.js";

type OneOrMany = Tensor | Tensor[];
const list = (x: OneOrMany | null | undefined): Tensor[] => (x == null ? [] : Array.isArray(x) ? x : [x]);

export interface GradOptions {
  gradOutputs?: OneOrMany | (Tensor | null)[] | null;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/** Gradients of `outputs` with respect to `inputs`, without touching any `.grad`. */
export function grad(outputs: OneOrMany, inputs: OneOrMany, opts: GradOptions = {}): (Tensor | null)[] {
  const outs = list(outputs), ins = list(inputs);
  const gos = opts.gradOutputs == null ? [] : Array.isArray(opts.gradOutputs) ? opts.gradOutputs : [opts.gradOutputs];
  const createGraph = !!opts.createGraph;
  const rootGrads = outs.map((o, i) => {
    if (!o.requiresGrad) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    const g = gos[i] ?? null;
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new TypeError("gradOutputs must be Tensors or null");
      if (g.shape.length !== o.shape.length || g.shape.some((d, k) => d !== o.shape[k])) throw shapeMismatch(i, g, o);
      return g;
    }
    if (o.numel() !== 1) throw new Error("grad can be implicitly created only for scalar outputs");
    return onesOf(o);
  });
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error("One of the differentiated Tensors does not require grad");
  }
  return runBackward(outs, rootGrads, {
    retainGraph: opts.retainGraph ?? createGraph,
    createGraph,
    inputs: ins,
    allowUnused: !!opts.allowUnused,
  });
}

/** torch.autograd.backward(tensors, gradTensors?, { retainGraph?, createGraph?, inputs? }). */
export function backward(
  tensors: OneOrMany, gradTensors?: OneOrMany | (Tensor | null)[] | null,
  opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: OneOrMany } = {},
): void {
  const ts = list(tensors);
  const gs = gradTensors == null ? ts.map(() => null) : Array.isArray(gradTensors) ? gradTensors : [gradTensors];
  backwardImpl(ts, gs, { retainGraph: opts.retainGraph, createGraph: opts.createGraph, inputs: opts.inputs === undefined ? undefined : list(opts.inputs) });
}
