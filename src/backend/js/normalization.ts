/**
 * The js backend's layer normalisation and softmax loops: the twins of
 * assembly/kernels/layernorm.ts and softmax.ts, in the same order of operations (two-pass
 * statistics; the max subtracted first, softmax scaled by the sum's reciprocal), computed in
 * float64 and rounded on store.
 */
import type { TypedArray } from "../../dtype.js";

type Arr = TypedArray;

export function layerNormLoops(
  x: Arr, xo: number, w: Arr | null, wo: number, b: Arr | null, bo: number,
  out: Arr, mean: Arr, rstd: Arr, rows: number, cols: number, eps: number, f32: boolean,
): void {
  const e = f32 ? Math.fround(eps) : eps;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[xo + base + j]!;
    const m = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) { const d = x[xo + base + j]! - m; v += d * d; }
    v = Math.max(v / cols, 0);
    const rs = 1 / Math.sqrt(v + e);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) {
      let t = (x[xo + base + j]! - m) * rs;
      if (w !== null) t *= w[wo + j]!;
      if (b !== null) t += b[bo + j]!;
      out[base + j] = t;
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

export function softmaxLoops(log: boolean, x: Arr, xo: number, outer: number, axis: number, inner: number, out: Arr): void {
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
        const e = Math.exp(x[xo + base + k * inner]! - mx);
        s += e;
        if (!log) out[base + k * inner] = e;
      }
      if (log) {
        const c = mx + Math.log(s);
        for (let k = 0; k < axis; k++) out[base + k * inner] = x[xo + base + k * inner]! - c;
      } else {
        const inv = 1 / s;
        for (let k = 0; k < axis; k++) out[base + k * inner] = out[base + k * inner]! * inv;
      }
    }
  }
}

export function softmaxBackwardLoops(log: boolean, g: Arr, go: number, y: Arr, yo: number, outer: number, axis: number, inner: number, out: Arr): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * axis * inner + j;
      let s = 0;
      for (let k = 0; k < axis; k++) {
        const p = base + k * inner;
        s += log ? g[go + p]! : g[go + p]! * y[yo + p]!;
      }
      for (let k = 0; k < axis; k++) {
        const p = base + k * inner;
        out[p] = log ? g[go + p]! - Math.exp(y[yo + p]!) * s : y[yo + p]! * (g[go + p]! - s);
      }
    }
  }
}
