// Cumulative sums and products along the middle axis of a contiguous [outer, axis, inner]
// block (cumsum, cumprod), forward or from the end (reverse: the gradient of cumsum), and
// cumprod's gradient. As PyTorch's CPU kernels, float32 accumulates in float64 (acc_type)
// and rounds each output. inner > 1 runs SIMD across inner (each lane its own column);
// inner == 1 is a sequential loop per row (a scan has no parallelism along the axis).
//
// int32 stands in for int64: sums and products accumulate exactly in i64 and the kernel
// returns non-zero when an output does not fit in int32 (the TS side raises).
import { Scan } from "../abi";

/** float32 scan: four lanes of inner at a time, accumulated as two f64x2. */
function scanF32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: bool): void {
  const step: isize = reverse ? -<isize>(inner << 2) : <isize>(inner << 2);
  const first: usize = reverse ? (axis - 1) * inner << 2 : 0;
  for (let o: usize = 0; o < outer; o++) {
    const base = o * axis * inner << 2;
    let j: usize = 0;
    const j4 = inner & ~(<usize>3);
    for (; j < j4; j += 4) {
      let lo = f64x2.splat(op == Scan.SUM ? 0.0 : 1.0), hi = lo;
      let p = base + first + (j << 2);
      for (let k: usize = 0; k < axis; k++, p += step) {
        const v = v128.load(x + p);
        const vl = f64x2.promote_low_f32x4(v);
        const vh = f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 0, 1));
        if (op == Scan.SUM) { lo = f64x2.add(lo, vl); hi = f64x2.add(hi, vh); }
        else { lo = f64x2.mul(lo, vl); hi = f64x2.mul(hi, vh); }
        v128.store(out + p, v128.shuffle<i32>(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5));
      }
    }
    for (; j < inner; j++) {
      let acc: f64 = op == Scan.SUM ? 0.0 : 1.0;
      let p = base + first + (j << 2);
      for (let k: usize = 0; k < axis; k++, p += step) {
        const v = <f64>load<f32>(x + p);
        acc = op == Scan.SUM ? acc + v : acc * v;
        store<f32>(out + p, <f32>acc);
      }
    }
  }
}

function scanF64(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: bool): void {
  const step: isize = reverse ? -<isize>(inner << 3) : <isize>(inner << 3);
  const first: usize = reverse ? (axis - 1) * inner << 3 : 0;
  for (let o: usize = 0; o < outer; o++) {
    const base = o * axis * inner << 3;
    let j: usize = 0;
    const j2 = inner & ~(<usize>1);
    for (; j < j2; j += 2) {
      let acc = f64x2.splat(op == Scan.SUM ? 0.0 : 1.0);
      let p = base + first + (j << 3);
      for (let k: usize = 0; k < axis; k++, p += step) {
        acc = op == Scan.SUM ? f64x2.add(acc, v128.load(x + p)) : f64x2.mul(acc, v128.load(x + p));
        v128.store(out + p, acc);
      }
    }
    for (; j < inner; j++) {
      let acc: f64 = op == Scan.SUM ? 0.0 : 1.0;
      let p = base + first + (j << 3);
      for (let k: usize = 0; k < axis; k++, p += step) {
        const v = load<f64>(x + p);
        acc = op == Scan.SUM ? acc + v : acc * v;
        store<f64>(out + p, acc);
      }
    }
  }
}

/** int32: exact in i64; returns 1 when an output does not fit in int32 (it is stored wrapped). */
function scanI32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: bool): i32 {
  const step: isize = reverse ? -<isize>(inner << 2) : <isize>(inner << 2);
  const first: usize = reverse ? (axis - 1) * inner << 2 : 0;
  let bad: i32 = 0;
  for (let o: usize = 0; o < outer; o++) {
    const base = o * axis * inner << 2;
    for (let j: usize = 0; j < inner; j++) {
      let acc: i64 = op == Scan.SUM ? 0 : 1;
      let p = base + first + (j << 2);
      for (let k: usize = 0; k < axis; k++, p += step) {
        const v = <i64>load<i32>(x + p);
        // once an output did not fit, the rest no longer matter: keep acc from overflowing i64
        acc = op == Scan.SUM ? acc + v : acc * v;
        if (acc != <i64><i32>acc) { bad = 1; acc = <i64><i32>acc; }
        store<i32>(out + p, <i32>acc);
      }
    }
  }
  return bad;
}

/** out = cumsum (op SUM) or cumprod (PROD) of x along the axis; from the end when reverse != 0. */
export function scan_f32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: i32): void {
  if (op == Scan.SUM) scanF32(Scan.SUM, x, outer, axis, inner, out, reverse != 0);
  else scanF32(Scan.PROD, x, outer, axis, inner, out, reverse != 0);
}
export function scan_f64(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: i32): void {
  if (op == Scan.SUM) scanF64(Scan.SUM, x, outer, axis, inner, out, reverse != 0);
  else scanF64(Scan.PROD, x, outer, axis, inner, out, reverse != 0);
}
/** int32: returns 1 when an output did not fit in int32, else 0. */
export function scan_i32(op: i32, x: usize, outer: usize, axis: usize, inner: usize, out: usize, reverse: i32): i32 {
  return op == Scan.SUM ? scanI32(Scan.SUM, x, outer, axis, inner, out, reverse != 0) : scanI32(Scan.PROD, x, outer, axis, inner, out, reverse != 0);
}

/**
 * The gradient of cumprod along the axis, exact with zeros and without division: for
 * y_k = x_0 ... x_k, dx_i = P_i S_i with P_i = x_0 ... x_(i-1) and S_i = g_i + x_(i+1) S_(i+1)
 * (S_(n-1) = g_(n-1)). One pass from the end writes S, one from the start multiplies in P.
 * float32 accumulates in float64 (S is kept in the float32 output between the passes).
 */
export function cumprod_backward_f32(x: usize, g: usize, outer: usize, axis: usize, inner: usize, out: usize): void {
  const st = inner << 2;
  for (let o: usize = 0; o < outer; o++) {
    for (let j: usize = 0; j < inner; j++) {
      const col = (o * axis * inner + j) << 2;
      let s: f64 = 0, next: f64 = 0;
      for (let k = <isize>axis - 1; k >= 0; k--) {
        const p = col + <usize>k * st;
        s = <f64>load<f32>(g + p) + next * s;
        next = <f64>load<f32>(x + p);
        store<f32>(out + p, <f32>s); // S_k, rounded once more below: about an ulp in all
      }
      let prefix: f64 = 1;
      for (let k: usize = 0; k < axis; k++) {
        const p = col + k * st;
        store<f32>(out + p, <f32>(prefix * <f64>load<f32>(out + p)));
        prefix *= <f64>load<f32>(x + p);
      }
    }
  }
}

export function cumprod_backward_f64(x: usize, g: usize, outer: usize, axis: usize, inner: usize, out: usize): void {
  const st = inner << 3;
  for (let o: usize = 0; o < outer; o++) {
    for (let j: usize = 0; j < inner; j++) {
      const col = (o * axis * inner + j) << 3;
      let s: f64 = 0, next: f64 = 0;
      for (let k = <isize>axis - 1; k >= 0; k--) {
        const p = col + <usize>k * st;
        s = load<f64>(g + p) + next * s;
        next = load<f64>(x + p);
        store<f64>(out + p, s);
      }
      let prefix: f64 = 1;
      for (let k: usize = 0; k < axis; k++) {
        const p = col + k * st;
        store<f64>(out + p, prefix * load<f64>(out + p));
        prefix *= load<f64>(x + p);
      }
    }
  }
}
