// Elementwise kernels: unary (contiguous), binary and where (strided, broadcast by stride 0).
// One generic loop body per family; every export instantiates it with constant ops, so the
// op switches inside the loops fold away. SIMD main loop (f32x4 / f64x2 / i32x4), scalar tail.
//
// int32 stands in for PyTorch's int64, so a result that leaves the int32 range must raise,
// not wrap: the int32 kernels that can overflow (NEG, ABS; ADD, SUB, MUL, POW) still write
// the wrapped values, OR a per-lane overflow mask into a flag vector as they go, and return
// non-zero when any lane overflowed (the TS side then raises). Float loops do no such work.
import { Un, Bin } from "../abi";
import { coalesce, advance, wShape, wStride, D0, D1, D2 } from "./strided";
import { cPow, intPowChecked } from "./scalar";
import { vexp, vlog, vsigmoid, vtanh, verf, erf32, erf64, vlog1p, vexpm1 } from "./vmath";

// ----------------------------------------------------------------------------------------
// Unary

// @ts-ignore: decorator
@inline function unHasVec<T>(op: i32): bool {
  if (isInteger<T>()) return op == Un.NEG || op == Un.ABS || op == Un.RELU || op == Un.SIGN;
  if (op == Un.NEG || op == Un.ABS || op == Un.SQRT || op == Un.RELU || op == Un.SIGN) return true;
  if (op == Un.RSQRT || op == Un.RECIPROCAL || op == Un.FLOOR || op == Un.CEIL || op == Un.ROUND || op == Un.TRUNC) return true;
  if (op == Un.LEAKY_RELU || op == Un.HARDTANH) return true;
  // float32 only: vectorised polynomial versions (assembly/kernels/vmath.ts)
  return sizeof<T>() == 4 && (op == Un.EXP || op == Un.LOG || op == Un.SIGMOID || op == Un.TANH ||
    op == Un.LOG1P || op == Un.EXPM1 || op == Un.ERF || op == Un.SILU || op == Un.GELU || op == Un.GELU_TANH ||
    op == Un.LOG_SIGMOID || op == Un.ELU || op == Un.SOFTPLUS);
}

// PyTorch's constants for gelu: 1/sqrt(2), sqrt(2/pi), 0.044715
// @ts-ignore: decorator
@inline const SQRT1_2: f64 = 0.7071067811865476;
// @ts-ignore: decorator
@inline const SQRT_2_OVER_PI: f64 = 0.7978845608028654;
// @ts-ignore: decorator
@inline const GELU_KAPPA: f64 = 0.044715;

/** op on one vector; pa, pb: the op's parameters splatted (LEAKY_RELU ... HARDTANH). */
// @ts-ignore: decorator
@inline function vun<T>(op: i32, x: v128, pa: v128, pb: v128): v128 {
  switch (op) {
    case Un.NEG: return v128.neg<T>(x);
    case Un.ABS: return v128.abs<T>(x);
    case Un.SQRT: {
      if (isFloat<T>()) return v128.sqrt<T>(x);
      return x;
    }
    case Un.RELU: {
      // pmax(x, 0) = x < 0 ? 0 : x: a single instruction, keeps NaN (and -0, equal to 0)
      if (isFloat<T>()) return v128.pmax<T>(x, v128.splat<T>(<T>0));
      return v128.max<T>(x, v128.splat<T>(<T>0));
    }
    case Un.SIGN: {
      const z = v128.splat<T>(<T>0);
      if (isInteger<T>()) return v128.sub<T>(v128.lt<T>(x, z), v128.gt<T>(x, z));
      const one = v128.splat<T>(<T>1);
      const s = v128.sub<T>(v128.and(v128.gt<T>(x, z), one), v128.and(v128.lt<T>(x, z), one));
      return s; // sign(NaN) = 0, as PyTorch
    }
    case Un.EXP: return vexp(x);
    case Un.LOG: return vlog(x);
    case Un.SIGMOID: return vsigmoid(x);
    case Un.TANH: return vtanh(x);
  }
  if (isFloat<T>()) {
    const one = v128.splat<T>(<T>1);
    const zero = v128.splat<T>(<T>0);
    switch (op) {
      case Un.RSQRT: return v128.div<T>(one, v128.sqrt<T>(x));
      case Un.RECIPROCAL: return v128.div<T>(one, x);
      case Un.FLOOR: return v128.floor<T>(x);
      case Un.CEIL: return v128.ceil<T>(x);
      case Un.ROUND: return v128.nearest<T>(x); // half to even, as std::nearbyint
      case Un.TRUNC: return v128.trunc<T>(x);
      // x > 0 ? x : x * slope (NaN: NaN * slope)
      case Un.LEAKY_RELU: return v128.bitselect(x, v128.mul<T>(x, pa), v128.gt<T>(x, zero));
      // clamp with NaN propagating (min/max, not pmin/pmax)
      case Un.HARDTANH: return v128.min<T>(v128.max<T>(x, pa), pb);
    }
    // float32 only from here
    switch (op) {
      case Un.LOG1P: return vlog1p(x);
      case Un.EXPM1: return vexpm1(x);
      case Un.ERF: return verf(x);
      case Un.SILU: return f32x4.div(x, f32x4.add(one, vexp(f32x4.neg(x))));
      case Un.GELU: return f32x4.mul(f32x4.mul(x, f32x4.splat(0.5)), f32x4.add(one, verf(f32x4.mul(x, f32x4.splat(<f32>SQRT1_2)))));
      case Un.GELU_TANH: {
        const cube = f32x4.mul(f32x4.mul(x, x), x);
        const inner = f32x4.mul(f32x4.splat(<f32>SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(<f32>GELU_KAPPA), cube)));
        return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), f32x4.add(one, vtanh(inner)));
      }
      // min(x, 0) - log1p(exp(-|x|)), as PyTorch
      case Un.LOG_SIGMOID: return f32x4.sub(f32x4.min(x, zero), vlog1p(vexp(f32x4.neg(f32x4.abs(x)))));
      // x <= 0 ? expm1(x) * alpha : x
      case Un.ELU: return v128.bitselect(f32x4.mul(vexpm1(x), pa), x, f32x4.le(x, zero));
      // x * beta > threshold ? x : log1p(exp(x * beta)) / beta
      case Un.SOFTPLUS: {
        const xb = f32x4.mul(x, pa);
        return v128.bitselect(x, f32x4.div(vlog1p(vexp(xb)), pa), f32x4.gt(xb, pb));
      }
    }
  }
  return x;
}

