// Layer normalisation over the last `cols` elements of each of `rows` contiguous rows
// (PyTorch's native_layer_norm and its backward), generic over f32 / f64 with v128 lanes
// (4 or 2 per vector) and a scalar tail. Two passes for the statistics (mean, then the
// centred sum of squares), as accurate as PyTorch's moments; mean and rstd are written per
// row in the input's dtype, as PyTorch saves them. Pointers of absent operands are 0.

// @ts-ignore: decorator
@inline function hsum<T>(v: v128): T {
  let r = v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  if (sizeof<T>() == 4) r += v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
  return r;
}

/** The sum of (x - m)^k (k = 1 with m = 0: the plain sum; k = 2: the centred squares) of n elements at p. */
// @ts-ignore: decorator
@inline function rowSum<T>(p: usize, n: usize, m: T, square: bool): T {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  const vm = v128.splat<T>(m);
  let a0 = v128.splat<T>(0), a1 = a0;
  let j: usize = 0;
  for (; j + 2 * L <= n; j += 2 * L) {
    const d0 = v128.sub<T>(v128.load(p + j * S), vm), d1 = v128.sub<T>(v128.load(p + j * S, 16), vm);
    a0 = v128.add<T>(a0, square ? v128.mul<T>(d0, d0) : d0);
    a1 = v128.add<T>(a1, square ? v128.mul<T>(d1, d1) : d1);
  }
  for (; j + L <= n; j += L) {
    const d = v128.sub<T>(v128.load(p + j * S), vm);
    a0 = v128.add<T>(a0, square ? v128.mul<T>(d, d) : d);
  }
  let s = hsum<T>(v128.add<T>(a0, a1));
  for (; j < n; j++) {
    const d = load<T>(p + j * S) - m;
    s += square ? d * d : d;
  }
  return s;
}

// @ts-ignore: decorator
@inline function layerNorm<T>(x: usize, w: usize, b: usize, y: usize, mean: usize, rstd: usize, rows: usize, cols: usize, eps: f64): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  const n = <T>cols;
  const e = <T>eps;
  for (let r: usize = 0; r < rows; r++) {
    const px = x + r * cols * S, py = y + r * cols * S;
    const m = rowSum<T>(px, cols, <T>0, false) / n;
    let v = rowSum<T>(px, cols, m, true) / n;
    if (v < <T>0) v = <T>0;
    const rs = <T>1 / sqrt<T>(v + e);
    store<T>(mean + r * S, m);
    store<T>(rstd + r * S, rs);
    const vm = v128.splat<T>(m), vr = v128.splat<T>(rs);
    let j: usize = 0;
    for (; j + L <= cols; j += L) {
      const o = j * S;
      let t = v128.mul<T>(v128.sub<T>(v128.load(px + o), vm), vr);
      if (w != 0) t = v128.mul<T>(t, v128.load(w + o));
      if (b != 0) t = v128.add<T>(t, v128.load(b + o));
      v128.store(py + o, t);
    }
    for (; j < cols; j++) {
      const o = j * S;
      let t = (load<T>(px + o) - m) * rs;
      if (w != 0) t *= load<T>(w + o);
      if (b != 0) t += load<T>(b + o);
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
