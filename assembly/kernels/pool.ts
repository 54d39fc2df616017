// 2-D pooling over planes (N*C contiguous H x W planes), in PyTorch 1.13's CPU order of
// operations (aten/src/ATen/native/cpu/{MaxPool,AvgPool,AdaptiveAvgPool}Kernel.cpp):
//   MAX           out = the window's max (NaN wins, the first of ties), idx = its flat h*W + w
//   AVG           out = the window's sum / divisor (padding counted or not, or an override)
//   ADAPTIVE_AVG  out = the mean of rows [floor(oh*H/Ho), ceil((oh+1)*H/Ho)) and likewise columns
//   GATHER        out = x[idx] per plane (max pooling's double backward)
// and each one's adjoint (backward): the output gradient added back over the windows.
// float32 MAX and AVG run four outputs at a time (SIMD over output columns, each lane summing or
// comparing its own window in PyTorch's order) where a window lies inside its row and the column
// stride is 1 or 2; borders, other strides, float64 and the rest are scalar. Nothing is allocated.
//
// Geometry (`gp`, i32): planes, h, w, ho, wo, kh, kw, sh, sw, ph, pw, dh, dw, countIncludePad, divisor.
import { Pool } from "../abi";

// @ts-ignore: decorator
@inline function geo(gp: usize, i: i32): i32 { return load<i32>(gp + <usize>(i << 2)); }

/** The rows of output row oh's window: [ih0, ih1) stepping dH (max pooling's clamping). */
// @ts-ignore: decorator
@inline function maxRows(oh: i32, sH: i32, pH: i32, kH: i32, dH: i32, H: i32): i64 {
  let ih0 = oh * sH - pH;
  const ih1 = min(ih0 + (kH - 1) * dH + 1, H);
  while (ih0 < 0) ih0 += dH;
  return (<i64>ih1 << 32) | <i64><u32>ih0;
}

/** One max-pooling output (scalar): the window's max and its index. */
// @ts-ignore: decorator
@inline function maxOne<T>(xi: usize, oi: usize, ii: usize, o: usize, ih0: i32, ih1: i32, ow: i32, W: i32, sW: i32, pW: i32, kW: i32, dH: i32, dW: i32): void {
  const SZ = <usize>sizeof<T>();
  let iw0 = ow * sW - pW;
  const iw1 = min(iw0 + (kW - 1) * dW + 1, W);
  while (iw0 < 0) iw0 += dW;
  let best = <T>(-Infinity), at = ih0 * W + iw0;
  for (let ih = ih0; ih < ih1; ih += dH) {
    for (let iw = iw0; iw < iw1; iw += dW) {
      const q = ih * W + iw;
      const v = load<T>(xi + <usize>q * SZ);
      // branch-free: which of random values is larger is a coin toss for the predictor
      const take = (v > best) | (v != v);
      best = select<T>(v, best, take);
      at = select<i32>(q, at, take);
    }
  }
  store<T>(oi + o * SZ, best);
  store<i32>(ii + o * 4, at);
}

/** Output columns [lo, hi) whose windows (kW taps dW apart from ow*sW - pW) lie inside [0, W). */
// @ts-ignore: decorator
@inline function interior(Wo: i32, W: i32, sW: i32, pW: i32, kW: i32, dW: i32): i64 {
  const lo = min(Wo, (pW + sW - 1) / sW);
  const last = W - 1 - (kW - 1) * dW + pW; // the largest ow*sW allowed
  const hi = last < 0 ? lo : max(lo, min(Wo, last / sW + 1));
  return (<i64>hi << 32) | <i64><u32>lo;
}

/** Four float32 inputs for four outputs: columns c, c+s, c+2s, c+3s of a row (s = 1 or 2). */
// @ts-ignore: decorator
@inline function gather4(p: usize, s2: bool): v128 {
  if (!s2) return v128.load(p);
  // the second load reads one element past the last needed one: inside linear memory (the heap
  // ends in a sentinel block), and unused
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 16), 0, 2, 4, 6);
}

