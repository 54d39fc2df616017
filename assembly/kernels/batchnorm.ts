// Batch normalisation over a contiguous [n, c, s] block: c channels, each holding n runs of s
// contiguous elements (s is the product of the spatial dims, 1 for an [N, C] input), in PyTorch
// 1.13's CPU order of operations:
//   stats:    mean = sum(x) / M (M = n * s), varSum = sum((x - mean)^2), both rounded to T,
//             sums accumulated in f64 (PyTorch's acc_type for float on the CPU);
//   forward:  y = x * alpha + beta, alpha = invstd * w, beta = b - mean * alpha,
//             invstd = 1 / sqrt(var + eps) with var = varIn / count (count: M for the batch's
//             varSum, 1 for a running variance);
//   backward: sum = sum(g), dotp = sum((x - mean) * g); gw = dotp * invstd, gb = sum;
//             gx = (g - sum / M - (x - mean) * dotp * invstd^2 / M) * invstd * w in training,
//             g * invstd * w in evaluation.
// Runs of s >= 4 go SIMD along s; s == 1 (the [N, C] case, where a channel is strided) goes SIMD
// across channels. weight/bias pointers may be 0 (none: 1 and 0); backward outputs may be 0 (not
// wanted). Nothing is allocated.

/** The second result of the sum-and-dot reductions (AssemblyScript has no tuples). */
let dotAcc: f64 = 0;

// @ts-ignore: decorator
@inline function hsum(v: v128): f64 { return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1); }
// @ts-ignore: decorator
@inline function hiHalf(v: v128): v128 { return v128.shuffle<i32>(v, v, 2, 3, 0, 1); }

/** sum of `len` elements from p, in f64. */
// @ts-ignore: decorator
@inline function sumRun<T>(p: usize, len: usize): f64 {
  let i: usize = 0;
  let acc: f64 = 0;
  if (sizeof<T>() == 4) {
    let lo = f64x2.splat(0), hi = lo;
    for (; i + 4 <= len; i += 4) {
      const v = v128.load(p + (i << 2));
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(hiHalf(v)));
    }
    acc = hsum(f64x2.add(lo, hi));
    for (; i < len; i++) acc += <f64>load<f32>(p + (i << 2));
  } else {
    let a = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) a = f64x2.add(a, v128.load(p + (i << 3)));
    acc = hsum(a);
    for (; i < len; i++) acc += load<f64>(p + (i << 3));
  }
  return acc;
}

/** sum((x - mean)^2) over a run, the difference and square in T, the sum in f64. */
// @ts-ignore: decorator
@inline function sqDevRun<T>(p: usize, len: usize, mean: T): f64 {
  let i: usize = 0;
  let acc: f64 = 0;
  if (sizeof<T>() == 4) {
    const m = f32x4.splat(<f32>mean);
    let lo = f64x2.splat(0), hi = lo;
    for (; i + 4 <= len; i += 4) {
      const d = f32x4.sub(v128.load(p + (i << 2)), m);
      const q = f32x4.mul(d, d);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(q));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(hiHalf(q)));
    }
    acc = hsum(f64x2.add(lo, hi));
    for (; i < len; i++) { const d = load<f32>(p + (i << 2)) - <f32>mean; acc += <f64>(d * d); }
  } else {
    const m = f64x2.splat(<f64>mean);
    let a = f64x2.splat(0);
    for (; i + 2 <= len; i += 2) { const d = f64x2.sub(v128.load(p + (i << 3)), m); a = f64x2.add(a, f64x2.mul(d, d)); }
    acc = hsum(a);
    for (; i < len; i++) { const d = load<f64>(p + (i << 3)) - <f64>mean; acc += d * d; }
  }
  return acc;
}

/** out = x * alpha + beta over a run. */
// @ts-ignore: decorator
@inline function affineRun<T>(p: usize, o: usize, len: usize, alpha: T, beta: T): void {
  let i: usize = 0;
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const a = v128.splat<T>(alpha), b = v128.splat<T>(beta);
  for (; i + L <= len; i += L) v128.store(o + i * SZ, v128.add<T>(v128.mul<T>(v128.load(p + i * SZ), a), b));
  for (; i < len; i++) store<T>(o + i * SZ, load<T>(p + i * SZ) * alpha + beta);
}

