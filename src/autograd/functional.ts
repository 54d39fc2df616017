/**
 * torch.autograd.functional: jacobian, hessian, vjp, jvp (PyTorch 1.13, reverse mode).
 *
 * `fn` is called with the inputs spread (`fn(x)` for one tensor, `fn(a, b)` for an
 * array). One tensor in gives tensors out; an array of inputs (or a function returning
 * an array) gives arrays, nested `[output][input]` as PyTorch's tuples. Results are
 * detached unless `{ createGraph: true }` is given as the last argument; then the
 * inputs' own graphs are kept and the results can be differentiated again.
 *
 * Each call frees what it made for itself (tidy) and, without createGraph, releases
 * the saved tensors of the graph it recorded, instead of leaving them to the GC.
 * `fn` must be synchronous: an async function, or one returning a Promise, is refused.
 */
import { Tensor, allocTensor } from "../tensor.js";
import { enableGrad } from "./grad_mode.js";
import { grad } from "./grad.js";
import { stack } from "../ops/movement.js";
import { sameShape } from "../shape.js";
import { releaseNodes } from "./gradcheck.js";
import { tidy } from "../scope.js";
import { collectSavingNodes } from "./node.js";
import { kindOf } from "../argcheck.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

/**
 * Options of the {@link autograd.functional} functions.
 * @category Autograd
 */
export interface FunctionalOptions {
  /** Keep the graph of the results (for higher-order derivatives); default false. */
  createGraph?: boolean;
  /** Throw when an output is independent of an input, instead of returning zeros; default false. */
  strict?: boolean;
}

/** @inline */
type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];
/** @inline */
type Inputs = Tensor | Tensor[];

/**
 * The Jacobian of `fn` at `inputs` (`torch.autograd.functional.jacobian`). `fn` is called with the
 * inputs spread (`fn(x)` for one tensor, `fn(a, b)` for an array).
 *
 * One input and one output give a tensor of shape `[...output.shape, ...input.shape]`; with an
 * array of inputs or of outputs the result is an array (`result[j]` per input, or per output), and
 * with both, `result[i][j]` (output i, input j), as PyTorch's tuples. Results are detached unless
 * `createGraph` is set.
 * @example
 * ```ts
 * const J = torch.autograd.functional.jacobian((t: torch.Tensor) => t.pow(2), torch.tensor([1, 2])); // diag(2, 4)
 * ```
 */
export function jacobian(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor, opts?: FunctionalOptions): Tensor;
/** The Jacobian of a one-output `fn` at several inputs: one tensor per input. */
export function jacobian(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts?: FunctionalOptions): Tensor[];
/** The Jacobian of a several-output `fn` at one input: one tensor per output. */
export function jacobian(fn: (...inputs: Tensor[]) => Tensor[], inputs: Tensor, opts?: FunctionalOptions): Tensor[];
/** The Jacobian of a several-output `fn` at several inputs: `result[i][j]` for output i and input j. */
export function jacobian(fn: (...inputs: Tensor[]) => Tensor[], inputs: Tensor[], opts?: FunctionalOptions): Tensor[][];
/** The Jacobian when the shapes are known only at run time (see the first signature). */
export function jacobian(fn: Fn, inputs: Inputs, opts?: FunctionalOptions): Tensor | Tensor[] | Tensor[][];
export function jacobian(fn0: Fn, inputs: Inputs, opts: FunctionalOptions = {}): Tensor | Tensor[] | Tensor[][] {
  const fn = syncFn("jacobian", fn0);
  const createGraph = !!opts.createGraph, strict = !!opts.strict;
  return run(createGraph, () => enableGrad(() => {
    const isInputsTuple = Array.isArray(inputs);
    const ins = gradPreprocess(asTuple(inputs, "inputs", "jacobian"), createGraph, true);
    const out = fn(...ins);
    const isOutputsTuple = Array.isArray(out);
    const outs = asTuple(out, "outputs of the user-provided function", "jacobian");
    checkRequiresGrad(outs, "outputs", strict);

    const jac: Tensor[][] = outs.map((o, i) => {
      const rows: Tensor[][] = ins.map(() => []);
      const n = o.numel();
      for (let k = 0; k < n; k++) {
        const oneHot = allocTensor(o._storage.backend, o.dtype, o.shape.slice());
        oneHot._storage.backend.fill(oneHot._storage.handle, o.dtype, 1, k, 1);
        const vj = autogradGrad([o], ins, [oneHot], createGraph, true);
        vj.forEach((g, el) => {
          if (g !== null) {
            if (strict && createGraph && !g.requiresGrad) {
              throw new Error(
                `The jacobian of the user-provided function is independent of input ${i}. ` +
                "This is not allowed in strict mode when create_graph=True.",
              );
            }
            rows[el]!.push(g);
          } else {
            if (strict) {
              throw new Error(`Output ${i} of the user-provided function is independent of input ${el}. This is not allowed in strict mode.`);
            }
            rows[el]!.push(zerosLike(ins[el]!));
          }
        });
      }
      return rows.map((r, el) => {
        const shape = [...o.shape, ...ins[el]!.shape];
        return r.length === 0 ? allocTensor(ins[el]!._storage.backend, ins[el]!.dtype, shape) : stack(r, 0).reshape(shape);
      });
    });
    return tuplePostprocess2(jac.map((row) => gradPostprocess(row, createGraph)), isOutputsTuple, isInputsTuple);
  }));
}

