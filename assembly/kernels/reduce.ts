// Reductions along the middle axis of a contiguous [outer, axis, inner] block.
// inner == 1: each row reduces with several v128 accumulators; inner > 1: SIMD across inner.
//
// Float MAX/MIN ties (+0 vs -0; NaN always wins) have one rule at every size, so the js
// backend's scalar loop gives the same bits: MAX/MIN keep the first of the tied extremes
// along the axis (PyTorch's max(dim)), MAX_LAST/MIN_LAST the last (PyTorch's max() over all
// elements, whose vector loop follows lanes instead from 8 float32 / 4 float64 elements on).
// Across inner, each lane walks its column in order, so vkeep/skeep apply the rule as they
// go. Along a row the lanes see elements out of order: the row is reduced ignoring the sign
// of zero, and a zero result is replaced by the first (or last) zero of the row.
//
// int32 stands in for PyTorch's int64: its SUM and PROD are exact and report a result that
// does not fit in int32 (reduce_i32 returns non-zero; the TS side raises). SUM adds in i64
// lanes; PROD multiplies in i32 lanes with an overflow mask, which is exact because a
// product of non-zero integers never shrinks: it overflows where a partial product does,
// unless a zero factor makes it 0. Along a row the lanes hold partial sums / products; across
// inner, column strips of four stay in registers for the whole axis.
import { Red } from "../abi";

// @ts-ignore: decorator
@inline function isArg(op: i32): bool { return op == Red.ARGMAX || op == Red.ARGMIN; }

// @ts-ignore: decorator
@inline function isLast(op: i32): bool { return op == Red.MAX_LAST || op == Red.MIN_LAST; }

/** The value op (MAX or MIN) behind MAX_LAST / MIN_LAST; other ops themselves. */
// @ts-ignore: decorator
@inline function valueOp(op: i32): i32 { return op == Red.MAX_LAST ? Red.MAX : op == Red.MIN_LAST ? Red.MIN : op; }

/** Float MAX/MIN (either tie rule). A row first runs with pmax/pmin (one instruction each
 *  on x64, where the NaN-propagating max/min take several) while noting whether any NaN (or
 *  inf - inf) went by; only then is it redone with the NaN-propagating form. A block runs
 *  vkeep (pmax/pmin and a NaN mask) once. */
// @ts-ignore: decorator
@inline function fastMinMax<T>(op: i32): bool {
  return isFloat<T>() && (op == Red.MAX || op == Red.MIN || isLast(op));
}

/** Set by the fast MAX/MIN loops when the result may have dropped a NaN. */
let suspect: bool = false;

// @ts-ignore: decorator
@inline function vred<T>(op: i32, x: v128, y: v128, fast: bool = false): v128 {
  switch (op) {
    case Red.SUM: return v128.add<T>(x, y);
    case Red.PROD: return v128.mul<T>(x, y);
    case Red.MAX: {
      if (isFloat<T>()) { if (fast) return v128.pmax<T>(x, y); }
      return v128.max<T>(x, y); // NaN-propagating for floats
    }
    default: {
      if (isFloat<T>()) { if (fast) return v128.pmin<T>(x, y); }
      return v128.min<T>(x, y);
    }
  }
}

/** All-ones lanes where the sum of the four vectors is NaN (any NaN among them, or inf - inf). */
// @ts-ignore: decorator
@inline function nanLanes<T>(x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const s = v128.add<T>(v128.add<T>(x0, x1), v128.add<T>(x2, x3));
  return v128.ne<T>(s, s);
}

// @ts-ignore: decorator
@inline function sred<T>(op: i32, x: T, y: T): T {
  switch (op) {
    case Red.SUM: return x + y;
    case Red.PROD: return x * y;
    case Red.MAX: return max<T>(x, y);
    default: return min<T>(x, y);
  }
}

/** Float MAX/MIN of the running value a and the next element x: NaN from either, and on ties
 *  a for MAX/MIN (the first wins), x for MAX_LAST/MIN_LAST. pmax(a, x) is a < x ? x : a, which
 *  keeps a on ties and when either is NaN; the mask brings in the other operand's NaN. */