// @ts-ignore: decorator
@inline function sun<T>(op: i32, x: T, a: T, b: T): T {
  if (isInteger<T>()) {
    switch (op) {
      case Un.NEG: return <T>(0 - <i32>x);
      case Un.ABS: return <T>abs<i32>(<i32>x);
      case Un.RELU: return <T>max<i32>(<i32>x, 0);
      case Un.SIGN: return <T>(<i32>(<i32>x > 0) - <i32>(<i32>x < 0));
    }
    return x;
  }
  if (sizeof<T>() == 4) {
    const f = <f32>x;
    const pa = <f32>a, pb = <f32>b;
    switch (op) {
      case Un.NEG: return <T>(-f);
      case Un.ABS: return <T>abs<f32>(f);
      case Un.EXP: return <T>Mathf.exp(f);
      case Un.LOG: return <T>Mathf.log(f);
      case Un.SQRT: return <T>sqrt<f32>(f);
      case Un.SIN: return <T>Mathf.sin(f);
      case Un.COS: return <T>Mathf.cos(f);
      case Un.TANH: return <T>Mathf.tanh(f);
      case Un.SIGMOID: return <T>(<f32>1 / (<f32>1 + Mathf.exp(-f)));
      case Un.RELU: return <T>(f < 0 ? <f32>0 : f); // keeps NaN and -0, like pmax
      case Un.SIGN: return <T>(f > 0 ? <f32>1 : f < 0 ? <f32>-1 : <f32>0); // sign(NaN) = 0, as PyTorch
      case Un.LOG1P: return <T>Mathf.log1p(f);
      case Un.EXPM1: return <T>Mathf.expm1(f);
      case Un.RSQRT: return <T>(<f32>1 / sqrt<f32>(f));
      case Un.RECIPROCAL: return <T>(<f32>1 / f);
      case Un.ERF: return <T>erf32(f);
      case Un.FLOOR: return <T>floor<f32>(f);
      case Un.CEIL: return <T>ceil<f32>(f);
      case Un.ROUND: return <T>nearest<f32>(f);
      case Un.TRUNC: return <T>trunc<f32>(f);
      case Un.SILU: return <T>(f / (<f32>1 + Mathf.exp(-f)));
      case Un.GELU: return <T>(f * <f32>0.5 * (<f32>1 + erf32(f * <f32>SQRT1_2)));
      case Un.GELU_TANH: return <T>(<f32>0.5 * f * (<f32>1 + Mathf.tanh(<f32>SQRT_2_OVER_PI * (f + <f32>GELU_KAPPA * (f * f * f)))));
      case Un.LOG_SIGMOID: return <T>(min<f32>(f, 0) - Mathf.log1p(Mathf.exp(-abs<f32>(f))));
      case Un.LEAKY_RELU: return <T>(f > 0 ? f : f * pa);
      case Un.ELU: return <T>(f <= 0 ? Mathf.expm1(f) * pa : f);
      case Un.SOFTPLUS: return <T>(f * pa > pb ? f : Mathf.log1p(Mathf.exp(f * pa)) / pa);
      case Un.HARDTANH: return <T>min<f32>(max<f32>(f, pa), pb);
    }
    return x;
  }
  const d = <f64>x;
  const pa = <f64>a, pb = <f64>b;
  switch (op) {
    case Un.NEG: return <T>(-d);
    case Un.ABS: return <T>abs<f64>(d);
    case Un.EXP: return <T>Math.exp(d);
    case Un.LOG: return <T>Math.log(d);
    case Un.SQRT: return <T>sqrt<f64>(d);
    case Un.SIN: return <T>Math.sin(d);
    case Un.COS: return <T>Math.cos(d);
    case Un.TANH: return <T>Math.tanh(d);
    case Un.SIGMOID: return <T>(1.0 / (1.0 + Math.exp(-d)));
    case Un.RELU: return <T>(d < 0 ? 0.0 : d);
    case Un.SIGN: return <T>(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
    case Un.LOG1P: return <T>Math.log1p(d);
    case Un.EXPM1: return <T>Math.expm1(d);
    case Un.RSQRT: return <T>(1.0 / sqrt<f64>(d));
    case Un.RECIPROCAL: return <T>(1.0 / d);
    case Un.ERF: return <T>erf64(d);
    case Un.FLOOR: return <T>floor<f64>(d);
    case Un.CEIL: return <T>ceil<f64>(d);
    case Un.ROUND: return <T>nearest<f64>(d);
    case Un.TRUNC: return <T>trunc<f64>(d);
    case Un.SILU: return <T>(d / (1.0 + Math.exp(-d)));
    case Un.GELU: return <T>(d * 0.5 * (1.0 + erf64(d * SQRT1_2)));
    case Un.GELU_TANH: return <T>(0.5 * d * (1.0 + Math.tanh(SQRT_2_OVER_PI * (d + GELU_KAPPA * (d * d * d)))));
    case Un.LOG_SIGMOID: return <T>(min<f64>(d, 0) - Math.log1p(Math.exp(-abs<f64>(d))));
    case Un.LEAKY_RELU: return <T>(d > 0 ? d : d * pa);
    case Un.ELU: return <T>(d <= 0 ? Math.expm1(d) * pa : d);
    case Un.SOFTPLUS: return <T>(d * pa > pb ? d : Math.log1p(Math.exp(d * pa)) / pa);
    case Un.HARDTANH: return <T>min<f64>(max<f64>(d, pa), pb);
  }
  return x;
}

/** Whether op on T can leave T's range: int32 NEG and ABS of -2^31. */
// @ts-ignore: decorator
@inline function unChecked<T>(op: i32): bool { return isInteger<T>() && (op == Un.NEG || op == Un.ABS); }

/** Sign bit set in the lanes where r = op(x) overflowed: -x and x both negative (NEG), or
 *  |x| negative (ABS), happen for -2^31 only. */
// @ts-ignore: decorator
@inline function unOvf(op: i32, x: v128, r: v128): v128 { return op == Un.NEG ? v128.and(x, r) : r; }

/** Returns non-zero when an int32 result overflowed (always 0 for floats). a, b: the op's
 *  parameters (ignored by ops without any). */
// @ts-ignore: decorator
@inline function unaryLoop<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): i32 {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const chk = unChecked<T>(op);
  let bad = i32x4.splat(0);
  let i: usize = 0;
  if (unHasVec<T>(op)) {
    const pa = v128.splat<T>(a), pb = v128.splat<T>(b);
    const n4 = n & ~(4 * L - 1);
    for (; i < n4; i += 4 * L) {
      const o = i * SZ;
      // (each load right before its use: the float loops compile as without the check)
      const x0 = v128.load(x + o);
      const v0 = vun<T>(op, x0, pa, pb);
      const x1 = v128.load(x + o, 16);
      const v1 = vun<T>(op, x1, pa, pb);
      const x2 = v128.load(x + o, 32);
      const v2 = vun<T>(op, x2, pa, pb);
      const x3 = v128.load(x + o, 48);
      const v3 = vun<T>(op, x3, pa, pb);
      v128.store(out + o, v0);
      v128.store(out + o, v1, 16);
      v128.store(out + o, v2, 32);
      v128.store(out + o, v3, 48);
      if (chk) bad = v128.or(bad, v128.or(v128.or(unOvf(op, x0, v0), unOvf(op, x1, v1)), v128.or(unOvf(op, x2, v2), unOvf(op, x3, v3))));
    }
    const n1 = n & ~(L - 1);
    for (; i < n1; i += L) {
      const o = i * SZ;
      const x0 = v128.load(x + o);
      const v0 = vun<T>(op, x0, pa, pb);
      v128.store(out + o, v0);
      if (chk) bad = v128.or(bad, unOvf(op, x0, v0));
    }
  }
  let sbad: i32 = 0;
  for (; i < n; i++) {
    const o = i * SZ;
    const v = load<T>(x + o);
    const r = sun<T>(op, v, a, b);
    store<T>(out + o, r);
    if (chk) sbad |= op == Un.NEG ? <i32>v & <i32>r : <i32>r;
  }
  return chk ? <i32>(i32x4.bitmask(bad) != 0 || sbad < 0) : 0;
}

