/**
 * torch.autograd.gradcheck / gradgradcheck (PyTorch 1.13's slow mode): the analytic
 * Jacobian, one backward pass per output element with a one-hot gradOutput, against
 * central differences `(f(x + eps) - f(x - eps)) / 2eps`, element by element.
 *
 * As PyTorch perturbs `input.data` (which has its own version counter), the inputs
 * are perturbed by writing their storage directly, so the version counter does not
 * move and `fn` sees the very tensors it was given (with their autograd identity).
 * Every evaluation runs inside `tidy` and the graph nodes it recorded have their saved
 * tensors released at once, so a large check does not pile up memory.
 */
import { collectSavingNodes, type FnNode } from "./node.js";
import { grad } from "./grad.js";
import { isFloating, typedArrayFor, type DType, type TypedArray } from "../dtype.js";
import { sameShape } from "../shape.js";
import { allocTensor, Tensor } from "../tensor.js";
import { tidy } from "../scope.js";
import { closeScope, openScope } from "../scopes.js";
import { randn } from "../creation.js";
import { currentBackend } from "../backend/registry.js";
import { kindOf } from "../argcheck.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

/**
 * Options of {@link autograd.gradcheck} and {@link autograd.gradgradcheck}.
 * @category Autograd
 */
export interface GradcheckOptions {
  /** Perturbation for the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Throw on a mismatch (default); with false, return false instead. */
  raiseException?: boolean;
}

/** PyTorch's GradcheckError (a RuntimeError): what `raiseException: false` turns into `false`. */
export class GradcheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GradcheckError";
  }
}

/** @inline */
type Fn = (...args: any[]) => unknown;

/**
 * Check `fn`'s analytic gradients against central finite differences, for the inputs that require
 * grad (`torch.autograd.gradcheck`, PyTorch 1.13's slow mode). Use float64 inputs: float32 is too
 * coarse for the default tolerances.
 *
 * @param fn - Called as `fn(...inputs)`; returns a tensor or an array of tensors.
 * @param inputs - A tensor or an array of arguments (tensors that require grad are checked; others
 *   are passed as they are).
 * @param opts - `eps` (default 1e-6), `atol` (1e-5), `rtol` (1e-3), `raiseException` (true).
 * @returns `true` when they agree within `atol + rtol * |numerical|`; `false` on a mismatch with
 *   `raiseException: false`.
 * @throws PyTorch's `Jacobian mismatch for output 0 with respect to input 0, numerical:...
 *   analytical:...` on a mismatch (by default); `TypeError` when `fn` is async, returns a Promise,
 *   or returns something other than a Tensor or an array of Tensors (PyTorch's `'float' object has
 *   no attribute 'requires_grad'`), whatever `raiseException` says.
 * @example
 * ```ts
 * const x = torch.randn(3, { dtype: "float64", requiresGrad: true });
 * torch.autograd.gradcheck((t: torch.Tensor) => t.sin().mul(t), [x]); // true
 * ```
 */
export function gradcheck(fn: Fn, inputs: unknown, opts: GradcheckOptions = {}): boolean {
  return gradcheckAs("gradcheck()", fn, inputs, opts);
}

function gradcheckAs(site: string, fn: Fn, inputs: unknown, opts: GradcheckOptions): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = opts ?? {};
  if (typeof fn !== "function") throw new TypeError(`${site}: fn must be a function, not ${kindOf(fn)}`);
  refuseAsync(site, "the function", fn, "graph");
  const args = asTuple(inputs);
  checkInputs(args);
  try {
    slowGradcheck(checkedOutputs(site, fn), args, eps, atol, rtol);
  } catch (e) {
    if (e instanceof GradcheckError && !raiseException) return false;
    throw e;
  }
  return true;
}

