/**
 * The js backend's twin of assembly/kernels/loss.ts: the elementwise losses (binary cross entropy
 * on probabilities and on logits, smooth L1, Huber) and their input gradients, with the same
 * formulas and order of operations (float32 rounds where the typed array stores).
 */
import { Loss, type LossOp } from "../backend.js";
import type { DType, TypedArray } from "../../dtype.js";

const BCE_EPS = 1e-12;

/** One element's loss (w: the positive-class weight of BCE_LOGITS; a: beta or delta). */
function lossOf(op: LossOp, x: number, t: number, w: number, a: number, r: (v: number) => number): number {
  switch (op) {
    case Loss.BCE: {
      // std::max(log, -100): a NaN log stays NaN, as Math.max
      const l1 = Math.max(r(Math.log1p(-x)), -100), l0 = Math.max(r(Math.log(x)), -100);
      return r(r((t - 1) * l1) - r(t * l0));
    }
    case Loss.BCE_LOGITS: {
      const m = Math.max(-x, 0);
      const lse = r(r(Math.log(r(r(Math.exp(-m)) + r(Math.exp(r(-x - m)))))) + m);
      return r(r((1 - t) * x) + r(r((w - 1) * t + 1) * lse));
    }
    case Loss.SMOOTH_L1: {
      const z = Math.abs(r(x - t));
      return z < a ? r(r(0.5 * z * z) / a) : r(z - 0.5 * a);
    }
    case Loss.HUBER: {
      const z = Math.abs(r(x - t));
      return z < a ? r(0.5 * z * z) : r(a * r(z - 0.5 * a));
    }
  }
  return x;
}

/** scale * g * dloss/dx for one element. */
function gradOf(op: LossOp, g: number, x: number, t: number, w: number, a: number, s: number, r: (v: number) => number): number {
  switch (op) {
    case Loss.BCE: return r(s * r(r(g * r(x - t)) / Math.max(r(r(1 - x) * x), BCE_EPS)));
    case Loss.BCE_LOGITS: {
      const sig = r(1 / (1 + Math.exp(-x)));
      const pt = r(w * t);
      return r(s * r(r(r(r(pt + 1 - t) * sig) - pt) * g));
    }
    case Loss.SMOOTH_L1: {
      const d = r(x - t);
      return d <= -a ? r(-s * g) : d >= a ? r(s * g) : r(r(s * d * g) / a);
    }
    case Loss.HUBER: {
      const d = r(x - t);
      return d <= -a ? r(-s * g * a) : d >= a ? r(s * g * a) : r(s * d * g);
    }
  }
  return g;
}

const ident = (v: number) => v;

/** out[i] = loss(x[xo + i], t[to + i]; w[wo + i], a); true when BCE met an input outside [0, 1]. */
export function lossLoop(
  op: LossOp, dtype: DType, x: TypedArray, xo: number, t: TypedArray, to: number,
  w: TypedArray | null, wo: number, out: TypedArray, n: number, a0: number,
): boolean {
  const r = dtype === "float32" ? Math.fround : ident;
  const a = r(a0);
  let bad = false;
  for (let i = 0; i < n; i++) {
    const xv = x[xo + i]!;
    if (op === Loss.BCE && !(xv >= 0 && xv <= 1)) bad = true;
    out[i] = lossOf(op, xv, t[to + i]!, w === null ? 1 : w[wo + i]!, a, r);
  }
  return bad;
}

/** out[i] = s * g[go + i * gInc] * dloss/dx(x[xo + i], t[to + i]; w[wo + i], a). */
export function lossGradLoop(
  op: LossOp, dtype: DType, g: TypedArray, go: number, gInc: 0 | 1, x: TypedArray, xo: number, t: TypedArray, to: number,
  w: TypedArray | null, wo: number, out: TypedArray, n: number, a0: number, s0: number,
): void {
  const r = dtype === "float32" ? Math.fround : ident;
  const a = r(a0), s = r(s0);
  for (let i = 0; i < n; i++) {
    out[i] = gradOf(op, g[go + i * gInc]!, x[xo + i]!, t[to + i]!, w === null ? 1 : w[wo + i]!, a, s, r);
  }
}