/**
 * The Hessian of a function returning a one-element tensor (`torch.autograd.functional.hessian`):
 * for one input a tensor of shape `[...input.shape, ...input.shape]`.
 * @example
 * ```ts
 * torch.autograd.functional.hessian((t: torch.Tensor) => t.pow(3).sum(), torch.tensor([1, 2])); // diag(6, 12)
 * ```
 */
export function hessian(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor, opts?: FunctionalOptions): Tensor;
/** The Hessian at several inputs: `result[i][j]` is the block for inputs i and j. */
export function hessian(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], opts?: FunctionalOptions): Tensor[][];
/** The Hessian when the number of inputs is known only at run time (see the other signatures). */
export function hessian(fn: (...inputs: Tensor[]) => Tensor, inputs: Inputs, opts?: FunctionalOptions): Tensor | Tensor[][];
export function hessian(fn0: (...inputs: Tensor[]) => Tensor, inputs: Inputs, opts: FunctionalOptions = {}): Tensor | Tensor[][] {
  const fn = syncFn("hessian", fn0);
  const createGraph = !!opts.createGraph, strict = !!opts.strict;
  const isInputsTuple = Array.isArray(inputs);
  const ins = asTuple(inputs, "inputs", "hessian");

  const ensureSingleOutput = (...inp: Tensor[]): Tensor => {
    const out = fn(...inp) as unknown;
    const isOutTuple = Array.isArray(out);
    const tOut = asTuple(out as Inputs, "outputs of the user-provided function", "hessian");
    checkRequiresGrad(tOut, "outputs", strict);
    if (isOutTuple || !(out instanceof Tensor)) throw new Error("The function given to hessian should return a single Tensor");
    if (out.numel() !== 1) throw new Error("The Tensor returned by the function given to hessian should contain a single element");
    return out.squeeze();
  };
  const jacFunc = (...inp: Tensor[]): Tensor[] => {
    const jac = jacobian(ensureSingleOutput, inp, { createGraph: true });
    checkRequiresGrad(jac, "jacobian", strict);
    return jac;
  };
  const res = jacobian(jacFunc, ins, { createGraph, strict });
  return tuplePostprocess2(res, isInputsTuple, isInputsTuple) as Tensor | Tensor[][];
}

/**
 * Vector-Jacobian product (`torch.autograd.functional.vjp`).
 *
 * @param v - The vector, shaped like `fn`'s output(s); may be omitted (or skipped: `vjp(fn, inputs,
 *   opts)`) when `fn` returns a one-element tensor.
 * @returns `[fn(inputs), vᵀJ]`, the second shaped like the inputs.
 */
export function vjp(fn0: Fn, inputs: Inputs, v?: Inputs | null | FunctionalOptions, opts: FunctionalOptions = {}): [Tensor | Tensor[], Tensor | Tensor[]] {
  const fn = syncFn("vjp", fn0);
  if (isOptions(v)) { opts = v; v = undefined; }
  const vv = v as Inputs | null | undefined;
  const createGraph = !!opts.createGraph, strict = !!opts.strict;
  return run(createGraph, () => enableGrad(() => {
    const isInputsTuple = Array.isArray(inputs);
    const ins = gradPreprocess(asTuple(inputs, "inputs", "vjp"), createGraph, true);
    const out = fn(...ins);
    const isOutputsTuple = Array.isArray(out);
    const outs = asTuple(out, "outputs of the user-provided function", "vjp");
    checkRequiresGrad(outs, "outputs", strict);
    let vs: Tensor[] | null = null;
    if (vv != null) {
      vs = gradPreprocess(asTuple(vv, "v", "vjp"), createGraph, false);
      validateV(vs, outs, isOutputsTuple);
    } else if (outs.length !== 1 || outs[0]!.numel() !== 1) {
      throw new Error("The vector v can only be None if the user-provided function returns a single Tensor with a single element.");
    }
    const gradRes = autogradGrad(outs, ins, vs, createGraph);
    const res = fillInZeros(gradRes, ins, strict, createGraph, "back");
    return [
      tuplePostprocess(gradPostprocess(outs, createGraph), isOutputsTuple),
      tuplePostprocess(gradPostprocess(res, createGraph), isInputsTuple),
    ] as [Tensor | Tensor[], Tensor | Tensor[]];
  }));
}