// @ts-ignore: decorator
@inline function vkeep<T>(op: i32, a: v128, x: v128): v128 {
  if (isInteger<T>()) return op == Red.MAX || op == Red.MAX_LAST ? v128.max<T>(a, x) : v128.min<T>(a, x);
  switch (op) {
    case Red.MAX: return v128.or(v128.pmax<T>(a, x), v128.ne<T>(x, x));
    case Red.MIN: return v128.or(v128.pmin<T>(a, x), v128.ne<T>(x, x));
    case Red.MAX_LAST: return v128.or(v128.pmax<T>(x, a), v128.ne<T>(a, a));
    default: return v128.or(v128.pmin<T>(x, a), v128.ne<T>(a, a));
  }
}

/** vkeep for one element. */
// @ts-ignore: decorator
@inline function skeep<T>(op: i32, a: T, x: T): T {
  switch (op) {
    case Red.MAX: return x > a || x != x ? x : a;
    case Red.MIN: return x < a || x != x ? x : a;
    case Red.MAX_LAST: return a > x || a != a ? a : x;
    default: return a < x || a != a ? a : x;
  }
}

// @ts-ignore: decorator
@inline function hred<T>(op: i32, v: v128): T {
  let r = v128.extract_lane<T>(v, 0);
  r = sred<T>(op, r, v128.extract_lane<T>(v, 1));
  if (sizeof<T>() == 4) {
    r = sred<T>(op, r, v128.extract_lane<T>(v, 2));
    r = sred<T>(op, r, v128.extract_lane<T>(v, 3));
  }
  return r;
}

/** SUM/PROD/MAX/MIN of n >= 1 contiguous elements with four accumulators. With `fast`
 *  (float MAX/MIN only) NaNs may be dropped, and `suspect` is set when one may have been. */
// @ts-ignore: decorator
@inline function rowVec<T>(op: i32, p: usize, n: usize, fast: bool = false): T {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  let i: usize = 0;
  let r: T;
  if (n >= 4 * L) {
    let a0 = v128.load(p), a1 = v128.load(p, 16), a2 = v128.load(p, 32), a3 = v128.load(p, 48);
    let bad = fast ? nanLanes<T>(a0, a1, a2, a3) : v128.splat<i32>(0);
    i = 4 * L;
    const n4 = n & ~(4 * L - 1);
    for (; i < n4; i += 4 * L) {
      const q = p + i * SZ;
      const x0 = v128.load(q), x1 = v128.load(q, 16), x2 = v128.load(q, 32), x3 = v128.load(q, 48);
      a0 = vred<T>(op, a0, x0, fast);
      a1 = vred<T>(op, a1, x1, fast);
      a2 = vred<T>(op, a2, x2, fast);
      a3 = vred<T>(op, a3, x3, fast);
      if (fast) bad = v128.or(bad, nanLanes<T>(x0, x1, x2, x3));
    }
    if (fast && v128.any_true(bad)) suspect = true;
    r = hred<T>(op, vred<T>(op, vred<T>(op, a0, a1), vred<T>(op, a2, a3)));
  } else {
    r = load<T>(p);
    i = 1;
  }
  for (; i < n; i++) r = sred<T>(op, r, load<T>(p + i * SZ));
  return r;
}

/** Index of the first element equal to m (nan: the first NaN) among n at p; -1 if none. */
// @ts-ignore: decorator
@inline function findFirst<T>(p: usize, n: usize, m: T, nan: bool): i32 {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const vm = v128.splat<T>(m);
  let i: usize = 0;
  for (; i + L <= n; i += L) {
    const v = v128.load(p + i * SZ);
    if (v128.any_true(nan ? v128.ne<T>(v, v) : v128.eq<T>(v, vm))) break;
  }
  for (; i < n; i++) {
    const x = load<T>(p + i * SZ);
    if (nan ? x != x : x == m) return <i32>i;
  }
  return -1;
}

/** Index of the last element equal to 0 (either sign) among n at p; -1 if none. */
// @ts-ignore: decorator
@inline function findLastZero<T>(p: usize, n: usize): i32 {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const z = v128.splat<T>(<T>0);
  let i = n;
  for (; i >= L; i -= L) {
    if (v128.any_true(v128.eq<T>(v128.load(p + (i - L) * SZ), z))) break;
  }
  while (i > 0) {
    i--;
    if (load<T>(p + i * SZ) == 0) return <i32>i;
  }
  return -1;
}

