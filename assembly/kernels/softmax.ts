// softmax and log_softmax along the middle axis of a contiguous [outer, axis, inner] block,
// forward and backward, generic over f32 / f64. inner == 1 (the last dim) runs along each row
// with v128 lanes; inner > 1 runs the lanes across inner (each lane its own column, the axis
// strided), so neither case transposes. As PyTorch: the row's max is subtracted first, softmax
// multiplies by the reciprocal of the sum, log_softmax subtracts log(sum). float32 exp is the
// vectorised vexp (assembly/kernels/vmath.ts); float64 uses Math.exp per lane.
import { vexp, vlog } from "./vmath";

// @ts-ignore: decorator
@inline function vexpT<T>(v: v128): v128 {
  if (sizeof<T>() == 4) return vexp(v);
  return f64x2.replace_lane(f64x2.splat(Math.exp(f64x2.extract_lane(v, 0))), 1, Math.exp(f64x2.extract_lane(v, 1)));
}

// @ts-ignore: decorator
@inline function vlogT<T>(v: v128): v128 {
  if (sizeof<T>() == 4) return vlog(v);
  return f64x2.replace_lane(f64x2.splat(Math.log(f64x2.extract_lane(v, 0))), 1, Math.log(f64x2.extract_lane(v, 1)));
}

// @ts-ignore: decorator
@inline function sexp<T>(x: T): T {
  return sizeof<T>() == 4 ? <T>Mathf.exp(<f32>x) : <T>Math.exp(<f64>x);
}

// @ts-ignore: decorator
@inline function slog<T>(x: T): T {
  return sizeof<T>() == 4 ? <T>Mathf.log(<f32>x) : <T>Math.log(<f64>x);
}

// @ts-ignore: decorator
@inline function hsum<T>(v: v128): T {
  let r = v128.extract_lane<T>(v, 0) + v128.extract_lane<T>(v, 1);
  if (sizeof<T>() == 4) r += v128.extract_lane<T>(v, 2) + v128.extract_lane<T>(v, 3);
  return r;
}

/** The lanes' max. The max loops use pmax (one instruction; max is several on x64), which may
 *  drop a NaN: harmless, as the NaN then reaches the sum through exp and every output is NaN. */
// @ts-ignore: decorator
@inline function hmax<T>(v: v128): T {
  let r = max<T>(v128.extract_lane<T>(v, 0), v128.extract_lane<T>(v, 1));
  if (sizeof<T>() == 4) r = max<T>(r, max<T>(v128.extract_lane<T>(v, 2), v128.extract_lane<T>(v, 3)));
  return r;
}

/** One row of n contiguous elements (inner == 1). */
// @ts-ignore: decorator
@inline function rowForward<T>(px: usize, py: usize, n: usize, log: bool): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  let j: usize = 0;
  let mx: T = load<T>(px);
  if (n >= L) {
    let vm = v128.load(px);
    for (j = L; j + L <= n; j += L) vm = v128.pmax<T>(vm, v128.load(px + j * S));
    mx = hmax<T>(vm);
  } else {
    j = 1;
  }
  for (; j < n; j++) mx = max<T>(mx, load<T>(px + j * S));
  const vmx = v128.splat<T>(mx);
  let vs = v128.splat<T>(0);
  let s: T = 0;
  j = 0;
  for (; j + L <= n; j += L) {
    const e = vexpT<T>(v128.sub<T>(v128.load(px + j * S), vmx));
    vs = v128.add<T>(vs, e);
    if (!log) v128.store(py + j * S, e);
  }
  for (; j < n; j++) {
    const e = sexp<T>(load<T>(px + j * S) - mx);
    s += e;
    if (!log) store<T>(py + j * S, e);
  }
  s += hsum<T>(vs);
  j = 0;
  if (log) {
    const c = mx + slog<T>(s);
    const vc = v128.splat<T>(c);
    for (; j + L <= n; j += L) v128.store(py + j * S, v128.sub<T>(v128.load(px + j * S), vc));
    for (; j < n; j++) store<T>(py + j * S, load<T>(px + j * S) - c);
  } else {
    const inv = <T>1 / s;
    const vi = v128.splat<T>(inv);
    for (; j + L <= n; j += L) v128.store(py + j * S, v128.mul<T>(v128.load(py + j * S), vi));
    for (; j < n; j++) store<T>(py + j * S, load<T>(py + j * S) * inv);
  }
}