/** sum(g) (returned) and sum((x - mean) * g) (in dotAcc) over a run, in f64. */
// @ts-ignore: decorator
@inline function sumDotRun<T>(g: usize, x: usize, len: usize, mean: T): f64 {
  let i: usize = 0;
  let s: f64 = 0, d: f64 = 0;
  if (sizeof<T>() == 4) {
    const m = f32x4.splat(<f32>mean);
    let slo = f64x2.splat(0), shi = slo, dlo = slo, dhi = slo;
    for (; i + 4 <= len; i += 4) {
      const gv = v128.load(g + (i << 2));
      const q = f32x4.mul(f32x4.sub(v128.load(x + (i << 2)), m), gv);
      slo = f64x2.add(slo, f64x2.promote_low_f32x4(gv));
      shi = f64x2.add(shi, f64x2.promote_low_f32x4(hiHalf(gv)));
      dlo = f64x2.add(dlo, f64x2.promote_low_f32x4(q));
      dhi = f64x2.add(dhi, f64x2.promote_low_f32x4(hiHalf(q)));
    }
    s = hsum(f64x2.add(slo, shi));
    d = hsum(f64x2.add(dlo, dhi));
    for (; i < len; i++) {
      const gs = load<f32>(g + (i << 2));
      s += <f64>gs;
      d += <f64>((load<f32>(x + (i << 2)) - <f32>mean) * gs);
    }
  } else {
    const m = f64x2.splat(<f64>mean);
    let sa = f64x2.splat(0), da = sa;
    for (; i + 2 <= len; i += 2) {
      const gv = v128.load(g + (i << 3));
      sa = f64x2.add(sa, gv);
      da = f64x2.add(da, f64x2.mul(f64x2.sub(v128.load(x + (i << 3)), m), gv));
    }
    s = hsum(sa);
    d = hsum(da);
    for (; i < len; i++) {
      const gs = load<f64>(g + (i << 3));
      s += gs;
      d += (load<f64>(x + (i << 3)) - <f64>mean) * gs;
    }
  }
  dotAcc += d;
  return s;
}

/** gx = (g - gm - (x - mean) * k) * invstd * w over a run (training's input gradient). */
// @ts-ignore: decorator
@inline function gradTrainRun<T>(g: usize, x: usize, o: usize, len: usize, mean: T, k: T, gm: T, invstd: T, w: T): void {
  let i: usize = 0;
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const mv = v128.splat<T>(mean), kv = v128.splat<T>(k), gmv = v128.splat<T>(gm), iv = v128.splat<T>(invstd), wv = v128.splat<T>(w);
  for (; i + L <= len; i += L) {
    const dx = v128.mul<T>(v128.sub<T>(v128.load(x + i * SZ), mv), kv);
    v128.store(o + i * SZ, v128.mul<T>(v128.mul<T>(v128.sub<T>(v128.sub<T>(v128.load(g + i * SZ), gmv), dx), iv), wv));
  }
  for (; i < len; i++) {
    const dx = (load<T>(x + i * SZ) - mean) * k;
    store<T>(o + i * SZ, (load<T>(g + i * SZ) - gm - dx) * invstd * w);
  }
}

/** gx = g * invstd * w over a run (evaluation's input gradient). */
// @ts-ignore: decorator
@inline function gradEvalRun<T>(g: usize, o: usize, len: usize, invstd: T, w: T): void {
  let i: usize = 0;
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const iv = v128.splat<T>(invstd), wv = v128.splat<T>(w);
  for (; i + L <= len; i += L) v128.store(o + i * SZ, v128.mul<T>(v128.mul<T>(v128.load(g + i * SZ), iv), wv));
  for (; i < len; i++) store<T>(o + i * SZ, load<T>(g + i * SZ) * invstd * w);
}

// @ts-ignore: decorator
@inline function invstdOf<T>(v: usize, ch: usize, count: f64, eps: f64): T {
  const SZ = sizeof<T>();
  const variance = <T>(load<T>(v + ch * SZ) / <T>count);
  return <T>(1.0 / Math.sqrt(<f64>variance + eps));
}

// @ts-ignore: decorator
@inline function paramAt<T>(p: usize, ch: usize, none: T): T {
  return p == 0 ? none : load<T>(p + ch * sizeof<T>());
}

