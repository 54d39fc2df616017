/**
 * The js backend's layer normalisation and softmax loops: the twins of
 * assembly/kernels/layernorm.ts and softmax.ts, in the same order of operations. Layer norm:
 * two-pass statistics in float64 in the kernel's lane order, mean and rstd rounded to the dtype,
 * PyTorch's fused multiply-adds emulated as the kernel does (same bits). Softmax: the max
 * subtracted first, scaled by the sum's reciprocal, and float32 rounding every step as the
 * kernel's f32 lanes do.
 */
import type { TypedArray } from "../../dtype.js";

type Arr = TypedArray;

/** The sum of (x - m) (or its squares) over a row, in the wasm kernel's order: float32 in the
 *  lanes of two f64x2 accumulators (elements 4i, 4i+1 and 4i+2, 4i+3), float64 in the two lanes
 *  of one, the lanes added, then the tail elements one by one. */
function rowSum(x: Arr, p: number, n: number, m: number, square: boolean, f32: boolean): number {
  const L = f32 ? 4 : 2;
  let a0 = 0, a1 = 0, b0 = 0, b1 = 0;
  let j = 0;
  for (; j + L <= n; j += L) {
    const d0 = x[p + j]! - m, d1 = x[p + j + 1]! - m;
    a0 += square ? d0 * d0 : d0;
    a1 += square ? d1 * d1 : d1;
    if (f32) {
      const d2 = x[p + j + 2]! - m, d3 = x[p + j + 3]! - m;
      b0 += square ? d2 * d2 : d2;
      b1 += square ? d3 * d3 : d3;
    }
  }
  let s = (a0 + b0) + (a1 + b1);
  for (; j < n; j++) {
    const d = x[p + j]! - m;
    s += square ? d * d : d;
  }
  return s;
}

// 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp)
const SPLIT = 134217729;

/** fma(a, b, c) in float64 as the wasm kernel computes it (no fused instruction there): Dekker's
 *  exact product p + e, then p + c with its rounding error, plus e; a non-finite product or a
 *  split that overflows falls back to a * b + c. */
function fma64(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  if (!(Math.abs(p) < Infinity && Math.abs(e) < Infinity)) return p + c;
  const s = p + c, z = s - p;
  const r = (p - (s - z)) + (c - z);
  return s + (r + e);
}

/** fma(a, b, c) of float32 values: the product is exact in float64, the sum rounded there, then to float32. */
const fma32 = (a: number, b: number, c: number): number => Math.fround(a * b + c);

/**
 * PyTorch's CPU layer norm (see assembly/kernels/layernorm.ts): y = (x * rstd + c) * w + b with
 * c = -rstd * mean, both multiply-adds fused; mean from the row's first element (exact for a
 * constant row); float32 rounding where the kernel's f32 arithmetic rounds.
 */
export function layerNormLoops(
  x: Arr, xo: number, w: Arr | null, wo: number, b: Arr | null, bo: number,
  out: Arr, mean: Arr, rstd: Arr, rows: number, cols: number, eps: number, f32: boolean,
): void {
  const r = f32 ? Math.fround : (v: number) => v;
  const fma = f32 ? fma32 : fma64;
  for (let row = 0; row < rows; row++) {
    const base = row * cols, p = xo + base;
    const x0 = cols > 0 ? x[p]! : 0;
    // mean and rstd in the dtype, as the kernel and PyTorch keep them
    const m = r(x0 + rowSum(x, p, cols, x0, false, f32) / cols);
    const v = Math.max(rowSum(x, p, cols, m, true, f32) / cols, 0);
    const rs = r(1 / r(Math.sqrt(r(r(v) + r(eps)))));
    const c = r(-rs * m);
    mean[row] = m;
    rstd[row] = rs;
    for (let j = 0; j < cols; j++) {
      const t = fma(x[p + j]!, rs, c);
      // a missing bias is +0 (so a -0 comes out +0), a missing weight 1, as in PyTorch
      const bj = b !== null ? b[bo + j]! : 0;
      out[base + j] = w !== null ? fma(t, w[wo + j]!, bj) : r(t + bj);
    }
  }
}

export function layerNormBackwardLoops(
  gy: Arr, go: number, x: Arr, xo: number, mean: Arr, rstd: Arr, w: Arr | null, wo: number,
  gx: Arr | null, gw: Arr | null, gb: Arr | null, rows: number, cols: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const m = mean[r]!, rs = rstd[r]!;
    let s1 = 0, s2 = 0;
    for (let j = 0; j < cols; j++) {
      const g = gy[go + base + j]!;
      const xh = (x[xo + base + j]! - m) * rs;
      const a = w !== null ? g * w[wo + j]! : g;
      s1 += a;
      s2 += a * xh;
      if (gw !== null) gw[j] = gw[j]! + g * xh;
      if (gb !== null) gb[j] = gb[j]! + g;
    }
    if (gx === null) continue;
    const c1 = s1 / cols, c2 = s2 / cols;
    for (let j = 0; j < cols; j++) {
      const g = gy[go + base + j]!;
      const xh = (x[xo + base + j]! - m) * rs;
      const a = w !== null ? g * w[wo + j]! : g;
      gx[base + j] = rs * (a - c1 - xh * c2);
    }
  }
}

/** float32 arithmetic rounds every step (as the kernel's f32 lanes and PyTorch do), so e.g.
 *  exp(-log 2) is exactly 0.5 there; `r` is Math.fround for float32, the identity for float64. */
const identity = (v: number) => v;

export function softmaxLoops(log: boolean, x: Arr, xo: number, outer: number, axis: number, inner: number, out: Arr, f32: boolean): void {
  const r = f32 ? Math.fround : identity;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * axis * inner + j;
      let mx = x[xo + base]!;
      for (let k = 1; k < axis; k++) {
        const v = x[xo + base + k * inner]!;
        if (v > mx || v !== v) mx = v;
        if (mx !== mx) break;
      }
      let s = 0;
      for (let k = 0; k < axis; k++) {
        const e = r(Math.exp(r(x[xo + base + k * inner]! - mx)));
        s = r(s + e);
        if (!log) out[base + k * inner] = e;
      }
      if (log) {
        const c = r(mx + r(Math.log(s)));
        for (let k = 0; k < axis; k++) out[base + k * inner] = x[xo + base + k * inner]! - c;
      } else {
        const inv = r(1 / s);
        for (let k = 0; k < axis; k++) out[base + k * inner] = out[base + k * inner]! * inv;
      }
    }
  }
}

export function softmaxBackwardLoops(log: boolean, g: Arr, go: number, y: Arr, yo: number, outer: number, axis: number, inner: number, out: Arr, f32: boolean): void {
  const r = f32 ? Math.fround : identity;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * axis * inner + j;
      let s = 0;
      for (let k = 0; k < axis; k++) {
        const p = base + k * inner;
        s = r(s + (log ? g[go + p]! : r(g[go + p]! * y[yo + p]!)));
      }
      for (let k = 0; k < axis; k++) {
        const p = base + k * inner;
        out[p] = log ? g[go + p]! - r(r(Math.exp(y[yo + p]!)) * s) : y[yo + p]! * r(g[go + p]! - s);
      }
    }
  }
}