// @ts-ignore: decorator
@inline function softmaxForward<T>(x: usize, y: usize, outer: usize, axis: usize, inner: usize, log: bool, scratch: usize): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) rowForward<T>(x + o * axis * S, y + o * axis * S, axis, log);
    return;
  }
  // inner > 1: row by row over the axis, with the running max and sum of each column in
  // `scratch` (2 * inner elements), so every pass streams through contiguous memory
  const rowBytes = inner * S;
  const mx = scratch, sm = scratch + rowBytes;
  const iv: usize = inner & ~(L - 1);
  for (let o: usize = 0; o < outer; o++) {
    const px = x + o * axis * rowBytes, py = y + o * axis * rowBytes;
    memory.copy(mx, px, rowBytes);
    for (let k: usize = 1; k < axis; k++) {
      const pk = px + k * rowBytes;
      let j: usize = 0;
      for (; j < iv; j += L) v128.store(mx + j * S, v128.pmax<T>(v128.load(mx + j * S), v128.load(pk + j * S)));
      for (; j < inner; j++) store<T>(mx + j * S, max<T>(load<T>(mx + j * S), load<T>(pk + j * S)));
    }
    memory.fill(sm, 0, rowBytes);
    for (let k: usize = 0; k < axis; k++) {
      const pk = px + k * rowBytes, qk = py + k * rowBytes;
      let j: usize = 0;
      for (; j < iv; j += L) {
        const e = vexpT<T>(v128.sub<T>(v128.load(pk + j * S), v128.load(mx + j * S)));
        v128.store(sm + j * S, v128.add<T>(v128.load(sm + j * S), e));
        if (!log) v128.store(qk + j * S, e);
      }
      for (; j < inner; j++) {
        const e = sexp<T>(load<T>(pk + j * S) - load<T>(mx + j * S));
        store<T>(sm + j * S, load<T>(sm + j * S) + e);
        if (!log) store<T>(qk + j * S, e);
      }
    }
    // log: c = max + log(sum), y = x - c; softmax: y *= 1 / sum (kept in sm)
    let j: usize = 0;
    for (; j < iv; j += L) {
      const v = v128.load(sm + j * S);
      v128.store(sm + j * S, log ? v128.add<T>(vlogT<T>(v), v128.load(mx + j * S)) : v128.div<T>(v128.splat<T>(1), v));
    }
    for (; j < inner; j++) {
      const v = load<T>(sm + j * S);
      store<T>(sm + j * S, log ? slog<T>(v) + load<T>(mx + j * S) : <T>1 / v);
    }
    for (let k: usize = 0; k < axis; k++) {
      const pk = px + k * rowBytes, qk = py + k * rowBytes;
      j = 0;
      for (; j < iv; j += L) {
        const c = v128.load(sm + j * S);
        v128.store(qk + j * S, log ? v128.sub<T>(v128.load(pk + j * S), c) : v128.mul<T>(v128.load(qk + j * S), c));
      }
      for (; j < inner; j++) {
        const c = load<T>(sm + j * S);
        store<T>(qk + j * S, log ? load<T>(pk + j * S) - c : load<T>(qk + j * S) * c);
      }
    }
  }
}

/** softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g). */
// @ts-ignore: decorator
@inline function softmaxBackward<T>(g: usize, y: usize, gx: usize, outer: usize, axis: usize, inner: usize, log: bool, scratch: usize): void {
  const S = sizeof<T>();
  const L: usize = 16 / S;
  for (let o: usize = 0; o < outer; o++) {
    const base = o * axis * inner * S;
    if (inner == 1) {
      const pg = g + base, py = y + base, po = gx + base;
      let vs = v128.splat<T>(0);
      let s: T = 0;
      let j: usize = 0;
      for (; j + L <= axis; j += L) {
        const gv = v128.load(pg + j * S);
        vs = v128.add<T>(vs, log ? gv : v128.mul<T>(gv, v128.load(py + j * S)));
      }
      for (; j < axis; j++) s += log ? load<T>(pg + j * S) : load<T>(pg + j * S) * load<T>(py + j * S);
      s += hsum<T>(vs);
      const v = v128.splat<T>(s);
      j = 0;
      for (; j + L <= axis; j += L) {
        const gv = v128.load(pg + j * S), yv = v128.load(py + j * S);
        v128.store(po + j * S, log ? v128.sub<T>(gv, v128.mul<T>(vexpT<T>(yv), v)) : v128.mul<T>(yv, v128.sub<T>(gv, v)));
      }
      for (; j < axis; j++) {
        const gs = load<T>(pg + j * S), ys = load<T>(py + j * S);
        store<T>(po + j * S, log ? gs - sexp<T>(ys) * s : ys * (gs - s));
      }
      continue;
    }
    // inner > 1: each column's sum in `scratch` (inner elements), row by row
    const rowBytes = inner * S;
    const iv: usize = inner & ~(L - 1);
    memory.fill(scratch, 0, rowBytes);
    for (let k: usize = 0; k < axis; k++) {
      const pg = g + base + k * rowBytes, py = y + base + k * rowBytes;
      let j: usize = 0;
      for (; j < iv; j += L) {
        const gv = v128.load(pg + j * S);
        v128.store(scratch + j * S, v128.add<T>(v128.load(scratch + j * S), log ? gv : v128.mul<T>(gv, v128.load(py + j * S))));
      }
      for (; j < inner; j++) {
        const gs = load<T>(pg + j * S);
        store<T>(scratch + j * S, load<T>(scratch + j * S) + (log ? gs : gs * load<T>(py + j * S)));
      }
    }
    for (let k: usize = 0; k < axis; k++) {
      const pg = g + base + k * rowBytes, py = y + base + k * rowBytes, po = gx + base + k * rowBytes;
      let j: usize = 0;
      for (; j < iv; j += L) {
        const gv = v128.load(pg + j * S), yv = v128.load(py + j * S), vs = v128.load(scratch + j * S);
        v128.store(po + j * S, log ? v128.sub<T>(gv, v128.mul<T>(vexpT<T>(yv), vs)) : v128.mul<T>(yv, v128.sub<T>(gv, vs)));
      }
      for (; j < inner; j++) {
        const gs = load<T>(pg + j * S), ys = load<T>(py + j * S), ss = load<T>(scratch + j * S);
        store<T>(po + j * S, log ? gs - sexp<T>(ys) * ss : ys * (gs - ss));
      }
    }
  }
}

// log: a raw bool (0 softmax, 1 log_softmax); axis >= 1; scratch: 2 * inner elements forward,
// inner backward (unused when inner == 1)
export function softmax_f32(x: usize, y: usize, outer: usize, axis: usize, inner: usize, log: i32, scratch: usize): void {
  if (log != 0) softmaxForward<f32>(x, y, outer, axis, inner, true, scratch);
  else softmaxForward<f32>(x, y, outer, axis, inner, false, scratch);
}
export function softmax_f64(x: usize, y: usize, outer: usize, axis: usize, inner: usize, log: i32, scratch: usize): void {
  if (log != 0) softmaxForward<f64>(x, y, outer, axis, inner, true, scratch);
  else softmaxForward<f64>(x, y, outer, axis, inner, false, scratch);
}
export function softmax_backward_f32(g: usize, y: usize, gx: usize, outer: usize, axis: usize, inner: usize, log: i32, scratch: usize): void {
  if (log != 0) softmaxBackward<f32>(g, y, gx, outer, axis, inner, true, scratch);
  else softmaxBackward<f32>(g, y, gx, outer, axis, inner, false, scratch);
}
export function softmax_backward_f64(g: usize, y: usize, gx: usize, outer: usize, axis: usize, inner: usize, log: i32, scratch: usize): void {
  if (log != 0) softmaxBackward<f64>(g, y, gx, outer, axis, inner, true, scratch);
  else softmaxBackward<f64>(g, y, gx, outer, axis, inner, false, scratch);
}