/** One contiguous row (axis elements, axis >= 1). */
// @ts-ignore: decorator
@inline function reduceRow<T>(op: i32, p: usize, n: usize, out: usize): void {
  const SZ = sizeof<T>();
  if (isArg(op) && n >= 8 * (16 / SZ)) {
    // two vector passes: the extreme value, then the first index holding it (or the first NaN)
    suspect = false;
    const m = rowVec<T>(op == Red.ARGMAX ? Red.MAX : Red.MIN, p, n, isFloat<T>());
    if (isFloat<T>()) {
      if (suspect || m != m) { // a NaN in the scalar tail propagates into m without setting suspect
        const k = findFirst<T>(p, n, m, true);
        if (k >= 0) { store<i32>(out, k); return; }
      }
    }
    store<i32>(out, findFirst<T>(p, n, m, false));
  } else if (isArg(op)) {
    let best = load<T>(p);
    let bi: i32 = 0;
    if (best == best) {
      for (let k: usize = 1; k < n; k++) {
        const v = load<T>(p + k * SZ);
        if (v != v) { bi = <i32>k; break; }
        if (op == Red.ARGMAX ? v > best : v < best) { best = v; bi = <i32>k; }
      }
    }
    store<i32>(out, bi);
  } else if (op == Red.SUM && sizeof<T>() == 4 && isFloat<T>()) {
    // blocks of 1024 summed in f32 lanes, block sums added in f64
    let acc: f64 = 0;
    for (let k: usize = 0; k < n; k += 1024) acc += <f64>rowVec<T>(Red.SUM, p + k * 4, min<usize>(1024, n - k));
    store<T>(out, <T>acc);
  } else if (fastMinMax<T>(op)) {
    const vop = valueOp(op);
    suspect = false;
    let r = rowVec<T>(vop, p, n, true);
    if (suspect) r = rowVec<T>(vop, p, n);
    if (r == 0) { // the tie rule: the first (or last) zero of the row
      const k = isLast(op) ? findLastZero<T>(p, n) : findFirst<T>(p, n, <T>0, false);
      r = load<T>(p + <usize>k * SZ);
    }
    store<T>(out, r);
  } else if (op == Red.SUM && isFloat<T>()) {
    store<T>(out, rowVec<T>(op, p, n) + <T>0); // a sum starts at +0: -0 + -0 is +0, as PyTorch's
  } else {
    store<T>(out, rowVec<T>(valueOp(op), p, n));
  }
}

/** One [axis, inner] block into ob, SIMD across inner. */
// @ts-ignore: decorator
@inline function blockVec<T>(op: i32, base: usize, rowBytes: usize, axis: usize, inner: usize, ob: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const nv = inner & ~(L - 1);
  if (op == Red.SUM && isFloat<T>()) { // a sum starts at +0 (see reduceRow): row 0 + 0
    const z = v128.splat<T>(<T>0);
    let j: usize = 0;
    for (; j < nv; j += L) v128.store(ob + j * SZ, v128.add<T>(v128.load(base + j * SZ), z));
    for (; j < inner; j++) store<T>(ob + j * SZ, load<T>(base + j * SZ) + <T>0);
  } else {
    memory.copy(ob, base, rowBytes);
  }
  for (let k: usize = 1; k < axis; k++) {
    const row = base + k * rowBytes;
    let j: usize = 0;
    for (; j < nv; j += L) {
      const q = j * SZ;
      v128.store(ob + q, vred<T>(op, v128.load(ob + q), v128.load(row + q)));
    }
    for (; j < inner; j++) {
      const q = j * SZ;
      store<T>(ob + q, sred<T>(op, load<T>(ob + q), load<T>(row + q)));
    }
  }
}

/** One [axis, inner] float32 SUM block into ob, accumulated in f64 lanes (as the js backend's
 *  loop, so both give the same bits; more accurate than PyTorch's float32 cascade, not less):
 *  column strips of 16 stay in registers for the whole axis, each column summed in order from +0. */
