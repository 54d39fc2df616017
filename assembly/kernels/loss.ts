// Elementwise loss kernels (PyTorch's fused losses): binary cross entropy (on probabilities and
// on logits), smooth L1 and Huber, forward (the unreduced loss per element) and backward (the
// gradient with respect to the input, times a scale: 1/N for "mean"). All operands contiguous and
// of one length; the reduction and any weight are applied by the caller. SIMD main loop (f32x4 /
// f64x2; the log/exp ones vectorised for float32 only), scalar tail; PyTorch's formulas and order
// of operations, so NaN and the clamps come out as its CPU kernels.
import { Loss } from "../abi";
import { vexp, vlog, vlog1p } from "./vmath";

// PyTorch's EPSILON in binary_cross_entropy_backward
// @ts-ignore: decorator
@inline const BCE_EPS: f64 = 1e-12;

// @ts-ignore: decorator
@inline function hasVec<T>(op: i32): bool {
  return op == Loss.SMOOTH_L1 || op == Loss.HUBER || sizeof<T>() == 4;
}

// ---- forward ---------------------------------------------------------------------------------

/** The loss of one element: x the input, t the target, w the positive-class weight (BCE_LOGITS),
 *  a beta (SMOOTH_L1) or delta (HUBER). */
// @ts-ignore: decorator
@inline function sloss<T>(op: i32, x: T, t: T, w: T, a: T): T {
  const one = <T>1, half = <T>0.5;
  switch (op) {
    case Loss.BCE: {
      const lo = <T>-100;
      const l1 = <T>(sizeof<T>() == 4 ? <f64>Mathf.log1p(<f32>-x) : Math.log1p(<f64>-x));
      const l0 = <T>(sizeof<T>() == 4 ? <f64>Mathf.log(<f32>x) : Math.log(<f64>x));
      return (t - one) * max<T>(l1, lo) - t * max<T>(l0, lo);
    }
    case Loss.BCE_LOGITS: {
      const m = max<T>(-x, <T>0);
      const e = sizeof<T>() == 4 ? <T>(Mathf.exp(<f32>-m) + Mathf.exp(<f32>(-x - m))) : <T>(Math.exp(<f64>-m) + Math.exp(<f64>(-x - m)));
      const lse = <T>(sizeof<T>() == 4 ? <f64>Mathf.log(<f32>e) : Math.log(<f64>e)) + m;
      return (one - t) * x + ((w - one) * t + one) * lse;
    }
    case Loss.SMOOTH_L1: {
      const z = abs<T>(x - t);
      return z < a ? half * z * z / a : z - half * a;
    }
    case Loss.HUBER: {
      const z = abs<T>(x - t);
      return z < a ? half * z * z : a * (z - half * a);
    }
  }
  return x;
}

/** sloss for one vector (float32 lanes for the BCE ops; T's lanes for SMOOTH_L1 and HUBER). */
// @ts-ignore: decorator
@inline function vloss<T>(op: i32, x: v128, t: v128, w: v128, a: v128): v128 {
  const one = v128.splat<T>(<T>1), half = v128.splat<T>(<T>0.5), zero = v128.splat<T>(<T>0);
  switch (op) {
    case Loss.BCE: {
      const lo = f32x4.splat(-100);
      // max as PyTorch's std::max(log, -100): a NaN log stays NaN (pmax gives its first operand)
      const l1 = f32x4.pmax(vlog1p(f32x4.neg(x)), lo);
      const l0 = f32x4.pmax(vlog(x), lo);
      return f32x4.sub(f32x4.mul(f32x4.sub(t, one), l1), f32x4.mul(t, l0));
    }
    case Loss.BCE_LOGITS: {
      const m = f32x4.max(f32x4.neg(x), zero);
      const lse = f32x4.add(vlog(f32x4.add(vexp(f32x4.neg(m)), vexp(f32x4.sub(f32x4.neg(x), m)))), m);
      const lw = f32x4.add(f32x4.mul(f32x4.sub(w, one), t), one);
      return f32x4.add(f32x4.mul(f32x4.sub(one, t), x), f32x4.mul(lw, lse));
    }
    case Loss.SMOOTH_L1: {
      const z = v128.abs<T>(v128.sub<T>(x, t));
      const q = v128.div<T>(v128.mul<T>(v128.mul<T>(half, z), z), a);
      return v128.bitselect(q, v128.sub<T>(z, v128.mul<T>(half, a)), v128.lt<T>(z, a));
    }
    case Loss.HUBER: {
      const z = v128.abs<T>(v128.sub<T>(x, t));
      const q = v128.mul<T>(v128.mul<T>(half, z), z);
      return v128.bitselect(q, v128.mul<T>(a, v128.sub<T>(z, v128.mul<T>(half, a))), v128.lt<T>(z, a));
    }
  }
  return x;
}