/** Four float32 max-pooling outputs from column ow of row oh (windows inside their rows). */
// @ts-ignore: decorator
@inline function max4(xi: usize, oi: usize, ii: usize, oh: i32, ow: i32, ih0: i32, ih1: i32, W: i32, Wo: i32, sW: i32, pW: i32, kW: i32, dH: i32, dW: i32, s2: bool, lanes: v128): void {
  const base = ow * sW - pW;
  let best = f32x4.splat(-Infinity);
  let at = i32x4.add(i32x4.splat(ih0 * W + base), lanes);
  for (let ih = ih0; ih < ih1; ih += dH) {
    for (let kw = 0; kw < kW; kw++) {
      const c = ih * W + base + kw * dW;
      const v = gather4(xi + <usize>c * 4, s2);
      const take = v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
      best = v128.bitselect(v, best, take);
      at = v128.bitselect(i32x4.add(i32x4.splat(c), lanes), at, take);
    }
  }
  const o = <usize>(oh * Wo + ow);
  v128.store(oi + o * 4, best);
  v128.store(ii + o * 4, at);
}

/** Four float32 average-pooling outputs from column ow of row oh (rows [ih0, ih1), divisor d). */
// @ts-ignore: decorator
@inline function avg4(xi: usize, oi: usize, oh: i32, ow: i32, ih0: i32, ih1: i32, W: i32, Wo: i32, sW: i32, pW: i32, kW: i32, s2: bool, d: v128): void {
  const base = ow * sW - pW;
  let sum = f32x4.splat(0);
  for (let ih = ih0; ih < ih1; ih++) {
    for (let kw = 0; kw < kW; kw++) sum = f32x4.add(sum, gather4(xi + <usize>(ih * W + base + kw) * 4, s2));
  }
  v128.store(oi + <usize>(oh * Wo + ow) * 4, f32x4.div(sum, d));
}