// @ts-ignore: decorator
@inline function blockSumF32(base: usize, rowBytes: usize, axis: usize, inner: usize, ob: usize): void {
  let j: usize = 0;
  for (; j + 16 <= inner; j += 16) {
    let a0 = f64x2.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let p = base + j * 4;
    for (let k: usize = 0; k < axis; k++, p += rowBytes) {
      const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<i32>(v0, v0, 2, 3, 0, 1)));
      a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
      a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<i32>(v1, v1, 2, 3, 0, 1)));
      a4 = f64x2.add(a4, f64x2.promote_low_f32x4(v2));
      a5 = f64x2.add(a5, f64x2.promote_low_f32x4(v128.shuffle<i32>(v2, v2, 2, 3, 0, 1)));
      a6 = f64x2.add(a6, f64x2.promote_low_f32x4(v3));
      a7 = f64x2.add(a7, f64x2.promote_low_f32x4(v128.shuffle<i32>(v3, v3, 2, 3, 0, 1)));
    }
    const q = ob + j * 4;
    v128.store(q, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
    v128.store(q, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a2), f32x4.demote_f64x2_zero(a3), 0, 1, 4, 5), 16);
    v128.store(q, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a4), f32x4.demote_f64x2_zero(a5), 0, 1, 4, 5), 32);
    v128.store(q, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a6), f32x4.demote_f64x2_zero(a7), 0, 1, 4, 5), 48);
  }
  for (; j + 4 <= inner; j += 4) {
    let a0 = f64x2.splat(0), a1 = a0;
    let p = base + j * 4;
    for (let k: usize = 0; k < axis; k++, p += rowBytes) {
      const v = v128.load(p);
      a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
      a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1)));
    }
    v128.store(ob + j * 4, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
  }
  for (; j < inner; j++) {
    let acc: f64 = 0;
    let p = base + j * 4;
    for (let k: usize = 0; k < axis; k++, p += rowBytes) acc += <f64>load<f32>(p);
    store<f32>(ob + j * 4, <f32>acc);
  }
}

/** One [axis, inner] block of float MAX/MIN (either tie rule) into ob, SIMD across inner. */
// @ts-ignore: decorator
@inline function blockKeep<T>(op: i32, base: usize, rowBytes: usize, axis: usize, inner: usize, ob: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  memory.copy(ob, base, rowBytes);
  const nv = inner & ~(L - 1);
  for (let k: usize = 1; k < axis; k++) {
    const row = base + k * rowBytes;
    let j: usize = 0;
    for (; j < nv; j += L) {
      const q = j * SZ;
      v128.store(ob + q, vkeep<T>(op, v128.load(ob + q), v128.load(row + q)));
    }
    for (; j < inner; j++) {
      const q = j * SZ;
      store<T>(ob + q, skeep<T>(op, load<T>(ob + q), load<T>(row + q)));
    }
  }
}

// @ts-ignore: decorator
@inline function reduceOp<T>(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const OS: usize = isArg(op) ? 4 : SZ;
  if (axis == 0) {
    const nOut = outer * inner;
    if (isArg(op)) {
      for (let i: usize = 0; i < nOut; i++) store<i32>(out + i * 4, 0);
    } else {
      const v: T = op == Red.PROD ? <T>1 : <T>0;
      for (let i: usize = 0; i < nOut; i++) store<T>(out + i * SZ, v);
    }
    return;
  }
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) reduceRow<T>(op, x + o * axis * SZ, axis, out + o * OS);
    return;
  }
  const rowBytes = inner * SZ;
  for (let o: usize = 0; o < outer; o++) {
    const base = x + o * axis * rowBytes;
    const ob = out + o * inner * OS;
    if (isArg(op)) {
      for (let j: usize = 0; j < inner; j++) store<i32>(ob + j * 4, 0);
      for (let k: usize = 1; k < axis; k++) {
        const row = base + k * rowBytes;
        for (let j: usize = 0; j < inner; j++) {
          const bi = <usize>load<i32>(ob + j * 4);
          const best = load<T>(base + bi * rowBytes + j * SZ);
          if (best != best) continue;
          const v = load<T>(row + j * SZ);
          if (v != v || (op == Red.ARGMAX ? v > best : v < best)) store<i32>(ob + j * 4, <i32>k);
        }
      }
    } else if (fastMinMax<T>(op)) {
      blockKeep<T>(op, base, rowBytes, axis, inner, ob);
    } else if (op == Red.SUM && sizeof<T>() == 4 && isFloat<T>()) {
      blockSumF32(base, rowBytes, axis, inner, ob);
    } else {
      blockVec<T>(valueOp(op), base, rowBytes, axis, inner, ob);
    }
  }
}