// @ts-ignore: decorator
@inline function lossLoop<T>(op: i32, x: usize, t: usize, w: usize, out: usize, n: usize, a: T): i32 {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const pw = w != 0;
  let bad = v128.splat<i32>(0);
  let i: usize = 0;
  if (hasVec<T>(op)) {
    const va = v128.splat<T>(a), one = v128.splat<T>(<T>1), zero = v128.splat<T>(<T>0);
    const n1 = n & ~(L - 1);
    for (; i < n1; i += L) {
      const o = i * SZ;
      const xv = v128.load(x + o);
      if (op == Loss.BCE) bad = v128.or(bad, v128.not(v128.and(v128.ge<T>(xv, zero), v128.le<T>(xv, one))));
      v128.store(out + o, vloss<T>(op, xv, v128.load(t + o), pw ? v128.load(w + o) : one, va));
    }
  }
  let sbad = v128.any_true(bad);
  for (; i < n; i++) {
    const o = i * SZ;
    const xv = load<T>(x + o);
    if (op == Loss.BCE && !(xv >= <T>0 && xv <= <T>1)) sbad = true;
    store<T>(out + o, sloss<T>(op, xv, load<T>(t + o), pw ? load<T>(w + o) : <T>1, a));
  }
  return sbad ? 1 : 0;
}

// @ts-ignore: decorator
@inline function lossAll<T>(op: i32, x: usize, t: usize, w: usize, out: usize, n: usize, a: T): i32 {
  switch (op) {
    case Loss.BCE: return lossLoop<T>(Loss.BCE, x, t, w, out, n, a);
    case Loss.BCE_LOGITS: return lossLoop<T>(Loss.BCE_LOGITS, x, t, w, out, n, a);
    case Loss.SMOOTH_L1: return lossLoop<T>(Loss.SMOOTH_L1, x, t, w, out, n, a);
    case Loss.HUBER: return lossLoop<T>(Loss.HUBER, x, t, w, out, n, a);
  }
  return 0;
}

/** out[i] = loss(x[i], t[i]; w[i], a) for i < n (float32). w: the per-element positive-class
 *  weight of BCE_LOGITS, or 0 for none. Returns 1 when BCE met an input outside [0, 1] (or NaN). */
export function loss_f32(op: i32, x: usize, t: usize, w: usize, out: usize, n: usize, a: f64): i32 { return lossAll<f32>(op, x, t, w, out, n, <f32>a); }
/** As loss_f32, float64. */
export function loss_f64(op: i32, x: usize, t: usize, w: usize, out: usize, n: usize, a: f64): i32 { return lossAll<f64>(op, x, t, w, out, n, a); }

// ---- backward --------------------------------------------------------------------------------

/** scale * g * dloss/dx for one element (PyTorch's backward kernels' order of operations). */
// @ts-ignore: decorator
@inline function sgrad<T>(op: i32, g: T, x: T, t: T, w: T, a: T, s: T): T {
  const one = <T>1;
  switch (op) {
    case Loss.BCE: return s * (g * (x - t) / max<T>((one - x) * x, <T>BCE_EPS));
    case Loss.BCE_LOGITS: {
      const sig = sizeof<T>() == 4 ? <T>(<f32>1 / (<f32>1 + Mathf.exp(<f32>-x))) : <T>(1.0 / (1.0 + Math.exp(<f64>-x)));
      const pt = w * t;
      return s * (((pt + one - t) * sig - pt) * g);
    }
    case Loss.SMOOTH_L1: {
      const d = x - t;
      return d <= -a ? -s * g : d >= a ? s * g : s * d * g / a;
    }
    case Loss.HUBER: {
      const d = x - t;
      return d <= -a ? -s * g * a : d >= a ? s * g * a : s * d * g;
    }
  }
  return g;
}