/**
 * Jacobian-vector product (`torch.autograd.functional.jvp`), computed with the double-backward
 * trick as PyTorch does.
 *
 * @param v - The vector, shaped like the input(s); may be omitted (or skipped) when the input is a
 *   single one-element tensor.
 * @returns `[fn(inputs), Jv]`, the second shaped like the outputs.
 */
export function jvp(fn0: Fn, inputs: Inputs, v?: Inputs | null | FunctionalOptions, opts: FunctionalOptions = {}): [Tensor | Tensor[], Tensor | Tensor[]] {
  const fn = syncFn("jvp", fn0);
  if (isOptions(v)) { opts = v; v = undefined; }
  const vv = v as Inputs | null | undefined;
  const createGraph = !!opts.createGraph, strict = !!opts.strict;
  return run(createGraph, () => enableGrad(() => {
    const isInputsTuple = Array.isArray(inputs);
    const ins = gradPreprocess(asTuple(inputs, "inputs", "jvp"), createGraph, true);
    let vs: Tensor[] | null = null;
    if (vv != null) {
      vs = gradPreprocess(asTuple(vv, "v", "jvp"), createGraph, false);
      validateV(vs, ins, isInputsTuple);
    } else if (ins.length !== 1 || ins[0]!.numel() !== 1) {
      throw new Error("The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.");
    }
    const out = fn(...ins);
    const isOutputsTuple = Array.isArray(out);
    const outs = asTuple(out, "outputs of the user-provided function", "jvp");
    checkRequiresGrad(outs, "outputs", strict);
    // The backward is linear in grad_outputs, so their value does not matter (zeros are
    // fine); only the graph from them to the input gradients is used.
    const gradOutputs = outs.map((o) => zerosLike(o).requiresGrad_(true));
    const gradInputs = autogradGrad(outs, ins, gradOutputs, true);
    checkRequiresGrad(gradInputs, "grad_inputs", strict);
    const gradRes = autogradGrad(gradInputs, gradOutputs, vs, createGraph);
    const res = fillInZeros(gradRes, outs, strict, createGraph, "back_trick");
    return [
      tuplePostprocess(gradPostprocess(outs, createGraph), isOutputsTuple),
      tuplePostprocess(gradPostprocess(res, createGraph), isOutputsTuple),
    ] as [Tensor | Tensor[], Tensor | Tensor[]];
  }));
}

// ---- helpers (PyTorch's _as_tuple, _grad_preprocess, _autograd_grad, ...) --------------------------

/** Run a functional computation: free its temporaries; without createGraph, also release the
 *  saved tensors of the graph it recorded (the results are detached from it). */
function run<T>(createGraph: boolean, fn: () => T): T {
  if (createGraph) return tidy(fn);
  const { result, nodes } = collectSavingNodes(() => tidy(fn));
  releaseNodes(nodes);
  return result;
}

/**
 * The user's function, checked: not a function is a TypeError, an async one is refused before it
 * runs, and a Promise it returns as soon as it returns (the tidy around the call frees what it made).
 */
function syncFn<F extends (...a: Tensor[]) => unknown>(name: string, fn: F): F {
  const site = `${name}()`;
  if (typeof fn !== "function") throw new TypeError(`${site}: the function must be a function, not ${kindOf(fn)}`);
  refuseAsync(site, "the function", fn, "graph");
  return ((...a: Tensor[]) => refusePromise(site, "the function", fn(...a), "graph")) as F;
}

function isOptions(x: unknown): x is FunctionalOptions {
  return x !== null && typeof x === "object" && !(x instanceof Tensor) && !Array.isArray(x);
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}

function asTuple(x: unknown, argName: string, fnName: string): Tensor[] {
  if (!Array.isArray(x)) {
    if (!(x instanceof Tensor)) {
      throw new TypeError(`The ${argName} given to ${fnName} must be either a Tensor or a tuple of Tensors but the given ${argName} has type ${typeName(x)}.`);
    }
    return [x];
  }
  x.forEach((el, i) => {
    if (!(el instanceof Tensor)) {
      throw new TypeError(`The ${argName} given to ${fnName} must be either a Tensor or a tuple of Tensors but the value at index ${i} has type ${typeName(el)}.`);
    }
  });
  return x as Tensor[];
}

