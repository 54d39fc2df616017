// Vectorised float32 exp, sigmoid and tanh (f32x4). Cephes-style: Cody-Waite range
// reduction, minimax polynomial, 2^n applied in two steps so gradual underflow and
// overflow to Infinity come out right. Max relative error vs Math.fround(Math.exp(x)) is
// about 1.5e-7 for results in the normal range; NaN, +-Infinity and large inputs follow
// Math.exp (checked in test/backend.test.ts).

// @ts-ignore: decorator
@inline function splat(x: f32): v128 { return f32x4.splat(x); }

/** e^x for four lanes. */
// @ts-ignore: decorator
@inline export function vexp(x0: v128): v128 {
  // clamp: beyond these the result is inf / 0 anyway. pmin/pmax are single instructions
  // (min/max are not, on x64) and return their first operand when it is NaN.
  const x = f32x4.pmax(f32x4.pmin(x0, splat(89.0)), splat(-104.0));
  // n = round(x / ln 2) by the 1.5 * 2^23 trick: the sum's low mantissa bits hold n
  // (cheaper than f32x4.nearest + i32x4.trunc_sat_f32x4_s on x64)
  const t = f32x4.add(f32x4.mul(x, splat(1.44269504088896341)), splat(12582912.0));
  const n = f32x4.sub(t, splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, splat(-2.12194440e-4)));
  // e^r = 1 + r + r^2 P(r), P of degree 5 evaluated by Estrin's scheme (short dependency chains)
  const z = f32x4.mul(r, r);
  const z2 = f32x4.mul(z, z);
  const q0 = f32x4.add(f32x4.mul(r, splat(1.6666665459e-1)), splat(5.0000001201e-1));
  const q1 = f32x4.add(f32x4.mul(r, splat(8.3334519073e-3)), splat(4.1665795894e-2));
  const q2 = f32x4.add(f32x4.mul(r, splat(1.9875691500e-4)), splat(1.3981999507e-3));
  const P = f32x4.add(f32x4.add(q0, f32x4.mul(q1, z)), f32x4.mul(q2, z2));
  const p = f32x4.add(f32x4.add(f32x4.mul(P, z), r), splat(1.0));
  // 2^n = 2^n1 * 2^n2 with n1, n2 in [-75, 64]: both are normal floats
  const ni = i32x4.sub(t, i32x4.splat(0x4b400000));
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^-x) for four lanes. */
// @ts-ignore: decorator
@inline export function vsigmoid(x: v128): v128 {
  const one = splat(1.0);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

/** tanh for four lanes: an odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) above. */
// @ts-ignore: decorator
@inline export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = vexp(f32x4.add(ax, ax));
  const big = f32x4.sub(splat(1.0), f32x4.div(splat(2.0), f32x4.add(e, splat(1.0))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000))); // copysign(big, x)
  const r = v128.bitselect(small, signed, f32x4.lt(ax, splat(0.625)));
  return v128.bitselect(x, r, f32x4.eq(x, splat(0.0))); // tanh(-0) = -0
}

/** Natural log for four lanes (Cephes logf): x = m 2^e with m in [sqrt(1/2), sqrt(2)),
 *  log(m) by a degree-8 polynomial (Estrin), e ln 2 added in two parts. Subnormal inputs
 *  are pre-scaled; log(+-0) = -Infinity, log(x < 0) = NaN, log(Infinity) = Infinity. */