// One function per group of ops: each inlines its loops, and a single function holding all
// of them would have more locals than engines (and Binaryen) accept.
function unaryGroup0<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.NEG: unaryLoop<T>(Un.NEG, x, out, n, a, b); break;
    case Un.ABS: unaryLoop<T>(Un.ABS, x, out, n, a, b); break;
    case Un.EXP: unaryLoop<T>(Un.EXP, x, out, n, a, b); break;
    case Un.LOG: unaryLoop<T>(Un.LOG, x, out, n, a, b); break;
    case Un.SQRT: unaryLoop<T>(Un.SQRT, x, out, n, a, b); break;
    case Un.SIN: unaryLoop<T>(Un.SIN, x, out, n, a, b); break;
  }
}

function unaryGroup1<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.COS: unaryLoop<T>(Un.COS, x, out, n, a, b); break;
    case Un.TANH: unaryLoop<T>(Un.TANH, x, out, n, a, b); break;
    case Un.SIGMOID: unaryLoop<T>(Un.SIGMOID, x, out, n, a, b); break;
    case Un.RELU: unaryLoop<T>(Un.RELU, x, out, n, a, b); break;
    case Un.SIGN: unaryLoop<T>(Un.SIGN, x, out, n, a, b); break;
  }
}

function unaryGroup2<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.LOG1P: unaryLoop<T>(Un.LOG1P, x, out, n, a, b); break;
    case Un.EXPM1: unaryLoop<T>(Un.EXPM1, x, out, n, a, b); break;
    case Un.RSQRT: unaryLoop<T>(Un.RSQRT, x, out, n, a, b); break;
    case Un.RECIPROCAL: unaryLoop<T>(Un.RECIPROCAL, x, out, n, a, b); break;
    case Un.ERF: unaryLoop<T>(Un.ERF, x, out, n, a, b); break;
  }
}

function unaryGroup3<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.FLOOR: unaryLoop<T>(Un.FLOOR, x, out, n, a, b); break;
    case Un.CEIL: unaryLoop<T>(Un.CEIL, x, out, n, a, b); break;
    case Un.ROUND: unaryLoop<T>(Un.ROUND, x, out, n, a, b); break;
    case Un.TRUNC: unaryLoop<T>(Un.TRUNC, x, out, n, a, b); break;
  }
}

function unaryGroup4<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.SILU: unaryLoop<T>(Un.SILU, x, out, n, a, b); break;
    case Un.GELU: unaryLoop<T>(Un.GELU, x, out, n, a, b); break;
    case Un.GELU_TANH: unaryLoop<T>(Un.GELU_TANH, x, out, n, a, b); break;
    case Un.LOG_SIGMOID: unaryLoop<T>(Un.LOG_SIGMOID, x, out, n, a, b); break;
  }
}

function unaryGroup5<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.LEAKY_RELU: unaryLoop<T>(Un.LEAKY_RELU, x, out, n, a, b); break;
    case Un.ELU: unaryLoop<T>(Un.ELU, x, out, n, a, b); break;
    case Un.SOFTPLUS: unaryLoop<T>(Un.SOFTPLUS, x, out, n, a, b); break;
    case Un.HARDTANH: unaryLoop<T>(Un.HARDTANH, x, out, n, a, b); break;
  }
}