// @ts-ignore: decorator
@inline function poolForward<T>(op: i32, x: usize, out: usize, idx: usize, gp: usize): void {
  const SZ = <usize>sizeof<T>();
  const P = geo(gp, 0), H = geo(gp, 1), W = geo(gp, 2), Ho = geo(gp, 3), Wo = geo(gp, 4);
  const kH = geo(gp, 5), kW = geo(gp, 6), sH = geo(gp, 7), sW = geo(gp, 8), pH = geo(gp, 9), pW = geo(gp, 10);
  const dH = geo(gp, 11), dW = geo(gp, 12), countPad = geo(gp, 13) != 0, divisor = geo(gp, 14);
  const inPlane = <usize>(H * W), outPlane = <usize>(Ho * Wo);
  const simd = sizeof<T>() == 4 && (sW == 1 || sW == 2) && (op == Pool.MAX || (op == Pool.AVG && dW == 1));
  const span = interior(Wo, W, sW, pW, kW, dW);
  const lo = simd ? <i32>span : Wo, hi = simd ? <i32>(span >> 32) : Wo;
  const s2 = sW == 2;
  const lanes = i32x4(0, sW, 2 * sW, 3 * sW);
  for (let p = 0; p < P; p++) {
    const xi = x + <usize>p * inPlane * SZ;
    const oi = out + <usize>p * outPlane * SZ;
    const ii = idx + <usize>p * outPlane * 4;
    for (let oh = 0; oh < Ho; oh++) {
      if (op == Pool.GATHER) {
        for (let ow = 0; ow < Wo; ow++) {
          const o = <usize>(oh * Wo + ow);
          store<T>(oi + o * SZ, load<T>(xi + <usize>load<i32>(ii + o * 4) * SZ));
        }
      } else if (op == Pool.MAX) {
        const rows = maxRows(oh, sH, pH, kH, dH, H);
        const ih0 = <i32>rows, ih1 = <i32>(rows >> 32);
        let ow = 0;
        for (; ow < lo; ow++) maxOne<T>(xi, oi, ii, <usize>(oh * Wo + ow), ih0, ih1, ow, W, sW, pW, kW, dH, dW);
        for (; ow + 4 <= hi; ow += 4) max4(xi, oi, ii, oh, ow, ih0, ih1, W, Wo, sW, pW, kW, dH, dW, s2, lanes);
        // the last few columns: the four ending at hi again (recomputing outputs is harmless)
        if (ow < hi && hi - lo >= 4) { max4(xi, oi, ii, oh, hi - 4, ih0, ih1, W, Wo, sW, pW, kW, dH, dW, s2, lanes); ow = hi; }
        for (; ow < Wo; ow++) maxOne<T>(xi, oi, ii, <usize>(oh * Wo + ow), ih0, ih1, ow, W, sW, pW, kW, dH, dW);
      } else if (op == Pool.AVG) {
        const r0 = oh * sH - pH, r1p = min(r0 + kH, H + pH);
        const ih0 = max(r0, 0), ih1 = min(r1p, H);
        let ow = 0;
        if (ih0 < ih1 && hi > lo) {
          // whole windows in their rows: the same divisor for every column here
          const div = <f32>(divisor != 0 ? divisor : countPad ? (r1p - r0) * kW : (ih1 - ih0) * kW);
          for (; ow < lo; ow++) avgOne<T>(xi, oi, oh, ow, Ho, Wo, H, W, kH, kW, sH, sW, pH, pW, countPad, divisor);
          const d = f32x4.splat(div);
          for (; ow + 4 <= hi; ow += 4) avg4(xi, oi, oh, ow, ih0, ih1, W, Wo, sW, pW, kW, s2, d);
          if (ow < hi && hi - lo >= 4) { avg4(xi, oi, oh, hi - 4, ih0, ih1, W, Wo, sW, pW, kW, s2, d); ow = hi; }
        }
        for (; ow < Wo; ow++) avgOne<T>(xi, oi, oh, ow, Ho, Wo, H, W, kH, kW, sH, sW, pH, pW, countPad, divisor);
      } else {
        for (let ow = 0; ow < Wo; ow++) adaptiveOne<T>(xi, oi, oh, ow, Ho, Wo, H, W);
      }
    }
  }
}

/** One average-pooling output (scalar). */
// @ts-ignore: decorator
@inline function avgOne<T>(xi: usize, oi: usize, oh: i32, ow: i32, Ho: i32, Wo: i32, H: i32, W: i32, kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, countPad: bool, divisor: i32): void {
  const SZ = <usize>sizeof<T>();
  let ih0 = oh * sH - pH, iw0 = ow * sW - pW;
  let ih1 = min(ih0 + kH, H + pH), iw1 = min(iw0 + kW, W + pW);
  const poolSize = (ih1 - ih0) * (iw1 - iw0);
  ih0 = max(ih0, 0); iw0 = max(iw0, 0); ih1 = min(ih1, H); iw1 = min(iw1, W);
  const o = <usize>(oh * Wo + ow);
  if (ih0 >= ih1 || iw0 >= iw1) { store<T>(oi + o * SZ, <T>0); return; }
  const div = <T>(divisor != 0 ? divisor : countPad ? poolSize : (ih1 - ih0) * (iw1 - iw0));
  let sum = <T>0;
  for (let ih = ih0; ih < ih1; ih++) {
    for (let iw = iw0; iw < iw1; iw++) sum += load<T>(xi + <usize>(ih * W + iw) * SZ);
  }
  store<T>(oi + o * SZ, sum / div);
}

/** PyTorch's adaptive window of output i of n over size: [floor(i*size/n), ceil((i+1)*size/n)). */
// @ts-ignore: decorator
@inline function adaptiveStart(i: i32, n: i32, size: i32): i32 { return <i32>((<i64>i * size) / n); }
// @ts-ignore: decorator
@inline function adaptiveEnd(i: i32, n: i32, size: i32): i32 { return <i32>((<i64>(i + 1) * size + n - 1) / n); }