// @ts-ignore: decorator
@inline export function vlog(x0: v128): v128 {
  const den = f32x4.lt(x0, splat(1.17549435e-38));           // subnormal (or <= 0: fixed below)
  const x = v128.bitselect(f32x4.mul(x0, splat(33554432.0)), x0, den); // * 2^25
  const bits = x;
  let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
  e = i32x4.sub(e, v128.and(den, i32x4.splat(25)));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // [0.5, 1)
  const lo = f32x4.lt(m, splat(0.707106781186547524));
  e = i32x4.add(e, lo);                                        // lo lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(m, lo)), splat(1.0));    // 2m - 1 or m - 1
  const z = f32x4.mul(m, m);
  const z2 = f32x4.mul(z, z);
  const z4 = f32x4.mul(z2, z2);
  const p01 = f32x4.add(f32x4.mul(m, splat(-2.4999993993e-1)), splat(3.3333331174e-1));
  const p23 = f32x4.add(f32x4.mul(m, splat(-1.6668057665e-1)), splat(2.0000714765e-1));
  const p45 = f32x4.add(f32x4.mul(m, splat(-1.2420140846e-1)), splat(1.4249322787e-1));
  const p67 = f32x4.add(f32x4.mul(m, splat(-1.1514610310e-1)), splat(1.1676998740e-1));
  const P = f32x4.add(
    f32x4.add(f32x4.add(p01, f32x4.mul(p23, z)), f32x4.mul(f32x4.add(p45, f32x4.mul(p67, z)), z2)),
    f32x4.mul(splat(7.0376836292e-2), z4),
  );
  const fe = f32x4.convert_i32x4_s(e);
  let y = f32x4.mul(f32x4.mul(P, m), z);
  y = f32x4.add(y, f32x4.mul(fe, splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, splat(0.5)));
  let r = f32x4.add(f32x4.add(m, y), f32x4.mul(fe, splat(0.693359375)));
  // special cases
  r = v128.bitselect(splat(-Infinity), r, f32x4.eq(x0, splat(0.0)));
  r = v128.bitselect(splat(NaN), r, f32x4.lt(x0, splat(0.0)));
  r = v128.bitselect(x0, r, v128.or(f32x4.ne(x0, x0), f32x4.eq(x0, splat(Infinity))));
  return r;
}

// ---- erf, log1p, expm1 ---------------------------------------------------------------------
// The polynomial coefficients of erf were fitted for this file (least squares on Chebyshev
// nodes against a double-precision erf): |x| < 1: erf(x) = x P(x^2); 1 <= |x|: erf(x) =
// 1 - e^(-x^2) R(|x| - 2.5), R fitted on [1, 4] to erfc(x) e^(x^2) (past 4, erf is 1 in
// float32). Relative error below 2.5e-7 (about 2 ulp) over the whole range.

// @ts-ignore: decorator
@inline const EA0: f32 = 1.128379225730896;
// @ts-ignore: decorator
@inline const EA1: f32 = -0.3761262893676758;
// @ts-ignore: decorator
@inline const EA2: f32 = 0.11283624172210693;
// @ts-ignore: decorator
@inline const EA3: f32 = -0.0268553476780653;
// @ts-ignore: decorator
@inline const EA4: f32 = 0.005191129166632891;
// @ts-ignore: decorator
@inline const EA5: f32 = -0.000803411181550473;
// @ts-ignore: decorator
@inline const EA6: f32 = 7.931177242426202e-05;
// @ts-ignore: decorator
@inline const EB0: f32 = 0.21080635488033295;
// @ts-ignore: decorator
@inline const EB1: f32 = -0.0743476003408432;
// @ts-ignore: decorator
@inline const EB2: f32 = 0.024938203394412994;
// @ts-ignore: decorator
@inline const EB3: f32 = -0.007999344728887081;
// @ts-ignore: decorator
@inline const EB4: f32 = 0.0024659819900989532;
// @ts-ignore: decorator
@inline const EB5: f32 = -0.0007389986421912909;
// @ts-ignore: decorator
@inline const EB6: f32 = 0.00021297244529705495;
// @ts-ignore: decorator
@inline const EB7: f32 = -5.358506678021513e-05;
// @ts-ignore: decorator
@inline const EB8: f32 = 1.4353454389492981e-05;
// @ts-ignore: decorator
@inline const EB9: f32 = -6.386250788636971e-06;
// @ts-ignore: decorator
@inline const EB10: f32 = 1.6718429378670407e-06;

// @ts-ignore: decorator
@inline function fma4(a: v128, b: v128, c: f32): v128 { return f32x4.add(f32x4.mul(a, b), splat(c)); }

/** erf for four lanes (see above); NaN stays NaN, erf(+-Infinity) = +-1, erf(-0) = -0. */
// @ts-ignore: decorator
@inline export function verf(x: v128): v128 {
  const ax = f32x4.abs(x);
  const x2 = f32x4.mul(x, x);
  let p = splat(EA6);
  p = fma4(p, x2, EA5); p = fma4(p, x2, EA4); p = fma4(p, x2, EA3);
  p = fma4(p, x2, EA2); p = fma4(p, x2, EA1); p = fma4(p, x2, EA0);
  const small = f32x4.mul(x, p);
  const t = f32x4.sub(f32x4.min(ax, splat(4.0)), splat(2.5));
  let q = splat(EB10);
  q = fma4(q, t, EB9); q = fma4(q, t, EB8); q = fma4(q, t, EB7); q = fma4(q, t, EB6); q = fma4(q, t, EB5);
  q = fma4(q, t, EB4); q = fma4(q, t, EB3); q = fma4(q, t, EB2); q = fma4(q, t, EB1); q = fma4(q, t, EB0);
  const e = vexp(f32x4.neg(f32x4.min(x2, splat(16.0))));
  const big = f32x4.sub(splat(1.0), f32x4.mul(e, q));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000))); // copysign(big, x)
  return v128.bitselect(small, signed, f32x4.lt(ax, splat(1.0)));
}