/** Lanes of a v128 of T (4 for f32, 2 for f64): the channels one SIMD step covers when s == 1. */
// @ts-ignore: decorator
@inline function lanes<T>(): usize { return 16 / sizeof<T>(); }

/** Channels [c0, c0 + lanes) of an [n, c] block summed over the rows, in f64: the low two in
 *  `lo`, the high two (f32 only) in `hi` (module globals: no tuples). */
let lo2 = f64x2.splat(0);
let hi2 = f64x2.splat(0);

// @ts-ignore: decorator
@inline function addPromoted<T>(v: v128): void {
  if (sizeof<T>() == 4) {
    lo2 = f64x2.add(lo2, f64x2.promote_low_f32x4(v));
    hi2 = f64x2.add(hi2, f64x2.promote_low_f32x4(hiHalf(v)));
  } else {
    lo2 = f64x2.add(lo2, v);
  }
}

// @ts-ignore: decorator
@inline function laneSum<T>(j: i32): f64 {
  // j: 0..lanes-1
  if (j == 0) return f64x2.extract_lane(lo2, 0);
  if (j == 1) return f64x2.extract_lane(lo2, 1);
  if (j == 2) return f64x2.extract_lane(hi2, 0);
  return f64x2.extract_lane(hi2, 1);
}

function statsImpl<T>(x: usize, n: usize, c: usize, s: usize, mean: usize, varSum: usize): void {
  const SZ = sizeof<T>();
  const count = <f64>(n * s);
  let ch: usize = 0;
  if (s == 1) {
    const L = lanes<T>();
    for (; ch + L <= c; ch += L) {
      lo2 = f64x2.splat(0); hi2 = lo2;
      for (let r: usize = 0; r < n; r++) addPromoted<T>(v128.load(x + (r * c + ch) * SZ));
      let mv = v128.splat<T>(0);
      for (let j = 0; j < <i32>L; j++) {
        const m = <T>(laneSum<T>(j) / count);
        store<T>(mean + (ch + j) * SZ, m);
      }
      mv = v128.load(mean + ch * SZ);
      lo2 = f64x2.splat(0); hi2 = lo2;
      for (let r: usize = 0; r < n; r++) {
        const d = v128.sub<T>(v128.load(x + (r * c + ch) * SZ), mv);
        addPromoted<T>(v128.mul<T>(d, d));
      }
      for (let j = 0; j < <i32>L; j++) store<T>(varSum + (ch + j) * SZ, <T>laneSum<T>(j));
    }
  }
  for (; ch < c; ch++) {
    let sum: f64 = 0;
    for (let r: usize = 0; r < n; r++) sum += sumRun<T>(x + (r * c + ch) * s * SZ, s);
    const m = <T>(sum / count);
    let vs: f64 = 0;
    for (let r: usize = 0; r < n; r++) vs += sqDevRun<T>(x + (r * c + ch) * s * SZ, s, m);
    store<T>(mean + ch * SZ, m);
    store<T>(varSum + ch * SZ, <T>vs);
  }
}

