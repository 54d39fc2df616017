// Scalar helpers shared by the kernels: JavaScript-compatible conversions and Math.pow.

/** JavaScript's ToInt32 (what storing a number into an Int32Array does): truncate toward
 *  zero and wrap modulo 2^32; NaN and infinities give 0. */
// @ts-ignore: decorator
@inline export function toInt32(x: f64): i32 {
  if (abs<f64>(x) < 2147483648.0) return <i32>x;
  return toInt32Slow(x);
}

export function toInt32Slow(x: f64): i32 {
  if (!isFinite<f64>(x)) return 0;
  const r = trunc<f64>(x) % 4294967296.0; // exact
  return <i32><i64>r;
}

/** C's pow, as PyTorch computes it: pow(1, y) = 1 for any y (NaN too), pow(-1, +-inf) = 1,
 *  pow(x, +-0) = 1; otherwise Math.pow. */
export function cPow(x: f64, y: f64): f64 {
  if (x == 1.0) return 1.0;
  if (x == -1.0 && !isFinite<f64>(y) && !isNaN<f64>(y)) return 1.0;
  if (isNaN<f64>(y)) return NaN;
  return Math.pow(x, y);
}

/** Integer power by repeated squaring, as PyTorch's integer pow, with int32 wrap-around:
 *  the wrapped result in the low 32 bits, plus 2^32 when the exact result does not fit in
 *  int32 (so the i64 fits in i32 exactly when the result does). The exact result overflows
 *  when a product taken into it does, or when the base squared does while exponent bits
 *  remain: a later factor is then at least that square (|base| >= 2). */
export function intPowChecked(a: i32, b: i32): i64 {
  if (b < 0) return a == 1 ? 1 : a == -1 ? ((b & 1) != 0 ? -1 : 1) : 0;
  let result: i32 = 1, base = a, e = b;
  let bad = false;
  while (e > 0) {
    if ((e & 1) != 0) {
      const p = <i64>result * <i64>base;
      bad = bad || p != <i64><i32>p;
      result = <i32>p;
    }
    e >>= 1;
    if (e > 0) {
      const q = <i64>base * <i64>base;
      bad = bad || q != <i64><i32>q;
      base = <i32>q;
    }
  }
  return bad ? <i64>result + 0x1_0000_0000 : <i64>result;
}
