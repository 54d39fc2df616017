import { MAX_DIMS } from "./backend/abi.generated.js";
import { argError } from "./argcheck.js";
import { Tensor } from "./tensor.js";

/** Shape arithmetic shared by every op: broadcasting, strides, dimension wrapping. */

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i]!;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]!; }
  return strides;
}

export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy/PyTorch broadcasting, with PyTorch's error text. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  if (sameShape(a, b)) return a as number[];
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `The size of tensor a (${da}) must match the size of tensor b (${db}) at non-singleton dimension ${i}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of (shape, strides) as if it had `target` shape (stride 0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], strides: readonly number[], target: readonly number[]): number[] {
  const n = target.length, off = n - shape.length;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const j = i - off;
    out[i] = j < 0 || shape[j] === 1 ? 0 : strides[j]!;
  }
  return out;
}

/** Wrap a possibly negative dim, with PyTorch's IndexError text. */
export function normDim(dim: number, ndim: number): number {
  const lo = ndim === 0 ? -1 : -ndim, hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new Error(`Dimension out of range (expected to be in range of [${lo}, ${hi}], but got ${dim})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}


/** Accept `f(2, 3)`, `f([2, 3])`, and a trailing options object. */
export function parseShapeArgs(args: readonly unknown[], fn = "size", name = "size"): { shape: number[]; opts: Record<string, unknown> } {
  let opts: Record<string, unknown> = {};
  let rest = args;
  const last = args[args.length - 1];
  if (last !== null && typeof last === "object" && !Array.isArray(last) && !ArrayBuffer.isView(last) && !(last instanceof Tensor)) {
    opts = last as Record<string, unknown>;
    rest = args.slice(0, -1);
  }
  const raw = rest.length === 1 && Array.isArray(rest[0]) ? (rest[0] as unknown[]) : rest;
  if (raw.length > MAX_DIMS) throw new Error(`${fn}(): a tensor has at most ${MAX_DIMS} dimensions, got ${raw.length}`);
  const shape = raw.map((d) => {
    if (typeof d !== "number" || !Number.isInteger(d)) throw argError(fn, name, 1, "tuple of ints", d);
    return d;
  });
  return { shape, opts };
}