/** One adaptive average-pooling output: the sum / kh / kw, as PyTorch divides. */
// @ts-ignore: decorator
@inline function adaptiveOne<T>(xi: usize, oi: usize, oh: i32, ow: i32, Ho: i32, Wo: i32, H: i32, W: i32): void {
  const SZ = <usize>sizeof<T>();
  const ih0 = adaptiveStart(oh, Ho, H), ih1 = adaptiveEnd(oh, Ho, H);
  const iw0 = adaptiveStart(ow, Wo, W), iw1 = adaptiveEnd(ow, Wo, W);
  let sum = <T>0;
  for (let ih = ih0; ih < ih1; ih++) {
    for (let iw = iw0; iw < iw1; iw++) sum += load<T>(xi + <usize>(ih * W + iw) * SZ);
  }
  store<T>(oi + <usize>(oh * Wo + ow) * SZ, sum / <T>(ih1 - ih0) / <T>(iw1 - iw0));
}

/**
 * The adjoint of float32 2x2 stride-2 max pooling (Wo >= 4, windows inside the input): every input of every window is
 * written, gy where it was the window's max and 0 elsewhere (0 + g, as the accumulation in a zeroed
 * gradient gives: -0 becomes 0); rows and columns no window covers (odd H, W) are zeroed.
 */
// @ts-ignore: decorator
@inline function maxBackward2x2(gy: usize, gx: usize, idx: usize, P: i32, H: i32, W: i32, Ho: i32, Wo: i32): void {
  if (H != 2 * Ho || W != 2 * Wo) memory.fill(gx, 0, <usize>P * <usize>(H * W) * 4);
  const zero = f32x4.splat(0);
  const step = i32x4(0, 1, 2, 3), four = i32x4.splat(4), wv = i32x4.splat(W);
  for (let p = 0; p < P; p++) {
    const gi = gy + <usize>p * <usize>(Ho * Wo) * 4;
    const ii = idx + <usize>p * <usize>(Ho * Wo) * 4;
    const xi = gx + <usize>p * <usize>(H * W) * 4;
    for (let oh = 0; oh < Ho; oh++) {
      let ow = 0;
      while (ow < Wo) {
        // the last group ends at Wo, overlapping the one before (the same values written twice)
        if (ow + 4 > Wo) ow = Wo - 4;
        const o = <usize>(oh * Wo + ow) * 4;
        const g = v128.load(gi + o), at = v128.load(ii + o);
        const g0 = v128.shuffle<f32>(g, g, 0, 0, 1, 1), g1 = v128.shuffle<f32>(g, g, 2, 2, 3, 3);
        const a0 = v128.shuffle<i32>(at, at, 0, 0, 1, 1), a1 = v128.shuffle<i32>(at, at, 2, 2, 3, 3);
        const base = 2 * oh * W + 2 * ow;
        const p0 = i32x4.add(i32x4.splat(base), step), p1 = i32x4.add(p0, four);
        const q0 = i32x4.add(p0, wv), q1 = i32x4.add(p1, wv);
        const r0 = xi + <usize>base * 4, r1 = r0 + <usize>W * 4;
        v128.store(r0, f32x4.add(zero, v128.and(g0, i32x4.eq(a0, p0))));
        v128.store(r0, f32x4.add(zero, v128.and(g1, i32x4.eq(a1, p1))), 16);
        v128.store(r1, f32x4.add(zero, v128.and(g0, i32x4.eq(a0, q0))));
        v128.store(r1, f32x4.add(zero, v128.and(g1, i32x4.eq(a1, q1))), 16);
        ow += 4;
      }
    }
  }
}