// @ts-ignore: decorator
@inline function unaryAll<T>(op: i32, x: usize, out: usize, n: usize, a: T, b: T): void {
  if (op == Un.NEG || op == Un.ABS || op == Un.EXP || op == Un.LOG || op == Un.SQRT || op == Un.SIN) unaryGroup0<T>(op, x, out, n, a, b);
  else if (op == Un.COS || op == Un.TANH || op == Un.SIGMOID || op == Un.RELU || op == Un.SIGN) unaryGroup1<T>(op, x, out, n, a, b);
  else if (op == Un.LOG1P || op == Un.EXPM1 || op == Un.RSQRT || op == Un.RECIPROCAL || op == Un.ERF) unaryGroup2<T>(op, x, out, n, a, b);
  else if (op == Un.FLOOR || op == Un.CEIL || op == Un.ROUND || op == Un.TRUNC) unaryGroup3<T>(op, x, out, n, a, b);
  else if (op == Un.SILU || op == Un.GELU || op == Un.GELU_TANH || op == Un.LOG_SIGMOID) unaryGroup4<T>(op, x, out, n, a, b);
  else if (op == Un.LEAKY_RELU || op == Un.ELU || op == Un.SOFTPLUS || op == Un.HARDTANH) unaryGroup5<T>(op, x, out, n, a, b);
}

/** out[i] = op(x[i]) for i < n (float32). */
export function unary_f32(op: i32, x: usize, out: usize, n: usize): void { unaryAll<f32>(op, x, out, n, 0, 0); }
/** out[i] = op(x[i]) for i < n (float64). */
export function unary_f64(op: i32, x: usize, out: usize, n: usize): void { unaryAll<f64>(op, x, out, n, 0, 0); }
/** out[i] = op(x[i]) for i < n (int32: NEG, ABS, RELU, SIGN). Returns 1 when a result did
 *  not fit in int32 (NEG or ABS of -2^31; out then holds it wrapped), else 0. */
export function unary_i32(op: i32, x: usize, out: usize, n: usize): i32 {
  switch (op) {
    case Un.NEG: return unaryLoop<i32>(Un.NEG, x, out, n, 0, 0);
    case Un.ABS: return unaryLoop<i32>(Un.ABS, x, out, n, 0, 0);
    case Un.RELU: unaryLoop<i32>(Un.RELU, x, out, n, 0, 0); break;
    case Un.SIGN: unaryLoop<i32>(Un.SIGN, x, out, n, 0, 0); break;
  }
  return 0;
}
/** out[i] = op(x[i]; a, b) for i < n (float32): any float op, with the parameters of
 *  LEAKY_RELU (slope), ELU (alpha), SOFTPLUS (beta, threshold), HARDTANH (min, max). */
export function unary_params_f32(op: i32, x: usize, out: usize, n: usize, a: f64, b: f64): void { unaryAll<f32>(op, x, out, n, <f32>a, <f32>b); }
/** As unary_params_f32, float64. */
export function unary_params_f64(op: i32, x: usize, out: usize, n: usize, a: f64, b: f64): void { unaryAll<f64>(op, x, out, n, a, b); }

// ----------------------------------------------------------------------------------------
// Unary backward: out = g * op'(x), both contiguous

// @ts-ignore: decorator
@inline function ubHasVec<T>(op: i32): bool {
  if (op == Un.LEAKY_RELU || op == Un.HARDTANH) return true;
  return sizeof<T>() == 4;
}

/** g * op'(x) for four float32 lanes (or the float64 pairs of LEAKY_RELU and HARDTANH). */
// @ts-ignore: decorator
@inline function vunBack<T>(op: i32, g: v128, x: v128, pa: v128, pb: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  switch (op) {
    case Un.LEAKY_RELU: return v128.bitselect(g, v128.mul<T>(g, pa), v128.gt<T>(x, zero));
    // 0 where x <= min or x >= max (NaN passes the gradient)
    case Un.HARDTANH: return v128.andnot(g, v128.or(v128.le<T>(x, pa), v128.ge<T>(x, pb)));
  }
  const one = f32x4.splat(1.0);
  switch (op) {
    // 2/sqrt(pi) exp(-x^2) g
    case Un.ERF: return f32x4.mul(f32x4.mul(f32x4.splat(<f32>1.1283791670955126), vexp(f32x4.neg(f32x4.mul(x, x)))), g);
    case Un.SILU: {
      const s = f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
      return f32x4.mul(f32x4.mul(g, s), f32x4.add(one, f32x4.mul(x, f32x4.sub(one, s))));
    }
    case Un.GELU: {
      const cdf = f32x4.mul(f32x4.splat(0.5), f32x4.add(one, verf(f32x4.mul(x, f32x4.splat(<f32>SQRT1_2)))));
      const pdf = f32x4.mul(f32x4.splat(<f32>0.3989422804014327), vexp(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5))));
      return f32x4.mul(g, f32x4.add(cdf, f32x4.mul(x, pdf)));
    }
    case Un.GELU_TANH: {
      const x2 = f32x4.mul(x, x);
      const inner = f32x4.mul(f32x4.splat(<f32>SQRT_2_OVER_PI), f32x4.add(x, f32x4.mul(f32x4.splat(<f32>GELU_KAPPA), f32x4.mul(x2, x))));
      const t = vtanh(inner);
      const left = f32x4.mul(f32x4.splat(0.5), x);
      const right = f32x4.add(one, t);
      const dl = f32x4.mul(f32x4.splat(0.5), right);
      const dr = f32x4.mul(f32x4.mul(f32x4.mul(left, f32x4.sub(one, f32x4.mul(t, t))), f32x4.splat(<f32>SQRT_2_OVER_PI)),
        f32x4.add(one, f32x4.mul(f32x4.splat(<f32>(3 * GELU_KAPPA)), x2)));
      return f32x4.mul(g, f32x4.add(dl, dr));
    }
    // z = exp(-|x|): x < 0 ? 1 - z / (1 + z) : z / (1 + z)
    case Un.LOG_SIGMOID: {
      const z = vexp(f32x4.neg(f32x4.abs(x)));
      const q = f32x4.div(z, f32x4.add(one, z));
      return f32x4.mul(g, v128.bitselect(f32x4.sub(one, q), q, f32x4.lt(x, f32x4.splat(0))));
    }
    case Un.ELU: return v128.bitselect(f32x4.mul(f32x4.mul(g, pa), vexp(x)), g, f32x4.le(x, f32x4.splat(0)));
    case Un.SOFTPLUS: {
      const z = vexp(f32x4.mul(x, pa));
      return v128.bitselect(g, f32x4.div(f32x4.mul(g, z), f32x4.add(z, one)), f32x4.gt(f32x4.mul(x, pa), pb));
    }
  }
  return g;
}

