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