/** Inputs the function sees: with createGraph, views keeping the caller's graph; else
 *  detached copies (sharing storage) that require grad when `needGraph`. */
function gradPreprocess(inputs: Tensor[], createGraph: boolean, needGraph: boolean): Tensor[] {
  return inputs.map((inp) => {
    if (createGraph && inp.requiresGrad) return inp.view(inp.shape.slice());
    const d = inp.detach();
    return needGraph ? d.requiresGrad_(true) : d;
  });
}

function gradPostprocess(xs: Tensor[], createGraph: boolean): Tensor[] {
  return createGraph ? xs : xs.map((x) => (x.requiresGrad ? x.detach() : x));
}

function tuplePostprocess(res: Tensor[], isTuple: boolean): Tensor | Tensor[] {
  return isTuple ? res : res[0]!;
}

function tuplePostprocess2(res: Tensor[][], isOutputsTuple: boolean, isInputsTuple: boolean): Tensor | Tensor[] | Tensor[][] {
  let r: Tensor[][] | Tensor[] = res;
  if (!isInputsTuple) r = res.map((row) => row[0]!);
  if (!isOutputsTuple) return r[0]!;
  return r;
}

/** torch.autograd.grad on the outputs that require grad only (all null when none does). */
function autogradGrad(outputs: (Tensor | null)[], inputs: Tensor[], gradOutputs: (Tensor | null)[] | null, createGraph: boolean, retainGraph?: boolean): (Tensor | null)[] {
  const outs: Tensor[] = [], gos: (Tensor | null)[] = [];
  outputs.forEach((o, i) => {
    if (o !== null && o.requiresGrad) { outs.push(o); gos.push(gradOutputs === null ? null : gradOutputs[i] ?? null); }
  });
  if (outs.length === 0) return inputs.map(() => null);
  return grad(outs, inputs, { gradOutputs: gos, createGraph, retainGraph: retainGraph ?? createGraph, allowUnused: true });
}

function checkRequiresGrad(xs: (Tensor | null)[], kind: "outputs" | "grad_inputs" | "jacobian", strict: boolean): void {
  if (!strict) return;
  xs.forEach((x, i) => {
    if (x === null) {
      throw new Error(`The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`);
    }
    if (x.requiresGrad) return;
    if (kind === "jacobian") {
      throw new Error(
        "While computing the hessian, found that the jacobian of the user-provided function with respect to input " +
        `${i} is independent of the input. This is not allowed in strict mode. You should ensure that your function ` +
        "is twice differentiable and that the jacobian depends on the inputs (this would be violated by a linear function for example).",
      );
    }
    if (kind === "grad_inputs") {
      throw new Error(`The gradient with respect to input ${i} is independent of the inputs of the user-provided function. This is not allowed in strict mode.`);
    }
    throw new Error(
      `Output ${i} of the user-provided function does not require gradients. The outputs must be computed in a ` +
      "differentiable manner from the input when running in strict mode.",
    );
  });
}

function fillInZeros(grads: (Tensor | null)[], refs: Tensor[], strict: boolean, createGraph: boolean, stage: "back" | "back_trick"): Tensor[] {
  return grads.map((g, i) => {
    if (g === null) {
      if (strict) {
        throw new Error(stage === "back"
          ? `The output of the user-provided function is independent of input ${i}. This is not allowed in strict mode.`
          : `The gradient with respect to the input is independent of entry ${i} in the grad_outputs when using the ` +
            "double backward trick to compute forward mode gradients. This is not allowed in strict mode.");
      }
      return zerosLike(refs[i]!);
    }
    if (strict && createGraph && !g.requiresGrad) {
      throw new Error(`The jacobian of the user-provided function is independent of input ${i}. This is not allowed in strict mode when create_graph=True.`);
    }
    return g;
  });
}

function validateV(v: Tensor[], other: Tensor[], isOtherTuple: boolean): void {
  if (v.length !== other.length) {
    if (isOtherTuple) throw new Error(`v is a tuple of invalid length: should be ${other.length} but got ${v.length}.`);
    throw new Error("The given v should contain a single Tensor.");
  }
  v.forEach((el, i) => {
    const o = other[i]!;
    if (!sameShape(el.shape, o.shape)) {
      const prepend = isOtherTuple ? `Entry ${i} in ` : "";
      throw new Error(`${prepend}v has invalid size: should be torch.Size([${o.shape.join(", ")}]) but got torch.Size([${el.shape.join(", ")}]).`);
    }
  });
}

/** Zeros shaped like `t`, on its backend and of its dtype. */
function zerosLike(t: Tensor): Tensor {
  return allocTensor(t._storage.backend, t.dtype, t.shape.slice());
}