/** erf of one float32, the same formulas as verf. */
export function erf32(x: f32): f32 {
  const ax = abs<f32>(x);
  const x2 = x * x;
  if (ax < 1) {
    let p = EA6;
    p = p * x2 + EA5; p = p * x2 + EA4; p = p * x2 + EA3; p = p * x2 + EA2; p = p * x2 + EA1; p = p * x2 + EA0;
    return x * p;
  }
  if (x != x) return x;
  const t = min<f32>(ax, 4.0) - 2.5;
  let q = EB10;
  q = q * t + EB9; q = q * t + EB8; q = q * t + EB7; q = q * t + EB6; q = q * t + EB5;
  q = q * t + EB4; q = q * t + EB3; q = q * t + EB2; q = q * t + EB1; q = q * t + EB0;
  const r = <f32>1.0 - Mathf.exp(-min<f32>(x2, 16.0)) * q;
  return x < 0 ? -r : r;
}

/**
 * erf of a float64 to about 1e-15 relative error: below |x| = 2.5 the series of positive
 * terms 2x/sqrt(pi) e^(-x^2) sum (2x^2)^n / (1*3*...*(2n+1)), above it 1 - erfc(x) with
 * erfc's continued fraction (Lentz's method); +-1 from |x| = 6 on. At most about 50 terms.
 * The js backend (src/backend/js/erf.ts) runs the same algorithm.
 */
export function erf64(x: f64): f64 {
  const ax = abs<f64>(x);
  if (ax != ax) return x;
  if (ax < 2.5) {
    const x2 = ax * ax;
    let term = 1.0, sum = 1.0, n = 0.0;
    do {
      n += 1.0;
      term *= (2.0 * x2) / (2.0 * n + 1.0);
      sum += term;
    } while (term >= 1e-17 * sum);
    const r = 1.1283791670955126 * ax * Math.exp(-x2) * sum;
    return x < 0 ? -r : r;
  }
  if (ax >= 6.0) return x < 0 ? -1.0 : 1.0;
  let f = ax, c = ax, d = 0.0, n = 0.0, delta = 0.0;
  do {
    n += 1.0;
    const a = 0.5 * n;
    d = 1.0 / (ax + a * d);
    c = ax + a / c;
    delta = c * d;
    f *= delta;
  } while (abs<f64>(delta - 1.0) >= 1e-16);
  const r = 1.0 - Math.exp(-ax * ax) * 0.5641895835477563 / f; // 1/sqrt(pi)
  return x < 0 ? -r : r;
}

/** log(1 + x) for four lanes: log(u) * x / (u - 1) with u = 1 + x (u - 1 is exact), which
 *  cancels log's rounding of u; x itself where u rounds to 1, Infinity for Infinity. */
// @ts-ignore: decorator
@inline export function vlog1p(x: v128): v128 {
  const u = f32x4.add(x, splat(1.0));
  const d = f32x4.sub(u, splat(1.0));
  const r = f32x4.mul(vlog(u), f32x4.div(x, d));
  return v128.bitselect(x, r, v128.or(f32x4.eq(d, splat(0.0)), f32x4.eq(x, splat(Infinity))));
}

/** e^x - 1 for four lanes: a Taylor polynomial x (1 + x/2 + x^2/6 + ...) below |x| = 0.5
 *  (keeps -0 and tiny x exact), e^x - 1 above (no cancellation there). */
// @ts-ignore: decorator
@inline export function vexpm1(x: v128): v128 {
  let p = splat(2.48015873015873e-5); // 1/8!
  p = fma4(p, x, 1.984126984126984e-4);
  p = fma4(p, x, 1.388888888888889e-3);
  p = fma4(p, x, 8.333333333333333e-3);
  p = fma4(p, x, 4.1666666666666664e-2);
  p = fma4(p, x, 0.16666666666666666);
  p = fma4(p, x, 0.5);
  p = fma4(p, x, 1.0);
  const small = f32x4.mul(x, p);
  const big = f32x4.sub(vexp(x), splat(1.0));
  return v128.bitselect(small, big, f32x4.lt(f32x4.abs(x), splat(0.5)));
}
