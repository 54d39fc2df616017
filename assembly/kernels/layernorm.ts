// Layer normalisation over the last `cols` elements of each of `rows` contiguous rows
// (PyTorch's native_layer_norm and its backward), generic over f32 / f64 with v128 lanes
// (4 or 2 per vector) and a scalar tail. Two passes for the statistics (mean, then the
// centred sum of squares), accumulated in f64 (float32 lanes promoted), at least as accurate
// as PyTorch's moments; mean and rstd are rounded to the input's dtype and written per row, as
// PyTorch saves them. Pointers of absent operands are 0.
//
// The output is PyTorch's CPU kernel's: y = (x * rstd + c) * w + b with c = -rstd * mean (in the
// dtype), both multiply-adds fused, as its compiled loops are (GCC contracts them on x86-64 and
// ARM; PyTorch 1.13.1's results match that bit for bit given its mean and rstd). It matters for a
// constant row: the mean is exactly its value, so x * rstd + c is the rounding error of
// rstd * mean (about 1e-14 in float64, 3e-6 in float32, its sign fixed by the bits), not 0, and
// an infinite weight makes it +-inf as in PyTorch, not NaN. Wasm has no fused multiply-add:
// float32 runs it in f64 (the product is exact there), float64 through Dekker's exact product.
// The js backend (src/backend/js/normalization.ts) does the same operations in the same order.

// @ts-ignore: decorator
@inline function hsum<T>(v: v128): T {
  let r = v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  if (sizeof<T>() == 4) r += v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
  return r;
}

/** The sum of (x - m)^k (k = 1: m the row's first element, so a constant row's mean is exactly
 *  its value, as PyTorch's moments give; k = 2: the centred squares) of n elements at p,
 *  accumulated in f64 for either dtype. */
// @ts-ignore: decorator
@inline function rowSum<T>(p: usize, n: usize, m: f64, square: bool): f64 {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  const vm = f64x2.splat(m);
  let a0 = f64x2.splat(0), a1 = a0;
  let j: usize = 0;
  for (; j + L <= n; j += L) {
    const v = v128.load(p + j * S);
    let d0: v128, d1: v128;
    if (sizeof<T>() == 4) {
      d0 = f64x2.sub(f64x2.promote_low_f32x4(v), vm);
      d1 = f64x2.sub(f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)), vm);
    } else {
      d0 = f64x2.sub(v, vm);
      d1 = f64x2.splat(0);
    }
    a0 = f64x2.add(a0, square ? f64x2.mul(d0, d0) : d0);
    a1 = f64x2.add(a1, square ? f64x2.mul(d1, d1) : d1);
  }
  const t = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; j < n; j++) {
    const d = <f64>load<T>(p + j * S) - m;
    s += square ? d * d : d;
  }
  return s;
}

// 2^27 + 1: splits a double into two halves whose products are exact (Veltkamp)
const SPLIT: f64 = 134217729.0;

/** fma(a, b, c) in f64 without a fused instruction: Dekker's exact product p + e, then
 *  (p + c) with its rounding error, plus e. Exact when p + c is (a constant row's p = -c);
 *  a non-finite product or a split that overflows falls back to a * b + c. */
// @ts-ignore: decorator
@inline function fma64(a: f64, b: f64, c: f64): f64 {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  if (!(abs(p) < Infinity && abs(e) < Infinity)) return p + c;
  const s = p + c, z = s - p;
  const r = (p - (s - z)) + (c - z);
  return s + (r + e);
}

