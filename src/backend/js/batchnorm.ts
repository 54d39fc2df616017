/**
 * The js backend's batch normalisation: the TypeScript twin of assembly/kernels/batchnorm.ts,
 * rounding where the kernel rounds (Math.fround for float32) so both backends agree closely.
 * Blocks are contiguous [n, c, s]; per-channel arrays are read from element 0.
 */
import type { DType, TypedArray } from "../../dtype.js";

type Round = (v: number) => number;
const same: Round = (v) => v;
const roundFor = (dtype: DType): Round => (dtype === "float32" ? Math.fround : same);

function invstdOf(r: Round, variance: TypedArray, ch: number, count: number, eps: number): number {
  return r(1 / Math.sqrt(r(variance[ch]! / count) + eps));
}

/** mean[c] and varSum[c] = sum((x - mean)^2) per channel (sums in float64). */
export function batchNormStats(dtype: DType, x: TypedArray, xOffset: number, n: number, c: number, s: number, mean: TypedArray, varSum: TypedArray): void {
  const r = roundFor(dtype);
  const count = n * s;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const p = xOffset + (i * c + ch) * s;
      for (let j = 0; j < s; j++) sum += x[p + j]!;
    }
    const m = r(sum / count);
    let vs = 0;
    for (let i = 0; i < n; i++) {
      const p = xOffset + (i * c + ch) * s;
      for (let j = 0; j < s; j++) { const d = r(x[p + j]! - m); vs += r(d * d); }
    }
    mean[ch] = m;
    varSum[ch] = vs;
  }
}

/** out = x * alpha + beta per channel (alpha = w * invstd, beta = b - mean * alpha). */
export function batchNormForward(
  dtype: DType, x: TypedArray, xOffset: number, n: number, c: number, s: number,
  mean: TypedArray, variance: TypedArray, count: number, eps: number, weight: TypedArray | null, bias: TypedArray | null, out: TypedArray,
): void {
  const r = roundFor(dtype);
  for (let ch = 0; ch < c; ch++) {
    const invstd = invstdOf(r, variance, ch, count, eps);
    const alpha = r(invstd * (weight === null ? 1 : weight[ch]!));
    const beta = r((bias === null ? 0 : bias[ch]!) - r(mean[ch]! * alpha));
    for (let i = 0; i < n; i++) {
      const p = (i * c + ch) * s;
      for (let j = 0; j < s; j++) out[p + j] = r(x[xOffset + p + j]! * alpha) + beta;
    }
  }
}

/** gx, gw, gb (null: not wanted) of batchNormForward for the output gradient g. */
export function batchNormBackward(
  dtype: DType, g: TypedArray, gOffset: number, x: TypedArray, xOffset: number, n: number, c: number, s: number,
  mean: TypedArray, variance: TypedArray, count: number, eps: number, weight: TypedArray | null, train: boolean,
  gx: TypedArray | null, gw: TypedArray | null, gb: TypedArray | null,
): void {
  const r = roundFor(dtype);
  const M = n * s;
  for (let ch = 0; ch < c; ch++) {
    const m = mean[ch]!;
    const invstd = invstdOf(r, variance, ch, count, eps);
    let sum = 0, dotp = 0;
    for (let i = 0; i < n; i++) {
      const p = (i * c + ch) * s;
      for (let j = 0; j < s; j++) {
        const gv = g[gOffset + p + j]!;
        sum += gv;
        dotp += r(r(x[xOffset + p + j]! - m) * gv);
      }
    }
    if (gw !== null) gw[ch] = dotp * invstd;
    if (gb !== null) gb[ch] = sum;
    if (gx === null) continue;
    const w = weight === null ? 1 : weight[ch]!;
    const k = r(r(r(r(dotp) * invstd) * invstd) / M);
    const gm = r(sum / M);
    for (let i = 0; i < n; i++) {
      const p = (i * c + ch) * s;
      for (let j = 0; j < s; j++) {
        const gv = g[gOffset + p + j]!;
        if (train) {
          const dx = r(r(x[xOffset + p + j]! - m) * k);
          gx[p + j] = r(r(r(gv - gm) - dx) * invstd) * w;
        } else {
          gx[p + j] = r(gv * invstd) * w;
        }
      }
    }
  }
}