// @ts-ignore: decorator
@inline function sunBack32(op: i32, g: f32, x: f32, a: f32, b: f32): f32 {
  switch (op) {
    case Un.LEAKY_RELU: return x > 0 ? g : g * a;
    case Un.HARDTANH: return x <= a || x >= b ? <f32>0 : g;
    case Un.ERF: return <f32>1.1283791670955126 * Mathf.exp(-(x * x)) * g;
    case Un.SILU: { const s = <f32>1 / (<f32>1 + Mathf.exp(-x)); return g * s * (<f32>1 + x * (<f32>1 - s)); }
    case Un.GELU: {
      const cdf = <f32>0.5 * (<f32>1 + erf32(x * <f32>SQRT1_2));
      const pdf = <f32>0.3989422804014327 * Mathf.exp(x * x * <f32>-0.5);
      return g * (cdf + x * pdf);
    }
    case Un.GELU_TANH: {
      const x2 = x * x;
      const t = Mathf.tanh(<f32>SQRT_2_OVER_PI * (x + <f32>GELU_KAPPA * (x2 * x)));
      const left = <f32>0.5 * x;
      const right = <f32>1 + t;
      return g * (<f32>0.5 * right + left * (<f32>1 - t * t) * <f32>SQRT_2_OVER_PI * (<f32>1 + <f32>(3 * GELU_KAPPA) * x2));
    }
    case Un.LOG_SIGMOID: { const z = Mathf.exp(-abs<f32>(x)); const q = z / (<f32>1 + z); return g * (x < 0 ? <f32>1 - q : q); }
    case Un.ELU: return x <= 0 ? g * a * Mathf.exp(x) : g;
    case Un.SOFTPLUS: { const z = Mathf.exp(x * a); return x * a > b ? g : g * z / (z + <f32>1); }
  }
  return g;
}

// @ts-ignore: decorator
@inline function sunBack64(op: i32, g: f64, x: f64, a: f64, b: f64): f64 {
  switch (op) {
    case Un.LEAKY_RELU: return x > 0 ? g : g * a;
    case Un.HARDTANH: return x <= a || x >= b ? 0.0 : g;
    case Un.ERF: return 1.1283791670955126 * Math.exp(-(x * x)) * g;
    case Un.SILU: { const s = 1.0 / (1.0 + Math.exp(-x)); return g * s * (1.0 + x * (1.0 - s)); }
    case Un.GELU: {
      const cdf = 0.5 * (1.0 + erf64(x * SQRT1_2));
      const pdf = 0.3989422804014327 * Math.exp(x * x * -0.5);
      return g * (cdf + x * pdf);
    }
    case Un.GELU_TANH: {
      const x2 = x * x;
      const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_KAPPA * (x2 * x)));
      return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3 * GELU_KAPPA * x2));
    }
    case Un.LOG_SIGMOID: { const z = Math.exp(-abs<f64>(x)); const q = z / (1.0 + z); return g * (x < 0 ? 1.0 - q : q); }
    case Un.ELU: return x <= 0 ? g * a * Math.exp(x) : g;
    case Un.SOFTPLUS: { const z = Math.exp(x * a); return x * a > b ? g : g * z / (z + 1.0); }
  }
  return g;
}

// @ts-ignore: decorator
@inline function unaryBackLoop<T>(op: i32, g: usize, x: usize, out: usize, n: usize, a: T, b: T): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  let i: usize = 0;
  if (ubHasVec<T>(op)) {
    const pa = v128.splat<T>(a), pb = v128.splat<T>(b);
    const n1 = n & ~(L - 1);
    for (; i < n1; i += L) {
      const o = i * SZ;
      v128.store(out + o, vunBack<T>(op, v128.load(g + o), v128.load(x + o), pa, pb));
    }
  }
  for (; i < n; i++) {
    const o = i * SZ;
    if (sizeof<T>() == 4) store<f32>(out + o, sunBack32(op, load<f32>(g + o), load<f32>(x + o), <f32>a, <f32>b));
    else store<f64>(out + o, sunBack64(op, load<f64>(g + o), load<f64>(x + o), <f64>a, <f64>b));
  }
}

// @ts-ignore: decorator
@inline function unaryBackAll<T>(op: i32, g: usize, x: usize, out: usize, n: usize, a: T, b: T): void {
  switch (op) {
    case Un.ERF: unaryBackLoop<T>(Un.ERF, g, x, out, n, a, b); break;
    case Un.SILU: unaryBackLoop<T>(Un.SILU, g, x, out, n, a, b); break;
    case Un.GELU: unaryBackLoop<T>(Un.GELU, g, x, out, n, a, b); break;
    case Un.GELU_TANH: unaryBackLoop<T>(Un.GELU_TANH, g, x, out, n, a, b); break;
    case Un.LOG_SIGMOID: unaryBackLoop<T>(Un.LOG_SIGMOID, g, x, out, n, a, b); break;
    case Un.LEAKY_RELU: unaryBackLoop<T>(Un.LEAKY_RELU, g, x, out, n, a, b); break;
    case Un.ELU: unaryBackLoop<T>(Un.ELU, g, x, out, n, a, b); break;
    case Un.SOFTPLUS: unaryBackLoop<T>(Un.SOFTPLUS, g, x, out, n, a, b); break;
    case Un.HARDTANH: unaryBackLoop<T>(Un.HARDTANH, g, x, out, n, a, b); break;
  }
}

/** out[i] = g[i] * op'(x[i]; a, b) for i < n (float32): the gradient of ERF, SILU, GELU,
 *  GELU_TANH, LOG_SIGMOID, LEAKY_RELU, ELU, SOFTPLUS, HARDTANH at the input x. */
export function unary_backward_f32(op: i32, g: usize, x: usize, out: usize, n: usize, a: f64, b: f64): void { unaryBackAll<f32>(op, g, x, out, n, <f32>a, <f32>b); }
/** As unary_backward_f32, float64. */
export function unary_backward_f64(op: i32, g: usize, x: usize, out: usize, n: usize, a: f64, b: f64): void { unaryBackAll<f64>(op, g, x, out, n, a, b); }

// ----------------------------------------------------------------------------------------
// Binary