/**
 * Check second derivatives (`torch.autograd.gradgradcheck`): {@link autograd.gradcheck} of the
 * function `(inputs, gradOutputs) => autograd.grad(fn(inputs), inputs, gradOutputs, { createGraph:
 * true })`.
 *
 * @param gradOutputs - The gradients to use for `fn`'s outputs; omitted (or `null`), random ones
 *   are made, as PyTorch does. May be skipped: `gradgradcheck(fn, inputs, opts)`.
 * @returns As {@link autograd.gradcheck}.
 */
export function gradgradcheck(fn0: Fn, inputs: unknown, gradOutputs?: Tensor | Tensor[] | null | GradcheckOptions, opts: GradcheckOptions = {}): boolean {
  if (gradOutputs != null && !(gradOutputs instanceof Tensor) && !Array.isArray(gradOutputs)) {
    opts = gradOutputs;
    gradOutputs = undefined;
  }
  const site = "gradgradcheck()";
  if (typeof fn0 !== "function") throw new TypeError(`${site}: fn must be a function, not ${kindOf(fn0)}`);
  refuseAsync(site, "the function", fn0, "graph");
  const fn = checkedOutputs(site, fn0);
  const tupledInputs = asTuple(inputs);
  let tupledGradOutputs: Tensor[];
  if (gradOutputs == null) {
    const shapes = evaluate(() => differentiableOutputs(fn(...tupledInputs)).map((o) => ({ shape: o.shape.slice(), dtype: o.dtype })));
    tupledGradOutputs = shapes.map((s) => randn(s.shape, { dtype: isFloating(s.dtype) ? s.dtype : "float64" }).requiresGrad_(true));
  } else {
    tupledGradOutputs = asTuple(gradOutputs) as Tensor[];
  }
  const numOutputs = tupledGradOutputs.length;
  const diffInputIndices = new Set<number>();
  tupledInputs.forEach((x, i) => { if (x instanceof Tensor && x.requiresGrad) diffInputIndices.add(i); });

  const newFunc = (...a: unknown[]): Tensor[] => {
    const inputArgs = a.slice(0, a.length - numOutputs);
    const gos = a.slice(a.length - numOutputs) as Tensor[];
    const outputs = differentiableOutputs(fn(...inputArgs));
    const diffInputs = inputArgs.filter((_, i) => diffInputIndices.has(i)) as Tensor[];
    if (outputs.length === 0 || diffInputs.length === 0) return [];
    const grads = grad(outputs, diffInputs, { gradOutputs: gos.slice(0, outputs.length), createGraph: true, allowUnused: true });
    return grads.filter((g): g is Tensor => g !== null);
  };
  return gradcheckAs(site, newFunc, [...tupledInputs, ...tupledGradOutputs], opts);
}

// ---- the check --------------------------------------------------------------------------------

/** Row-major (input element, output element) Jacobian of one output with respect to one input. */
interface Jac { rows: number; cols: number; data: Float64Array }