/** fma64 on both lanes of f64x2 vectors. */
// @ts-ignore: decorator
@inline function fma64x2(a: v128, b: v128, c: v128): v128 {
  const sp = f64x2.splat(SPLIT), inf = f64x2.splat(Infinity);
  const p = f64x2.mul(a, b);
  let t = f64x2.mul(sp, a);
  const ah = f64x2.sub(t, f64x2.sub(t, a)), al = f64x2.sub(a, ah);
  t = f64x2.mul(sp, b);
  const bh = f64x2.sub(t, f64x2.sub(t, b)), bl = f64x2.sub(b, bh);
  const e = f64x2.add(f64x2.add(f64x2.add(f64x2.sub(f64x2.mul(ah, bh), p), f64x2.mul(ah, bl)), f64x2.mul(al, bh)), f64x2.mul(al, bl));
  const s = f64x2.add(p, c), z = f64x2.sub(s, p);
  const r = f64x2.add(f64x2.sub(p, f64x2.sub(s, z)), f64x2.sub(c, z));
  const fused = f64x2.add(s, f64x2.add(r, e));
  const finite = v128.and(f64x2.lt(f64x2.abs(p), inf), f64x2.lt(f64x2.abs(e), inf));
  return v128.bitselect(fused, f64x2.add(p, c), finite);
}

/** fma(a, b, c) of float32 values: the product is exact in f64, the sum rounded there, then to f32. */
// @ts-ignore: decorator
@inline function fma32(a: f32, b: f32, c: f32): f32 {
  return <f32>(<f64>a * <f64>b + <f64>c);
}

/** fma32 on the four lanes of f32x4 vectors. */
// @ts-ignore: decorator
@inline function fma32x4(a: v128, b: v128, c: v128): v128 {
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const a2 = v128.shuffle<i32>(a, a, 2, 3, 0, 1), b2 = v128.shuffle<i32>(b, b, 2, 3, 0, 1), c2 = v128.shuffle<i32>(c, c, 2, 3, 0, 1);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a2), f64x2.promote_low_f32x4(b2)), f64x2.promote_low_f32x4(c2));
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

// @ts-ignore: decorator
@inline function fmaT<T>(a: T, b: T, c: T): T {
  if (sizeof<T>() == 4) return <T>fma32(<f32>a, <f32>b, <f32>c);
  return <T>fma64(<f64>a, <f64>b, <f64>c);
}

// @ts-ignore: decorator
@inline function fmaV<T>(a: v128, b: v128, c: v128): v128 {
  return sizeof<T>() == 4 ? fma32x4(a, b, c) : fma64x2(a, b, c);
}

// @ts-ignore: decorator
@inline function layerNorm<T>(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, rows: usize, cols: usize, eps: f64): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  const n = <f64>cols;
  const zero = v128.splat<T>(<T>0);
  for (let r: usize = 0; r < rows; r++) {
    const px = x + r * cols * S, py = y + r * cols * S;
    const x0 = cols > 0 ? <f64>load<T>(px) : 0;
    const m = <T>(x0 + rowSum<T>(px, cols, x0, false) / n);
    const v = max<f64>(rowSum<T>(px, cols, <f64>m, true) / n, 0);
    // PyTorch: 1 / sqrt(var + eps) in the dtype (eps too)
    const rs = <T>1 / sqrt<T>(<T>v + <T>eps);
    const c = -rs * m;
    store<T>(mean + r * S, m);
    store<T>(rstd + r * S, rs);
    const vr = v128.splat<T>(rs), vc = v128.splat<T>(c);
    let j: usize = 0;
    for (; j + L <= cols; j += L) {
      const o = j * S;
      let t = fmaV<T>(v128.load(px + o), vr, vc);
      // PyTorch adds a missing bias as +0 (so a -0 comes out +0) and takes a missing weight as 1
      const vb = b != 0 ? v128.load(b + o) : zero;
      t = w != 0 ? fmaV<T>(t, v128.load(w + o), vb) : v128.add<T>(t, vb);
      v128.store(py + o, t);
    }
    for (; j < cols; j++) {
      const o = j * S;
      let t = fmaT<T>(load<T>(px + o), rs, c);
      const bj = b != 0 ? load<T>(b + o) : <T>0;
      t = w != 0 ? fmaT<T>(t, load<T>(w + o), bj) : t + bj;
      store<T>(py + o, t);
    }
  }
}

/** gx (when gx != 0) and the sums over rows gw += gy * xhat, gb += gy (when non-zero; the
 *  caller zeroes them) of layerNorm's output gradient gy, from the saved mean and rstd. */
