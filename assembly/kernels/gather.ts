// gather, scatter and scatter-add along one dimension (also index_select, its gradient
// index_add, and embedding-style lookups: an index broadcast with stride 0 elsewhere).
//
// The TS side writes [ndim, shape, aStrides, idxStrides, bStrides] into the scratch area
// (elements): `shape` is the index's shape, the loop runs over it. A is the tensor addressed
// through the index along `dim` (gather's source, scatter's output): its element is
// sum over d != dim of i_d * aStrides[d], plus index * aStrides[dim]. B follows the loop
// (gather's output, scatter's source): sum over all d of i_d * bStrides[d]. Strides may be 0.
// Every index must be in [0, dimSize): the kernels return the loop position of the first one
// that is not (before writing through it), or -1; scatter-add on int32 returns -2 when a sum
// does not fit in int32 (int32 stands in for int64: the TS side raises).
import { MAX_DIMS } from "../abi";

const COUNT = memory.data(4 * MAX_DIMS, 16);

// @ts-ignore: decorator
@inline function shapeAt(sp: usize, d: i32): i32 { return load<i32>(sp + 4 + (<usize>d << 2)); }
// @ts-ignore: decorator
@inline function strideAt(sp: usize, nd: i32, k: i32, d: i32): i32 { return load<i32>(sp + 4 + (<usize>((k + 1) * nd + d) << 2)); }

/** mode 0: gather (B = A[index]); 1: scatter (A[index] = B); 2: scatter-add (A[index] += B). */
// @ts-ignore: decorator
@inline function walk<T>(mode: i32, a: usize, index: usize, b: usize, sp: usize, dim: i32, dimSize: i32): i32 {
  const nd = load<i32>(sp);
  let total: i64 = 1;
  for (let d = 0; d < nd; d++) total *= <i64>shapeAt(sp, d);
  if (total == 0) return -1;
  const SZ = sizeof<T>();
  for (let d = 0; d < nd; d++) store<i32>(COUNT + (<usize>d << 2), 0);
  const last = nd - 1;
  // the innermost dimension runs as a plain loop (a 0-d loop is one element)
  const n = nd == 0 ? 1 : shapeAt(sp, last);
  const aIn = nd == 0 || last == dim ? 0 : strideAt(sp, nd, 0, last);
  const iIn = nd == 0 ? 0 : strideAt(sp, nd, 1, last);
  const bIn = nd == 0 ? 0 : strideAt(sp, nd, 2, last);
  const aDim: isize = nd == 0 ? 0 : <isize>strideAt(sp, nd, 0, dim);
  let aOff: isize = 0, iOff: isize = 0, bOff: isize = 0;
  let pos: i32 = 0;
  let overflow = false;
  while (true) {
    let ap = aOff, ip = iOff, bp = bOff;
    for (let j = 0; j < n; j++, ap += aIn, ip += iIn, bp += bIn, pos++) {
      const v = load<i32>(index + (<usize>ip << 2));
      if (v < 0 || v >= dimSize) return pos;
      const at = a + (<usize>(ap + <isize>v * aDim) * SZ);
      const bt = b + <usize>bp * SZ;
      if (mode == 0) store<T>(bt, load<T>(at));
      else if (mode == 1) store<T>(at, load<T>(bt));
      else if (isInteger<T>()) {
        const sum = <i64>load<i32>(at) + <i64>load<i32>(bt);
        if (sum != <i64><i32>sum) overflow = true;
        store<i32>(at, <i32>sum);
      } else store<T>(at, load<T>(at) + load<T>(bt));
    }
    // advance the outer dimensions, odometer-style
    let d = last - 1;
    for (; d >= 0; d--) {
      const cp = COUNT + (<usize>d << 2);
      const c = load<i32>(cp) + 1;
      const ad: isize = d == dim ? 0 : <isize>strideAt(sp, nd, 0, d);
      const id: isize = <isize>strideAt(sp, nd, 1, d);
      const bd: isize = <isize>strideAt(sp, nd, 2, d);
      if (c < shapeAt(sp, d)) {
        store<i32>(cp, c);
        aOff += ad; iOff += id; bOff += bd;
        break;
      }
      store<i32>(cp, 0);
      const back = <isize>(c - 1);
      aOff -= ad * back; iOff -= id * back; bOff -= bd * back;
    }
    if (d < 0) break;
  }
  return overflow ? -2 : -1;
}

/** out (B, contiguous over the index's shape) = src (A) gathered along dim. By element size:
 *  1 (bool), 4 (float32, int32), 8 (float64) bytes. */
export function gather_1(src: usize, index: usize, out: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u8>(0, src, index, out, sp, dim, dimSize); }
export function gather_4(src: usize, index: usize, out: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u32>(0, src, index, out, sp, dim, dimSize); }
export function gather_8(src: usize, index: usize, out: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u64>(0, src, index, out, sp, dim, dimSize); }
/** out (A) along dim at the index = src (B); by element size as gather. */
export function scatter_1(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u8>(1, out, index, src, sp, dim, dimSize); }
export function scatter_4(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u32>(1, out, index, src, sp, dim, dimSize); }
export function scatter_8(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<u64>(1, out, index, src, sp, dim, dimSize); }
/** out (A) along dim at the index += src (B), in the order of the loop. */
export function scatter_add_f32(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<f32>(2, out, index, src, sp, dim, dimSize); }
export function scatter_add_f64(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<f64>(2, out, index, src, sp, dim, dimSize); }
export function scatter_add_i32(out: usize, index: usize, src: usize, sp: usize, dim: i32, dimSize: i32): i32 { return walk<i32>(2, out, index, src, sp, dim, dimSize); }