// @ts-ignore: decorator
@inline function isCmp(op: i32): bool { return op >= Bin.EQ && op <= Bin.GE; }

// @ts-ignore: decorator
@inline function binHasVec<T>(op: i32): bool {
  if (op == Bin.POW || op == Bin.ATAN2) return false;
  if (op == Bin.DIV) return isFloat<T>();
  return true;
}

// @ts-ignore: decorator
@inline function vbin<T>(op: i32, x: v128, y: v128): v128 {
  switch (op) {
    case Bin.ADD: return v128.add<T>(x, y);
    case Bin.SUB: return v128.sub<T>(x, y);
    case Bin.MUL: return v128.mul<T>(x, y);
    case Bin.DIV: {
      if (isFloat<T>()) return v128.div<T>(x, y);
      return x;
    }
    // std::max(x, y) / std::min(x, y) with NaN from either side (torch.maximum's scalar loop):
    // ties (+0, -0) keep x. pmax(x, y) is x < y ? y : x, which keeps x's NaN; the mask adds y's.
    // (PyTorch's AVX loop keeps y on ties from 16 elements on; here the rule is one at every size.)
    case Bin.MAXIMUM: {
      if (isFloat<T>()) return v128.or(v128.pmax<T>(x, y), v128.ne<T>(y, y));
      return v128.max<T>(x, y);
    }
    case Bin.MINIMUM: {
      if (isFloat<T>()) return v128.or(v128.pmin<T>(x, y), v128.ne<T>(y, y));
      return v128.min<T>(x, y);
    }
    case Bin.EQ: return v128.eq<T>(x, y);
    case Bin.NE: return v128.ne<T>(x, y);
    case Bin.LT: return v128.lt<T>(x, y);
    case Bin.LE: return v128.le<T>(x, y);
    case Bin.GT: return v128.gt<T>(x, y);
    case Bin.GE: return v128.ge<T>(x, y);
  }
  return x;
}

// @ts-ignore: decorator
@inline function sbin<T>(op: i32, x: T, y: T): T {
  switch (op) {
    case Bin.ADD: return x + y;
    case Bin.SUB: return x - y;
    case Bin.MUL: return x * y;
    case Bin.DIV: {
      if (isInteger<T>()) {
        if (<i32>y == 0) return <T>0;
        if (<i32>x == i32.MIN_VALUE && <i32>y == -1) return x;
        return <T>(<i32>x / <i32>y);
      }
      return x / y;
    }
    case Bin.POW: {
      if (isInteger<T>()) return <T><i32>intPowChecked(<i32>x, <i32>y);
      return <T>cPow(<f64>x, <f64>y);
    }
    case Bin.ATAN2: {
      if (isFloat<T>()) return <T>Math.atan2(<f64>x, <f64>y); // float only (the ops layer promotes ints)
      return x;
    }
    case Bin.MAXIMUM: {
      if (isFloat<T>()) return y != y ? y : x < y ? y : x; // as the vector form
      return max<T>(x, y);
    }
    case Bin.MINIMUM: {
      if (isFloat<T>()) return y != y ? y : y < x ? y : x;
      return min<T>(x, y);
    }
  }
  return x;
}

// @ts-ignore: decorator
@inline function scmp<T>(op: i32, x: T, y: T): u8 {
  switch (op) {
    case Bin.EQ: return <u8>(x == y);
    case Bin.NE: return <u8>(x != y);
    case Bin.LT: return <u8>(x < y);
    case Bin.LE: return <u8>(x <= y);
    case Bin.GT: return <u8>(x > y);
    case Bin.GE: return <u8>(x >= y);
  }
  return 0;
}

/** Four i32 lane masks (all ones / zero) -> four bytes 1 / 0, as one u32. */
// @ts-ignore: decorator
@inline function maskBytes4(m: v128): u32 {
  const b = v128.and(m, i32x4.splat(1));
  const h = i16x8.narrow_i32x4_u(b, b);
  return i32x4.extract_lane(i8x16.narrow_i16x8_u(h, h), 0);
}

/** Whether op on T can leave T's range (int32 ADD, SUB, MUL, POW): checked as it runs. */
// @ts-ignore: decorator
@inline function binChecked<T>(op: i32): bool {
  return isInteger<T>() && (op == Bin.ADD || op == Bin.SUB || op == Bin.MUL || op == Bin.POW);
}

/** Sign bit set in the int32 lanes where r = op(x, y) (ADD, SUB, MUL; r wrapped) overflowed:
 *  a sum whose sign differs from both operands', a difference whose sign differs from x's
 *  when the operands' signs differ, a product whose high 32 bits are not r's sign. */
// @ts-ignore: decorator
@inline function binOvf(op: i32, x: v128, y: v128, r: v128): v128 {
  if (op == Bin.ADD) return v128.and(v128.xor(x, r), v128.xor(y, r));
  if (op == Bin.SUB) return v128.and(v128.xor(x, y), v128.xor(x, r));
  const hi = v128.shuffle<i32>(i64x2.extmul_low_i32x4_s(x, y), i64x2.extmul_high_i32x4_s(x, y), 1, 3, 5, 7);
  return i32x4.ne(hi, i32x4.shr_s(r, 31));
}

/** A checked int32 op (ADD, SUB, MUL, POW) on one element: the exact result as i64, or for
 *  a POW that overflowed, the wrapped result plus 2^32. Either way the low 32 bits are the
 *  wrapped result, and the value fits in i32 exactly when the result does. */
// @ts-ignore: decorator
@inline function sWide(op: i32, x: i32, y: i32): i64 {
  switch (op) {
    case Bin.ADD: return <i64>x + <i64>y;
    case Bin.SUB: return <i64>x - <i64>y;
    case Bin.MUL: return <i64>x * <i64>y;
  }
  return intPowChecked(x, y);
}

/** Store a checked op's result (low 32 bits) at p; 1 if it did not fit, else 0. */
// @ts-ignore: decorator
@inline function storeWide(p: usize, w: i64): i32 {
  store<i32>(p, <i32>w);
  return <i32>(w != <i64><i32>w);
}

/** Contiguous run of n elements; ma/mb: 1 = contiguous operand, 0 = broadcast scalar.
 *  Returns non-zero when a checked int32 result overflowed (always 0 otherwise). */