/** The adjoint: gx (zeroed here) gets gy added back over each output's window (MAX, GATHER: at its index). */
// @ts-ignore: decorator
@inline function poolBackward<T>(op: i32, gy: usize, gx: usize, idx: usize, gp: usize): void {
  const SZ = <usize>sizeof<T>();
  const P = geo(gp, 0), H = geo(gp, 1), W = geo(gp, 2), Ho = geo(gp, 3), Wo = geo(gp, 4);
  const kH = geo(gp, 5), kW = geo(gp, 6), sH = geo(gp, 7), sW = geo(gp, 8), pH = geo(gp, 9), pW = geo(gp, 10);
  const countPad = geo(gp, 13) != 0, divisor = geo(gp, 14);
  const inPlane = <usize>(H * W), outPlane = <usize>(Ho * Wo);
  // float32 2x2 max pooling with stride 2 (the common one): each input is in one window at most
  if (sizeof<T>() == 4 && op == Pool.MAX && kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0 &&
      geo(gp, 11) == 1 && geo(gp, 12) == 1 && Wo >= 4 && 2 * Ho <= H && 2 * Wo <= W) {
    maxBackward2x2(gy, gx, idx, P, H, W, Ho, Wo);
    return;
  }
  memory.fill(gx, 0, <usize>P * inPlane * SZ);
  for (let p = 0; p < P; p++) {
    const gi = gy + <usize>p * outPlane * SZ;
    const xi = gx + <usize>p * inPlane * SZ;
    const ii = idx + <usize>p * outPlane * 4;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const o = <usize>(oh * Wo + ow);
        const g = load<T>(gi + o * SZ);
        if (op == Pool.MAX || op == Pool.GATHER) {
          const q = xi + <usize>load<i32>(ii + o * 4) * SZ;
          store<T>(q, load<T>(q) + g);
          continue;
        }
        let ih0: i32, ih1: i32, iw0: i32, iw1: i32, delta: T;
        if (op == Pool.AVG) {
          ih0 = oh * sH - pH; iw0 = ow * sW - pW;
          ih1 = min(ih0 + kH, H + pH); iw1 = min(iw0 + kW, W + pW);
          const poolSize = (ih1 - ih0) * (iw1 - iw0);
          ih0 = max(ih0, 0); iw0 = max(iw0, 0); ih1 = min(ih1, H); iw1 = min(iw1, W);
          if (ih0 >= ih1 || iw0 >= iw1) continue;
          delta = g / <T>(divisor != 0 ? divisor : countPad ? poolSize : (ih1 - ih0) * (iw1 - iw0));
        } else {
          ih0 = adaptiveStart(oh, Ho, H); ih1 = adaptiveEnd(oh, Ho, H);
          iw0 = adaptiveStart(ow, Wo, W); iw1 = adaptiveEnd(ow, Wo, W);
          delta = g / <T>(ih1 - ih0) / <T>(iw1 - iw0);
        }
        for (let ih = ih0; ih < ih1; ih++) {
          for (let iw = iw0; iw < iw1; iw++) {
            const q = xi + <usize>(ih * W + iw) * SZ;
            store<T>(q, load<T>(q) + delta);
          }
        }
      }
    }
  }
}

/** Pooling (float32): see the Pool op codes; idx (int32, [planes, ho, wo]) written by MAX, read by GATHER. */
export function pool2d_f32(op: i32, x: usize, out: usize, idx: usize, gp: usize): void { poolForward<f32>(op, x, out, idx, gp); }
/** pool2d_f32 in float64. */
export function pool2d_f64(op: i32, x: usize, out: usize, idx: usize, gp: usize): void { poolForward<f64>(op, x, out, idx, gp); }
/** The adjoint of pool2d_f32 (MAX and GATHER both add gy at idx): gx from the output gradient gy. */
export function pool2d_backward_f32(op: i32, gy: usize, gx: usize, idx: usize, gp: usize): void { poolBackward<f32>(op, gy, gx, idx, gp); }
/** pool2d_backward_f32 in float64. */
export function pool2d_backward_f64(op: i32, gy: usize, gx: usize, idx: usize, gp: usize): void { poolBackward<f64>(op, gy, gx, idx, gp); }