function slowGradcheck(fn: Fn, args: unknown[], eps: number, atol: number, rtol: number): void {
  const diffInputs = args.filter((x): x is Tensor => x instanceof Tensor && x.requiresGrad);

  // 1. The analytic Jacobian, from one evaluation with its graph.
  const ref = evaluate(() => {
    const outs = asTuple(fn(...args));
    const diffIdx: number[] = [];
    outs.forEach((o, i) => { if (o instanceof Tensor && o.requiresGrad) diffIdx.push(i); });
    // PyTorch allocates numerical Jacobians for floating outputs only
    const floatIdx: number[] = [];
    outs.forEach((o, i) => { if (o instanceof Tensor && isFloating(o.dtype)) floatIdx.push(i); });
    const meta = outs.map((o) => (o instanceof Tensor ? { shape: o.shape.slice(), dtype: o.dtype } : null));
    const analytical = diffIdx.map((i) => analyticalJacobian(outs[i] as Tensor, diffInputs));
    return { diffIdx, floatIdx, meta, analytical };
  });

  if (ref.diffIdx.length === 0) {
    // No differentiable output: the numerical gradient of each floating output must then be
    // zero (integer and bool outputs are not differentiated, as PyTorch).
    const numerical = numericalJacobian(fn, args, diffInputs, ref.floatIdx, eps);
    for (const perInput of numerical) {
      for (const jac of perInput) {
        if (jac.data.some((v) => v !== 0)) throw new GradcheckError("Numerical gradient for function expected to be zero");
      }
    }
    return;
  }

  // 2. The numerical one: numerical[input][output].
  const numerical = numericalJacobian(fn, args, diffInputs, ref.diffIdx, eps);

  // 3. Compare, output by output, input by input.
  ref.diffIdx.forEach((outIdx, i) => {
    diffInputs.forEach((inp, j) => {
      const a = ref.analytical[i]![j]!, n = numerical[j]![i]!;
      if (!allclose(a.data, n.data, rtol, atol)) {
        const outDtype = ref.meta[outIdx]!.dtype;
        throw new GradcheckError(
          `Jacobian mismatch for output ${i} with respect to input ${j},\n` +
          `numerical:${formatJac(n, isFloating(outDtype) ? outDtype : "float64")}\n` +
          `analytical:${formatJac(a, inp.dtype)}\n`,
        );
      }
    });
  });
}

/** Column c of each input's Jacobian: the gradient for the one-hot gradOutput at element c. */
function analyticalJacobian(out: Tensor, inputs: Tensor[]): Jac[] {
  const cols = out.numel();
  const jacs = inputs.map((x): Jac => ({ rows: x.numel(), cols, data: new Float64Array(x.numel() * cols) }));
  const be = out._storage.backend;
  for (let c = 0; c < cols; c++) {
    tidy(() => {
      const go = allocTensor(be, out.dtype, out.shape.slice());
      be.fill(go._storage.handle, out.dtype, 1, c, 1);
      const grads = grad([out], inputs, { gradOutputs: [go], retainGraph: true, allowUnused: true });
      grads.forEach((g, j) => {
        if (g === null) return;
        if (!sameShape(g.shape, inputs[j]!.shape)) throw new GradcheckError("Analytical gradient has incorrect size");
        const vals = g.toArray();
        const jac = jacs[j]!;
        for (let r = 0; r < jac.rows; r++) jac.data[r * cols + c] = vals[r]!;
      });
    });
  }
  return jacs;
}

/** numerical[input][output]: central differences, perturbing one element of one input at a time. */
function numericalJacobian(fn: Fn, args: unknown[], inputs: Tensor[], outIdx: number[], eps: number): Jac[][] {
  let shapes: number[] | null = null;
  const run = (): Float64Array[] => evaluate(() => {
    const outs = asTuple(fn(...args));
    const vals = outIdx.map((i) => {
      const o = outs[i];
      if (!(o instanceof Tensor)) throw new GradcheckError(`output ${i} of the function is not a Tensor in every evaluation`);
      return Float64Array.from(o.toArray());
    });
    const sizes = vals.map((v) => v.length);
    if (shapes === null) shapes = sizes;
    else if (sizes.some((s, k) => s !== shapes![k])) throw new GradcheckError("Expected the outputs of fn to keep their shape when an input is perturbed");
    return vals;
  });

  return inputs.map((x) => {
    const rows = x.numel();
    let jacs: Jac[] | null = null;
    const be = x._storage.backend, dtype = x.dtype;
    const one = typedArrayFor(dtype, 1);
    let r = 0;
    forEachOffset(x, (off) => {
      const orig = be.read(x._storage.handle, dtype, off, 1)[0]!;
      let a: Float64Array[], b: Float64Array[];
      try {
        one[0] = orig - eps; be.write(x._storage.handle, dtype, one, off);
        a = run();
        one[0] = orig + eps; be.write(x._storage.handle, dtype, one, off);
        b = run();
      } finally {
        one[0] = orig; be.write(x._storage.handle, dtype, one, off);
      }
      jacs ??= a.map((v): Jac => ({ rows, cols: v.length, data: new Float64Array(rows * v.length) }));
      a.forEach((va, k) => {
        const vb = b[k]!, jac = jacs![k]!;
        for (let c = 0; c < jac.cols; c++) jac.data[r * jac.cols + c] = (vb[c]! - va[c]!) / (2 * eps);
      });
      r++;
    });
    return jacs ?? outIdx.map((): Jac => ({ rows, cols: 0, data: new Float64Array(0) }));
  });
}