// @ts-ignore: decorator
@inline function binRun<T>(op: i32, ma: i32, mb: i32, pa: usize, pb: usize, po: usize, n: usize): i32 {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const chk = binChecked<T>(op);
  let bad = i32x4.splat(0);
  let i: usize = 0;
  if (binHasVec<T>(op)) {
    const va = ma == 0 ? v128.splat<T>(load<T>(pa)) : v128.splat<T>(<T>0);
    const vb = mb == 0 ? v128.splat<T>(load<T>(pb)) : v128.splat<T>(<T>0);
    if (isCmp(op)) {
      const n4 = n & ~(<usize>3);
      for (; i < n4; i += 4) {
        const o = i * SZ;
        let m: v128;
        if (SZ == 8) {
          const m1 = vbin<T>(op, ma ? v128.load(pa + o) : va, mb ? v128.load(pb + o) : vb);
          const m2 = vbin<T>(op, ma ? v128.load(pa + o, 16) : va, mb ? v128.load(pb + o, 16) : vb);
          m = v128.shuffle<i32>(m1, m2, 0, 2, 4, 6);
        } else {
          m = vbin<T>(op, ma ? v128.load(pa + o) : va, mb ? v128.load(pb + o) : vb);
        }
        store<u32>(po + i, maskBytes4(m));
      }
    } else {
      const n4 = n & ~(4 * L - 1);
      for (; i < n4; i += 4 * L) {
        const o = i * SZ;
        // (each load right before its use: the float loops compile as without the check)
        const a0 = ma ? v128.load(pa + o) : va, b0 = mb ? v128.load(pb + o) : vb;
        const r0 = vbin<T>(op, a0, b0);
        const a1 = ma ? v128.load(pa + o, 16) : va, b1 = mb ? v128.load(pb + o, 16) : vb;
        const r1 = vbin<T>(op, a1, b1);
        const a2 = ma ? v128.load(pa + o, 32) : va, b2 = mb ? v128.load(pb + o, 32) : vb;
        const r2 = vbin<T>(op, a2, b2);
        const a3 = ma ? v128.load(pa + o, 48) : va, b3 = mb ? v128.load(pb + o, 48) : vb;
        const r3 = vbin<T>(op, a3, b3);
        v128.store(po + o, r0);
        v128.store(po + o, r1, 16);
        v128.store(po + o, r2, 32);
        v128.store(po + o, r3, 48);
        if (chk) {
          bad = v128.or(bad, v128.or(
            v128.or(binOvf(op, a0, b0, r0), binOvf(op, a1, b1, r1)),
            v128.or(binOvf(op, a2, b2, r2), binOvf(op, a3, b3, r3))));
        }
      }
      const n1 = n & ~(L - 1);
      for (; i < n1; i += L) {
        const o = i * SZ;
        const a0 = ma ? v128.load(pa + o) : va, b0 = mb ? v128.load(pb + o) : vb;
        const r0 = vbin<T>(op, a0, b0);
        v128.store(po + o, r0);
        if (chk) bad = v128.or(bad, binOvf(op, a0, b0, r0));
      }
    }
  }
  let sbad: i32 = 0;
  if (isCmp(op)) {
    for (; i < n; i++) {
      store<u8>(po + i, scmp<T>(op, load<T>(ma ? pa + i * SZ : pa), load<T>(mb ? pb + i * SZ : pb)));
    }
  } else if (chk) {
    for (; i < n; i++) {
      sbad |= storeWide(po + i * SZ, sWide(op, load<i32>(ma ? pa + i * SZ : pa), load<i32>(mb ? pb + i * SZ : pb)));
    }
  } else {
    for (; i < n; i++) {
      store<T>(po + i * SZ, sbin<T>(op, load<T>(ma ? pa + i * SZ : pa), load<T>(mb ? pb + i * SZ : pb)));
    }
  }
  return chk ? <i32>(i32x4.bitmask(bad) != 0) | sbad : 0;
}

/** Run of n elements with arbitrary element strides sa, sb; returns as binRun. */
// @ts-ignore: decorator
@inline function binRunStrided<T>(op: i32, pa: usize, pb: usize, po: usize, n: usize, sa: i32, sb: i32): i32 {
  const SZ = sizeof<T>();
  const da = <usize>(sa * <i32>SZ), db = <usize>(sb * <i32>SZ);
  let sbad: i32 = 0;
  if (isCmp(op)) {
    for (let i: usize = 0; i < n; i++, pa += da, pb += db) store<u8>(po + i, scmp<T>(op, load<T>(pa), load<T>(pb)));
  } else if (binChecked<T>(op)) {
    for (let i: usize = 0; i < n; i++, pa += da, pb += db) sbad |= storeWide(po + i * SZ, sWide(op, load<i32>(pa), load<i32>(pb)));
  } else {
    for (let i: usize = 0; i < n; i++, pa += da, pb += db) store<T>(po + i * SZ, sbin<T>(op, load<T>(pa), load<T>(pb)));
  }
  return sbad;
}

/** Returns non-zero when a checked int32 result overflowed. */
// @ts-ignore: decorator
@inline function binaryND<T>(op: i32, a: usize, b: usize, out: usize, sp: usize): i32 {
  const nd = coalesce(sp, 2);
  if (nd == 0) return 0;
  const SZ = sizeof<T>();
  const OS: usize = isCmp(op) ? 1 : SZ;
  const n = <usize>wShape(0);
  const sa = wStride(0, 0), sb = wStride(1, 0);
  let pa = a, pb = b, po = out;
  let bad: i32 = 0;
  while (true) {
    if (sa == 1 && sb == 1) bad |= binRun<T>(op, 1, 1, pa, pb, po, n);
    else if (sa == 0 && sb == 1) bad |= binRun<T>(op, 0, 1, pa, pb, po, n);
    else if (sa == 1 && sb == 0) bad |= binRun<T>(op, 1, 0, pa, pb, po, n);
    else bad |= binRunStrided<T>(op, pa, pb, po, n, sa, sb);
    po += n * OS;
    if (nd == 1 || !advance(nd, 2)) break;
    pa += <usize>(D0 * <i32>SZ);
    pb += <usize>(D1 * <i32>SZ);
  }
  return bad;
}