// @ts-ignore: decorator
@inline function layerNormBackward<T>(
  gy: usize, x: usize, mean: usize, rstd: usize, w: usize, gx: usize, gw: usize, gb: usize, rows: usize, cols: usize,
): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  const invN = <T>1 / <T>cols;
  for (let r: usize = 0; r < rows; r++) {
    const base = r * cols * S;
    const pg = gy + base, px = x + base;
    const m = load<T>(mean + r * S), rs = load<T>(rstd + r * S);
    const vm = v128.splat<T>(m), vr = v128.splat<T>(rs);
    // sums of a = gy * w and of a * xhat along the row; the parameter gradients on the way
    let sa = v128.splat<T>(0), sax = sa;
    let j: usize = 0;
    for (; j + L <= cols; j += L) {
      const o = j * S;
      const g = v128.load(pg + o);
      const xh = v128.mul<T>(v128.sub<T>(v128.load(px + o), vm), vr);
      const a = w != 0 ? v128.mul<T>(g, v128.load(w + o)) : g;
      sa = v128.add<T>(sa, a);
      sax = v128.add<T>(sax, v128.mul<T>(a, xh));
      if (gw != 0) v128.store(gw + o, v128.add<T>(v128.load(gw + o), v128.mul<T>(g, xh)));
      if (gb != 0) v128.store(gb + o, v128.add<T>(v128.load(gb + o), g));
    }
    let s1 = hsum<T>(sa), s2 = hsum<T>(sax);
    for (; j < cols; j++) {
      const o = j * S;
      const g = load<T>(pg + o);
      const xh = (load<T>(px + o) - m) * rs;
      const a = w != 0 ? g * load<T>(w + o) : g;
      s1 += a;
      s2 += a * xh;
      if (gw != 0) store<T>(gw + o, load<T>(gw + o) + g * xh);
      if (gb != 0) store<T>(gb + o, load<T>(gb + o) + g);
    }
    if (gx == 0) continue;
    // gx = rstd * (a - mean(a) - xhat * mean(a * xhat))
    const c1 = s1 * invN, c2 = s2 * invN;
    const v1 = v128.splat<T>(c1), v2 = v128.splat<T>(c2);
    const po = gx + base;
    j = 0;
    for (; j + L <= cols; j += L) {
      const o = j * S;
      const g = v128.load(pg + o);
      const xh = v128.mul<T>(v128.sub<T>(v128.load(px + o), vm), vr);
      const a = w != 0 ? v128.mul<T>(g, v128.load(w + o)) : g;
      v128.store(po + o, v128.mul<T>(vr, v128.sub<T>(v128.sub<T>(a, v1), v128.mul<T>(xh, v2))));
    }
    for (; j < cols; j++) {
      const o = j * S;
      const g = load<T>(pg + o);
      const xh = (load<T>(px + o) - m) * rs;
      const a = w != 0 ? g * load<T>(w + o) : g;
      store<T>(po + o, rs * (a - c1 - xh * c2));
    }
  }
}

export function layer_norm_f32(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, rows: usize, cols: usize, eps: f64): void {
  layerNorm<f32>(x, w, b, y, mean, rstd, rows, cols, eps);
}
export function layer_norm_f64(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, rows: usize, cols: usize, eps: f64): void {
  layerNorm<f64>(x, w, b, y, mean, rstd, rows, cols, eps);
}
export function layer_norm_backward_f32(gy: usize, x: usize, mean: usize, rstd: usize, w: usize, gx: usize, gw: usize, gb: usize, rows: usize, cols: usize): void {
  layerNormBackward<f32>(gy, x, mean, rstd, w, gx, gw, gb, rows, cols);
}
export function layer_norm_backward_f64(gy: usize, x: usize, mean: usize, rstd: usize, w: usize, gx: usize, gw: usize, gb: usize, rows: usize, cols: usize): void {
  layerNormBackward<f64>(gy, x, mean, rstd, w, gx, gw, gb, rows, cols);
}