/** Storage offsets of a (possibly strided) tensor's elements, in row-major order. */
function forEachOffset(t: Tensor, f: (offset: number) => void): void {
  const shape = t.shape, strides = t._strides, nd = shape.length;
  const n = t.numel();
  if (n === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let off = t._offset;
  for (let k = 0; k < n; k++) {
    f(off);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      off -= strides[d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

function allclose(a: Float64Array, n: Float64Array, rtol: number, atol: number): boolean {
  if (a.length !== n.length) return false;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]!, y = n[k]!;
    if (x === y) continue;
    if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) return false;
  }
  return true;
}

function formatJac(j: Jac, dtype: DType): string {
  return tidy(() => {
    const arr = typedArrayFor(dtype, j.data.length) as TypedArray;
    arr.set(j.data);
    const t = allocTensor(currentBackend(), dtype, [j.rows, j.cols]);
    if (arr.length > 0) t._storage.backend.write(t._storage.handle, dtype, arr, 0);
    return t.toString();
  });
}

// ---- checks and helpers ------------------------------------------------------------------------

function checkInputs(args: unknown[]): void {
  let any = false;
  args.forEach((x, idx) => {
    if (!(x instanceof Tensor) || !x.requiresGrad) return;
    if (x.dtype !== "float64") {
      console.warn(
        `Input #${idx} requires gradient and is not a double precision floating point or complex. ` +
        "This check will likely fail if all the inputs are not of double precision floating point or complex. ",
      );
    }
    if (!x.shape.every((sz, d) => x._strides[d]! > 0 || sz <= 1)) {
      throw new Error(
        `The ${idx}th input has a dimension with stride 0. gradcheck only supports inputs that are non-overlapping ` +
        "to be able to compute the numerical gradients correctly. You should call .contiguous on the input before " +
        "passing it to gradcheck.",
      );
    }
    any = true;
  });
  if (!any) {
    throw new Error("gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True.");
  }
}

/**
 * `fn`, refusing what PyTorch's gradcheck cannot use: a Promise, or an output that is not a
 * Tensor (PyTorch fails reading its `requires_grad`).
 */
function checkedOutputs(site: string, fn: Fn): Fn {
  return (...a: unknown[]) => {
    const out = refusePromise(site, "the function", fn(...a), "graph");
    for (const o of asTuple(out)) {
      if (!(o instanceof Tensor)) {
        throw new TypeError(`'${kindOf(o)}' object has no attribute 'requires_grad': the function given to ${site} must return a Tensor or an array of Tensors`);
      }
    }
    return out;
  };
}

function asTuple(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [x];
}

function differentiableOutputs(x: unknown): Tensor[] {
  return asTuple(x).filter((o): o is Tensor => o instanceof Tensor && o.requiresGrad);
}

/** Release what the graph nodes made while `fn` ran have saved. */
export function releaseNodes(nodes: readonly FnNode[]): void {
  for (const n of nodes) n.releaseSaved();
}

/** One throw-away evaluation: tensors it makes are freed, and the graph it records lets go of
 *  its saved tensors. `fn` must return plain data (tensors it returns are disposed too). */
function evaluate<T>(fn: () => T): T {
  const { result, nodes } = collectSavingNodes(() => {
    openScope(true);
    try {
      return fn();
    } finally {
      closeScope(new Set());
    }
  });
  releaseNodes(nodes);
  return result;
}
