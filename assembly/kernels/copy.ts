// Strided copy with cast, and fill.
import { DT } from "../abi";
import { coalesce, advance, wShape, wStride, D0, D1 } from "./strided";
import { toInt32 } from "./scalar";

/** PyTorch's casts: float->int truncates toward zero (wrapping like an Int32Array store),
 *  anything->bool is x != 0 (NaN -> true), bool->number is 0/1. S/D = u8 means bool. */
// @ts-ignore: decorator
@inline function cast<S, D>(x: S): D {
  if (sizeof<D>() == 1) return <D>(x != <S>0);
  if (sizeof<S>() == 1) return <D>(x != <S>0 ? 1 : 0);
  if (isInteger<D>() && isFloat<S>()) return <D>toInt32(<f64>x);
  return <D>x;
}

// @ts-ignore: decorator
@inline function copyND<S, D>(src: usize, dst: usize, sp: usize): void {
  const nd = coalesce(sp, 2);
  if (nd == 0) return;
  const SS = sizeof<S>(), DS = sizeof<D>();
  const n = <usize>wShape(0);
  const ss = wStride(0, 0), ds = wStride(1, 0);
  const dss = <usize>(ss * <i32>SS), dds = <usize>(ds * <i32>DS);
  let ps = src, pd = dst;
  if (nd >= 2 && ss != 1 && ss != 0 && n >= 8 && wShape(1) >= 8) {
    // transposing gather: walk 8 x 8 tiles of the two innermost dimensions (small tiles:
    // power-of-two strides map a tile's lines to one cache set)
    const n1 = <usize>wShape(1);
    const ss1 = <usize>(wStride(0, 1) * <i32>SS), ds1 = <usize>(wStride(1, 1) * <i32>DS);
    while (true) {
      for (let t1: usize = 0; t1 < n1; t1 += 8) {
        const e1 = min<usize>(t1 + 8, n1);
        for (let t0: usize = 0; t0 < n; t0 += 8) {
          const e0 = min<usize>(t0 + 8, n);
          for (let i1 = t1; i1 < e1; i1++) {
            let qs = ps + i1 * ss1 + t0 * dss, qd = pd + i1 * ds1 + t0 * dds;
            for (let i0 = t0; i0 < e0; i0++, qs += dss, qd += dds) store<D>(qd, cast<S, D>(load<S>(qs)));
          }
        }
      }
      if (nd == 2 || !advance(nd, 2, 2)) break;
      ps += <usize>(D0 * <i32>SS);
      pd += <usize>(D1 * <i32>DS);
    }
    return;
  }
  while (true) {
    if (ss == 1 && ds == 1) {
      if (SS == DS && (isFloat<S>() == isFloat<D>())) {
        memory.copy(pd, ps, n * SS);
      } else {
        let i: usize = 0;
        if (isFloat<S>() && isFloat<D>() && SS == 4 && DS == 8) {            // float32 -> float64
          for (; i + 4 <= n; i += 4) {
            const v = v128.load(ps + i * 4);
            v128.store(pd + i * 8, f64x2.promote_low_f32x4(v));
            v128.store(pd + i * 8, f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3)), 16);
          }
        } else if (isFloat<S>() && isFloat<D>() && SS == 8 && DS == 4) {     // float64 -> float32
          for (; i + 4 <= n; i += 4) {
            const lo = f32x4.demote_f64x2_zero(v128.load(ps + i * 8));
            const hi = f32x4.demote_f64x2_zero(v128.load(ps + i * 8, 16));
            v128.store(pd + i * 4, v128.shuffle<i32>(lo, hi, 0, 1, 4, 5));
          }
        } else if (isInteger<S>() && SS == 4 && isFloat<D>() && DS == 4) {  // int32 -> float32
          for (; i + 4 <= n; i += 4) v128.store(pd + i * 4, f32x4.convert_i32x4_s(v128.load(ps + i * 4)));
        }
        for (; i < n; i++) store<D>(pd + i * DS, cast<S, D>(load<S>(ps + i * SS)));
      }
    } else if (ss == 0) {
      const v = cast<S, D>(load<S>(ps));
      if (ds == 1) {
        for (let i: usize = 0; i < n; i++) store<D>(pd + i * DS, v);
      } else {
        let q = pd;
        for (let i: usize = 0; i < n; i++, q += dds) store<D>(q, v);
      }
    } else {
      let qs = ps, qd = pd;
      for (let i: usize = 0; i < n; i++, qs += dss, qd += dds) store<D>(qd, cast<S, D>(load<S>(qs)));
    }
    if (nd == 1 || !advance(nd, 2)) break;
    ps += <usize>(D0 * <i32>SS);
    pd += <usize>(D1 * <i32>DS);
  }
}

// @ts-ignore: decorator
@inline function copyFrom<S>(src: usize, dst: usize, dt: i32, sp: usize): void {
  switch (dt) {
    case DT.F32: copyND<S, f32>(src, dst, sp); break;
    case DT.F64: copyND<S, f64>(src, dst, sp); break;
    case DT.I32: copyND<S, i32>(src, dst, sp); break;
    case DT.BOOL: copyND<S, u8>(src, dst, sp); break;
  }
}

/** dst[idx] = cast(src[idx]) over the shape at `sp` ([ndim, shape, srcStrides, dstStrides]);
 *  src, dst: byte pointers at element 0; sdt, ddt: DT codes. */
export function copy(src: usize, sdt: i32, dst: usize, ddt: i32, sp: usize): void {
  switch (sdt) {
    case DT.F32: copyFrom<f32>(src, dst, ddt, sp); break;
    case DT.F64: copyFrom<f64>(src, dst, ddt, sp); break;
    case DT.I32: copyFrom<i32>(src, dst, ddt, sp); break;
    case DT.BOOL: copyFrom<u8>(src, dst, ddt, sp); break;
  }
}

// @ts-ignore: decorator
@inline function fillLoop<T>(p: usize, v: T, n: usize): void {
  const SZ = sizeof<T>();
  const L: usize = 16 / SZ;
  const vv = v128.splat<T>(v);
  let i: usize = 0;
  // align to 16 bytes first (p may sit at any element offset)
  while (i < n && ((p + i * SZ) & 15) != 0) { store<T>(p + i * SZ, v); i++; }
  const n4 = i + ((n - i) & ~(4 * L - 1));
  for (; i < n4; i += 4 * L) {
    const q = p + i * SZ;
    v128.store(q, vv); v128.store(q, vv, 16); v128.store(q, vv, 32); v128.store(q, vv, 48);
  }
  for (; i < n; i++) store<T>(p + i * SZ, v);
}

/** Set n elements of type dt at byte pointer p to value (cast like a typed-array store;
 *  bool: value != 0). */
export function fill(p: usize, dt: i32, value: f64, n: usize): void {
  switch (dt) {
    case DT.F32: fillLoop<f32>(p, <f32>value, n); break;
    case DT.F64: fillLoop<f64>(p, value, n); break;
    case DT.I32: fillLoop<i32>(p, toInt32(value), n); break;
    case DT.BOOL: memory.fill(p, value != 0 ? 1 : 0, n); break;
  }
}