// @ts-ignore: decorator
@inline function reduceAll<T>(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): void {
  switch (op) {
    case Red.SUM: reduceOp<T>(Red.SUM, x, outer, axis, inner, out); break;
    case Red.PROD: reduceOp<T>(Red.PROD, x, outer, axis, inner, out); break;
    case Red.MAX: reduceOp<T>(Red.MAX, x, outer, axis, inner, out); break;
    case Red.MIN: reduceOp<T>(Red.MIN, x, outer, axis, inner, out); break;
    case Red.ARGMAX: reduceOp<T>(Red.ARGMAX, x, outer, axis, inner, out); break;
    case Red.ARGMIN: reduceOp<T>(Red.ARGMIN, x, outer, axis, inner, out); break;
    // integers have no signed zeros: the tie rule cannot show
    case Red.MAX_LAST: reduceOp<T>(isInteger<T>() ? Red.MAX : Red.MAX_LAST, x, outer, axis, inner, out); break;
    case Red.MIN_LAST: reduceOp<T>(isInteger<T>() ? Red.MIN : Red.MIN_LAST, x, outer, axis, inner, out); break;
  }
}

// ---------------------------------------------------------------------- int32 SUM, PROD

/** Sign bit set in the lanes where the 64-bit lanes lo (lanes 0, 1) and hi (lanes 2, 3)
 *  do not fit in i32; their low halves go to `low`. */
// @ts-ignore: decorator
@inline function narrowI64(lo: v128, hi: v128): v128 {
  const low = v128.shuffle<i32>(lo, hi, 0, 2, 4, 6);
  return i32x4.ne(v128.shuffle<i32>(lo, hi, 1, 3, 5, 7), i32x4.shr_s(low, 31));
}

// @ts-ignore: decorator
@inline function lowI64(lo: v128, hi: v128): v128 { return v128.shuffle<i32>(lo, hi, 0, 2, 4, 6); }

/** The exact product of two int32 (its low 32 bits: the wrapped one). */
// @ts-ignore: decorator
@inline function mulWide(r: i32, x: i32): i64 { return <i64>r * <i64>x; }

// @ts-ignore: decorator
@inline function fitsI32(w: i64): bool { return w == <i64><i32>w; }

/** Exact int32 SUM of n contiguous elements, as i64. */
// @ts-ignore: decorator
@inline function rowSumI32(p: usize, n: usize): i64 {
  let s0 = i64x2.splat(0), s1 = i64x2.splat(0), s2 = i64x2.splat(0), s3 = i64x2.splat(0);
  let i: usize = 0;
  const n8 = n & ~(<usize>7);
  for (; i < n8; i += 8) {
    const q = p + (i << 2);
    const x0 = v128.load(q), x1 = v128.load(q, 16);
    s0 = i64x2.add(s0, i64x2.extend_low_i32x4_s(x0));
    s1 = i64x2.add(s1, i64x2.extend_high_i32x4_s(x0));
    s2 = i64x2.add(s2, i64x2.extend_low_i32x4_s(x1));
    s3 = i64x2.add(s3, i64x2.extend_high_i32x4_s(x1));
  }
  const s = i64x2.add(i64x2.add(s0, s1), i64x2.add(s2, s3));
  let r = i64x2.extract_lane(s, 0) + i64x2.extract_lane(s, 1);
  for (; i < n; i++) r += <i64>load<i32>(p + (i << 2));
  return r;
}

/** int32 PROD of n >= 1 contiguous elements: the wrapped product at out; returns 1 when
 *  the exact product does not fit in int32, else 0. */
// @ts-ignore: decorator
@inline function rowProdI32(p: usize, n: usize, out: usize): i32 {
  const z = i32x4.splat(0);
  let bad = z, zero = z;
  let r: i32 = 1;
  let i: usize = 0;
  let sbad = false, szero = false;
  if (n >= 8) {
    let a = v128.load(p);
    zero = i32x4.eq(a, z);
    i = 4;
    const n4 = n & ~(<usize>3);
    for (; i < n4; i += 4) {
      const x = v128.load(p + (i << 2));
      const lo = i64x2.extmul_low_i32x4_s(a, x), hi = i64x2.extmul_high_i32x4_s(a, x);
      bad = v128.or(bad, narrowI64(lo, hi));
      zero = v128.or(zero, i32x4.eq(x, z));
      a = lowI64(lo, hi);
    }
    // the four partial products, multiplied together checked
    const w1 = mulWide(i32x4.extract_lane(a, 0), i32x4.extract_lane(a, 1));
    const w2 = mulWide(<i32>w1, i32x4.extract_lane(a, 2));
    const w3 = mulWide(<i32>w2, i32x4.extract_lane(a, 3));
    sbad = !fitsI32(w1) || !fitsI32(w2) || !fitsI32(w3);
    r = <i32>w3;
  }
  for (; i < n; i++) {
    const x = load<i32>(p + (i << 2));
    const w = mulWide(r, x);
    sbad = sbad || !fitsI32(w);
    szero = szero || x == 0;
    r = <i32>w;
  }
  store<i32>(out, r);
  return <i32>((sbad || i32x4.bitmask(bad) != 0) && !(szero || v128.any_true(zero)));
}