function forwardImpl<T>(x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64, weight: usize, bias: usize, out: usize): void {
  const SZ = sizeof<T>();
  let ch: usize = 0;
  if (s == 1) {
    // alpha and beta of `lanes` channels, lane by lane, then one SIMD step per row
    const L = lanes<T>();
    for (; ch + L <= c; ch += L) {
      let av = v128.splat<T>(0), bv = av;
      for (let j: usize = 0; j < L; j++) {
        const invstd = invstdOf<T>(variance, ch + j, count, eps);
        const alpha = invstd * paramAt<T>(weight, ch + j, <T>1);
        const beta = paramAt<T>(bias, ch + j, <T>0) - load<T>(mean + (ch + j) * SZ) * alpha;
        if (sizeof<T>() == 4) {
          if (j == 0) { av = f32x4.replace_lane(av, 0, <f32>alpha); bv = f32x4.replace_lane(bv, 0, <f32>beta); }
          else if (j == 1) { av = f32x4.replace_lane(av, 1, <f32>alpha); bv = f32x4.replace_lane(bv, 1, <f32>beta); }
          else if (j == 2) { av = f32x4.replace_lane(av, 2, <f32>alpha); bv = f32x4.replace_lane(bv, 2, <f32>beta); }
          else { av = f32x4.replace_lane(av, 3, <f32>alpha); bv = f32x4.replace_lane(bv, 3, <f32>beta); }
        } else if (j == 0) { av = f64x2.replace_lane(av, 0, <f64>alpha); bv = f64x2.replace_lane(bv, 0, <f64>beta); }
        else { av = f64x2.replace_lane(av, 1, <f64>alpha); bv = f64x2.replace_lane(bv, 1, <f64>beta); }
      }
      for (let r: usize = 0; r < n; r++) {
        const p = (r * c + ch) * SZ;
        v128.store(out + p, v128.add<T>(v128.mul<T>(v128.load(x + p), av), bv));
      }
    }
  }
  for (; ch < c; ch++) {
    const invstd = invstdOf<T>(variance, ch, count, eps);
    const alpha = invstd * paramAt<T>(weight, ch, <T>1);
    const beta = paramAt<T>(bias, ch, <T>0) - load<T>(mean + ch * SZ) * alpha;
    for (let r: usize = 0; r < n; r++) {
      const p = (r * c + ch) * s * SZ;
      affineRun<T>(x + p, out + p, s, alpha, beta);
    }
  }
}

function backwardImpl<T>(
  g: usize, x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64,
  weight: usize, train: bool, gx: usize, gw: usize, gb: usize,
): void {
  const SZ = sizeof<T>();
  const M = <f64>(n * s);
  let ch: usize = 0;
  if (s == 1) {
    const L = lanes<T>();
    for (; ch + L <= c; ch += L) {
      const mv = v128.load(mean + ch * SZ);
      // sums of g, then of (x - mean) * g, for `lanes` channels at once
      lo2 = f64x2.splat(0); hi2 = lo2;
      for (let r: usize = 0; r < n; r++) addPromoted<T>(v128.load(g + (r * c + ch) * SZ));
      const s0 = laneSum<T>(0), s1 = laneSum<T>(1), s2 = laneSum<T>(2), s3 = laneSum<T>(3);
      lo2 = f64x2.splat(0); hi2 = lo2;
      for (let r: usize = 0; r < n; r++) {
        const p = (r * c + ch) * SZ;
        addPromoted<T>(v128.mul<T>(v128.sub<T>(v128.load(x + p), mv), v128.load(g + p)));
      }
      let kv = v128.splat<T>(0), gmv = kv, iv = kv, wv = kv;
      for (let j: usize = 0; j < L; j++) {
        const sum = j == 0 ? s0 : j == 1 ? s1 : j == 2 ? s2 : s3;
        const dotp = laneSum<T>(<i32>j);
        const invstd = invstdOf<T>(variance, ch + j, count, eps);
        if (gw != 0) store<T>(gw + (ch + j) * SZ, <T>(dotp * <f64>invstd));
        if (gb != 0) store<T>(gb + (ch + j) * SZ, <T>sum);
        const k = <T>(<T>dotp * invstd * invstd / <T>M);
        const gm = <T>(sum / M);
        const w = paramAt<T>(weight, ch + j, <T>1);
        if (sizeof<T>() == 4) {
          if (j == 0) { kv = f32x4.replace_lane(kv, 0, <f32>k); gmv = f32x4.replace_lane(gmv, 0, <f32>gm); iv = f32x4.replace_lane(iv, 0, <f32>invstd); wv = f32x4.replace_lane(wv, 0, <f32>w); }
          else if (j == 1) { kv = f32x4.replace_lane(kv, 1, <f32>k); gmv = f32x4.replace_lane(gmv, 1, <f32>gm); iv = f32x4.replace_lane(iv, 1, <f32>invstd); wv = f32x4.replace_lane(wv, 1, <f32>w); }
          else if (j == 2) { kv = f32x4.replace_lane(kv, 2, <f32>k); gmv = f32x4.replace_lane(gmv, 2, <f32>gm); iv = f32x4.replace_lane(iv, 2, <f32>invstd); wv = f32x4.replace_lane(wv, 2, <f32>w); }
          else { kv = f32x4.replace_lane(kv, 3, <f32>k); gmv = f32x4.replace_lane(gmv, 3, <f32>gm); iv = f32x4.replace_lane(iv, 3, <f32>invstd); wv = f32x4.replace_lane(wv, 3, <f32>w); }
        } else if (j == 0) { kv = f64x2.replace_lane(kv, 0, <f64>k); gmv = f64x2.replace_lane(gmv, 0, <f64>gm); iv = f64x2.replace_lane(iv, 0, <f64>invstd); wv = f64x2.replace_lane(wv, 0, <f64>w); }
        else { kv = f64x2.replace_lane(kv, 1, <f64>k); gmv = f64x2.replace_lane(gmv, 1, <f64>gm); iv = f64x2.replace_lane(iv, 1, <f64>invstd); wv = f64x2.replace_lane(wv, 1, <f64>w); }
      }
      if (gx != 0) {
        for (let r: usize = 0; r < n; r++) {
          const p = (r * c + ch) * SZ;
          const gv = v128.load(g + p);
          if (train) {
            const dx = v128.mul<T>(v128.sub<T>(v128.load(x + p), mv), kv);
            v128.store(gx + p, v128.mul<T>(v128.mul<T>(v128.sub<T>(v128.sub<T>(gv, gmv), dx), iv), wv));
          } else {
            v128.store(gx + p, v128.mul<T>(v128.mul<T>(gv, iv), wv));
          }
        }
      }
    }
  }
  for (; ch < c; ch++) {
    const m = load<T>(mean + ch * SZ);
    const invstd = invstdOf<T>(variance, ch, count, eps);
    dotAcc = 0;
    let sum: f64 = 0;
    for (let r: usize = 0; r < n; r++) {
      const p = (r * c + ch) * s * SZ;
      sum += sumDotRun<T>(g + p, x + p, s, m);
    }
    const dotp = dotAcc;
    if (gw != 0) store<T>(gw + ch * SZ, <T>(dotp * <f64>invstd));
    if (gb != 0) store<T>(gb + ch * SZ, <T>sum);
    if (gx == 0) continue;
    const w = paramAt<T>(weight, ch, <T>1);
    const k = <T>(<T>dotp * invstd * invstd / <T>M);
    const gm = <T>(sum / M);
    for (let r: usize = 0; r < n; r++) {
      const p = (r * c + ch) * s * SZ;
      if (train) gradTrainRun<T>(g + p, x + p, gx + p, s, m, k, gm, invstd, w);
      else gradEvalRun<T>(g + p, gx + p, s, invstd, w);
    }
  }
}