// @ts-ignore: decorator
@inline function binaryAll<T>(op: i32, a: usize, b: usize, out: usize, sp: usize): i32 {
  switch (op) {
    case Bin.ADD: return binaryND<T>(Bin.ADD, a, b, out, sp);
    case Bin.SUB: return binaryND<T>(Bin.SUB, a, b, out, sp);
    case Bin.MUL: return binaryND<T>(Bin.MUL, a, b, out, sp);
    case Bin.DIV: binaryND<T>(Bin.DIV, a, b, out, sp); break;
    case Bin.POW: return binaryND<T>(Bin.POW, a, b, out, sp);
    case Bin.MAXIMUM: binaryND<T>(Bin.MAXIMUM, a, b, out, sp); break;
    case Bin.MINIMUM: binaryND<T>(Bin.MINIMUM, a, b, out, sp); break;
    case Bin.EQ: binaryND<T>(Bin.EQ, a, b, out, sp); break;
    case Bin.NE: binaryND<T>(Bin.NE, a, b, out, sp); break;
    case Bin.LT: binaryND<T>(Bin.LT, a, b, out, sp); break;
    case Bin.LE: binaryND<T>(Bin.LE, a, b, out, sp); break;
    case Bin.GT: binaryND<T>(Bin.GT, a, b, out, sp); break;
    case Bin.GE: binaryND<T>(Bin.GE, a, b, out, sp); break;
    case Bin.ATAN2: binaryND<T>(Bin.ATAN2, a, b, out, sp); break;
  }
  return 0;
}

/** out = op(a, b) over the shape at `sp` ([ndim, shape, aStrides, bStrides], elements);
 *  a, b: byte pointers at element 0 of each operand; out contiguous (bytes for comparisons). */
export function binary_f32(op: i32, a: usize, b: usize, out: usize, sp: usize): void { binaryAll<f32>(op, a, b, out, sp); }
export function binary_f64(op: i32, a: usize, b: usize, out: usize, sp: usize): void { binaryAll<f64>(op, a, b, out, sp); }
/** int32: returns 1 when an ADD, SUB, MUL or POW result did not fit in int32 (out then
 *  holds it wrapped), else 0. */
export function binary_i32(op: i32, a: usize, b: usize, out: usize, sp: usize): i32 { return binaryAll<i32>(op, a, b, out, sp); }

// ----------------------------------------------------------------------------------------
// Where

/** Lane mask (all ones where the bool byte is non-zero) for the next lanes of cond at p. */
// @ts-ignore: decorator
@inline function condMask<T>(p: usize): v128 {
  const z = i32x4.splat(0);
  if (sizeof<T>() == 8) {
    const w = i32x4.splat(<i32>load<u16>(p));
    const e = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(w)));
    return v128.not(i64x2.eq(e, z));
  }
  const w = v128.load32_zero(p);
  const e = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(w));
  return v128.not(i32x4.eq(e, z));
}

// @ts-ignore: decorator
@inline function whereRun<T>(ma: i32, mb: i32, pc: usize, pa: usize, pb: usize, po: usize, n: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  let i: usize = 0;
  if (SZ >= 4) {
    const va = ma == 0 ? v128.splat<T>(load<T>(pa)) : v128.splat<T>(<T>0);
    const vb = mb == 0 ? v128.splat<T>(load<T>(pb)) : v128.splat<T>(<T>0);
    const n1 = n & ~(L - 1);
    for (; i < n1; i += L) {
      const o = i * SZ;
      const m = condMask<T>(pc + i);
      v128.store(po + o, v128.bitselect(ma ? v128.load(pa + o) : va, mb ? v128.load(pb + o) : vb, m));
    }
  }
  for (; i < n; i++) {
    store<T>(po + i * SZ, load<u8>(pc + i) ? load<T>(ma ? pa + i * SZ : pa) : load<T>(mb ? pb + i * SZ : pb));
  }
}

// @ts-ignore: decorator
@inline function whereND<T>(c: usize, a: usize, b: usize, out: usize, sp: usize): void {
  const nd = coalesce(sp, 3);
  if (nd == 0) return;
  const SZ = sizeof<T>();
  const n = <usize>wShape(0);
  const sc = wStride(0, 0), sa = wStride(1, 0), sb = wStride(2, 0);
  let pc = c, pa = a, pb = b, po = out;
  while (true) {
    if (sc == 1 && sa == 1 && sb == 1) whereRun<T>(1, 1, pc, pa, pb, po, n);
    else if (sc == 1 && sa == 0 && sb == 1) whereRun<T>(0, 1, pc, pa, pb, po, n);
    else if (sc == 1 && sa == 1 && sb == 0) whereRun<T>(1, 0, pc, pa, pb, po, n);
    else if (sc == 1 && sa == 0 && sb == 0) whereRun<T>(0, 0, pc, pa, pb, po, n);
    else {
      const dc = <usize>sc, da = <usize>(sa * <i32>SZ), db = <usize>(sb * <i32>SZ);
      let qc = pc, qa = pa, qb = pb;
      for (let i: usize = 0; i < n; i++, qc += dc, qa += da, qb += db) {
        store<T>(po + i * SZ, load<u8>(qc) ? load<T>(qa) : load<T>(qb));
      }
    }
    po += n * SZ;
    if (nd == 1 || !advance(nd, 3)) break;
    pc += <usize>D0;
    pa += <usize>(D1 * <i32>SZ);
    pb += <usize>(D2 * <i32>SZ);
  }
}

/** out = cond ? a : b over the shape at `sp` ([ndim, shape, cStrides, aStrides, bStrides]). */
export function where_f32(c: usize, a: usize, b: usize, out: usize, sp: usize): void { whereND<f32>(c, a, b, out, sp); }
export function where_f64(c: usize, a: usize, b: usize, out: usize, sp: usize): void { whereND<f64>(c, a, b, out, sp); }
export function where_i32(c: usize, a: usize, b: usize, out: usize, sp: usize): void { whereND<i32>(c, a, b, out, sp); }
export function where_u8(c: usize, a: usize, b: usize, out: usize, sp: usize): void { whereND<u8>(c, a, b, out, sp); }