/** int32 SUM or PROD of one [axis >= 1, inner] block into ob, in column strips of four
 *  lanes kept in registers down the axis; returns non-zero when a result does not fit. */
// @ts-ignore: decorator
@inline function blockI32(op: i32, base: usize, rowBytes: usize, axis: usize, inner: usize, ob: usize): i32 {
  const z = i32x4.splat(0);
  let bad = z;
  let sbad = false;
  let j: usize = 0;
  for (; j + 4 <= inner; j += 4) {
    const col = base + (j << 2);
    if (op == Red.SUM) {
      let s0 = i64x2.splat(0), s1 = i64x2.splat(0);
      for (let k: usize = 0; k < axis; k++) {
        const x = v128.load(col + k * rowBytes);
        s0 = i64x2.add(s0, i64x2.extend_low_i32x4_s(x));
        s1 = i64x2.add(s1, i64x2.extend_high_i32x4_s(x));
      }
      bad = v128.or(bad, narrowI64(s0, s1));
      v128.store(ob + (j << 2), lowI64(s0, s1));
    } else {
      let a = v128.load(col);
      let zero = i32x4.eq(a, z), over = z;
      for (let k: usize = 1; k < axis; k++) {
        const x = v128.load(col + k * rowBytes);
        const lo = i64x2.extmul_low_i32x4_s(a, x), hi = i64x2.extmul_high_i32x4_s(a, x);
        over = v128.or(over, narrowI64(lo, hi));
        zero = v128.or(zero, i32x4.eq(x, z));
        a = lowI64(lo, hi);
      }
      bad = v128.or(bad, v128.andnot(over, zero));
      v128.store(ob + (j << 2), a);
    }
  }
  for (; j < inner; j++) {
    const col = base + (j << 2);
    if (op == Red.SUM) {
      let s: i64 = 0;
      for (let k: usize = 0; k < axis; k++) s += <i64>load<i32>(col + k * rowBytes);
      sbad = sbad || !fitsI32(s);
      store<i32>(ob + (j << 2), <i32>s);
    } else {
      let r = load<i32>(col);
      let over = false, zero = r == 0;
      for (let k: usize = 1; k < axis; k++) {
        const x = load<i32>(col + k * rowBytes);
        const w = mulWide(r, x);
        over = over || !fitsI32(w);
        zero = zero || x == 0;
        r = <i32>w;
      }
      sbad = sbad || (over && !zero);
      store<i32>(ob + (j << 2), r);
    }
  }
  return <i32>(sbad || i32x4.bitmask(bad) != 0);
}

/** int32 SUM or PROD over [outer, axis >= 1, inner]; returns non-zero when a result does not fit. */
// @ts-ignore: decorator
@inline function reduceI32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): i32 {
  let bad: i32 = 0;
  if (inner == 1) {
    for (let o: usize = 0; o < outer; o++) {
      const p = x + ((o * axis) << 2), po = out + (o << 2);
      if (op == Red.SUM) {
        const s = rowSumI32(p, axis);
        store<i32>(po, <i32>s);
        bad |= <i32>!fitsI32(s);
      } else {
        bad |= rowProdI32(p, axis, po);
      }
    }
    return bad;
  }
  const rowBytes = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    bad |= blockI32(op, x + o * axis * rowBytes, rowBytes, axis, inner, out + o * rowBytes);
  }
  return bad;
}

/** Reduce contiguous [outer, axis, inner] at byte pointer x into contiguous [outer, inner] at out
 *  (int32 indices for ARGMAX/ARGMIN). */
export function reduce_f32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): void { reduceAll<f32>(op, x, outer, axis, inner, out); }
export function reduce_f64(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): void { reduceAll<f64>(op, x, outer, axis, inner, out); }
/** int32: returns 1 when a SUM or PROD result does not fit in int32 (out then holds it
 *  wrapped), else 0. */
export function reduce_i32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize): i32 {
  if (axis > 0 && op == Red.SUM) return reduceI32(Red.SUM, x, outer, axis, inner, out);
  if (axis > 0 && op == Red.PROD) return reduceI32(Red.PROD, x, outer, axis, inner, out);
  reduceAll<i32>(op, x, outer, axis, inner, out);
  return 0;
}