/** mean[c] and varSum[c] (sum of squared deviations) of x [n, c, s] per channel; n * s > 0. */
export function batch_norm_stats_f32(x: usize, n: usize, c: usize, s: usize, mean: usize, varSum: usize): void { statsImpl<f32>(x, n, c, s, mean, varSum); }
export function batch_norm_stats_f64(x: usize, n: usize, c: usize, s: usize, mean: usize, varSum: usize): void { statsImpl<f64>(x, n, c, s, mean, varSum); }
/** out = (x - mean) / sqrt(variance / count + eps) * weight + bias per channel (weight, bias 0: none). */
export function batch_norm_forward_f32(x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64, weight: usize, bias: usize, out: usize): void {
  forwardImpl<f32>(x, n, c, s, mean, variance, count, eps, weight, bias, out);
}
export function batch_norm_forward_f64(x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64, weight: usize, bias: usize, out: usize): void {
  forwardImpl<f64>(x, n, c, s, mean, variance, count, eps, weight, bias, out);
}
/** The gradients of batch_norm_forward for the output gradient g: gx, gw, gb (0: not wanted);
 *  train: mean and variance are the batch's (and depend on x). */
export function batch_norm_backward_f32(
  g: usize, x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64,
  weight: usize, train: bool, gx: usize, gw: usize, gb: usize,
): void {
  backwardImpl<f32>(g, x, n, c, s, mean, variance, count, eps, weight, train, gx, gw, gb);
}
export function batch_norm_backward_f64(
  g: usize, x: usize, n: usize, c: usize, s: usize, mean: usize, variance: usize, count: f64, eps: f64,
  weight: usize, train: bool, gx: usize, gw: usize, gb: usize,
): void {
  backwardImpl<f64>(g, x, n, c, s, mean, variance, count, eps, weight, train, gx, gw, gb);
}