// @ts-ignore: decorator
@inline function vgrad<T>(op: i32, g: v128, x: v128, t: v128, w: v128, a: v128, s: v128): v128 {
  const one = v128.splat<T>(<T>1);
  switch (op) {
    case Loss.BCE: {
      const den = v128.max<T>(v128.mul<T>(v128.sub<T>(one, x), x), v128.splat<T>(<T>BCE_EPS));
      return v128.mul<T>(s, v128.div<T>(v128.mul<T>(g, v128.sub<T>(x, t)), den));
    }
    case Loss.BCE_LOGITS: {
      const sig = f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
      const pt = f32x4.mul(w, t);
      return f32x4.mul(s, f32x4.mul(f32x4.sub(f32x4.mul(f32x4.sub(f32x4.add(pt, one), t), sig), pt), g));
    }
    case Loss.SMOOTH_L1: {
      const d = v128.sub<T>(x, t);
      const sg = v128.mul<T>(s, g);
      const mid = v128.div<T>(v128.mul<T>(v128.mul<T>(s, d), g), a);
      return v128.bitselect(v128.neg<T>(sg), v128.bitselect(sg, mid, v128.ge<T>(d, a)), v128.le<T>(d, v128.neg<T>(a)));
    }
    case Loss.HUBER: {
      const d = v128.sub<T>(x, t);
      const sga = v128.mul<T>(v128.mul<T>(s, g), a);
      const mid = v128.mul<T>(v128.mul<T>(s, d), g);
      return v128.bitselect(v128.neg<T>(sga), v128.bitselect(sga, mid, v128.ge<T>(d, a)), v128.le<T>(d, v128.neg<T>(a)));
    }
  }
  return g;
}

// @ts-ignore: decorator
@inline function gradLoop<T>(op: i32, g: usize, gInc: usize, x: usize, t: usize, w: usize, out: usize, n: usize, a: T, s: T): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const pw = w != 0;
  let i: usize = 0;
  if (hasVec<T>(op)) {
    const va = v128.splat<T>(a), vs = v128.splat<T>(s), one = v128.splat<T>(<T>1);
    const g0 = v128.splat<T>(load<T>(g));
    const n1 = n & ~(L - 1);
    for (; i < n1; i += L) {
      const o = i * SZ;
      const gv = gInc != 0 ? v128.load(g + o) : g0;
      v128.store(out + o, vgrad<T>(op, gv, v128.load(x + o), v128.load(t + o), pw ? v128.load(w + o) : one, va, vs));
    }
  }
  for (; i < n; i++) {
    const o = i * SZ;
    store<T>(out + o, sgrad<T>(op, load<T>(g + o * gInc), load<T>(x + o), load<T>(t + o), pw ? load<T>(w + o) : <T>1, a, s));
  }
}

// @ts-ignore: decorator
@inline function gradAll<T>(op: i32, g: usize, gInc: usize, x: usize, t: usize, w: usize, out: usize, n: usize, a: T, s: T): void {
  switch (op) {
    case Loss.BCE: gradLoop<T>(Loss.BCE, g, gInc, x, t, w, out, n, a, s); break;
    case Loss.BCE_LOGITS: gradLoop<T>(Loss.BCE_LOGITS, g, gInc, x, t, w, out, n, a, s); break;
    case Loss.SMOOTH_L1: gradLoop<T>(Loss.SMOOTH_L1, g, gInc, x, t, w, out, n, a, s); break;
    case Loss.HUBER: gradLoop<T>(Loss.HUBER, g, gInc, x, t, w, out, n, a, s); break;
  }
}

/** out[i] = s * g[i * gInc] * dloss/dx(x[i], t[i]; w[i], a) for i < n (float32): gInc 0 reads one
 *  gradient for all (a reduced loss), 1 one each. w as loss_f32. */
export function loss_backward_f32(op: i32, g: usize, gInc: usize, x: usize, t: usize, w: usize, out: usize, n: usize, a: f64, s: f64): void {
  gradAll<f32>(op, g, gInc, x, t, w, out, n, <f32>a, <f32>s);
}
/** As loss_backward_f32, float64. */
export function loss_backward_f64(op: i32, g: usize, gInc: usize, x: usize, t: usize, w: usize, out: usize, n: usize, a: f64, s: f64): void {
  gradAll<f64>(op, g, gInc, x, t, w, out, n, a, s);
}
