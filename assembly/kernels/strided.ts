// Shared N-d iteration for the strided kernels (binary, where, copy).
//
// The TS side writes a small i32 block into the scratch area:
//   [ndim, shape[ndim], strides of operand 0 [ndim], strides of operand 1 [ndim], ...]
// (strides in elements, may be 0 or negative). `coalesce` drops size-1 dimensions and
// merges adjacent dimensions that are contiguous for every operand into a static work
// area, innermost first, so a contiguous or fully broadcast operand set becomes one flat
// run and a kernel only loops over what really is strided.
import { MAX_DIMS } from "../abi";

// Work area (static, not allocated per call): shape, K <= 3 stride rows, counters.
export const WORK = memory.data(4 * MAX_DIMS * 5, 16);
// @ts-ignore: decorator
@inline export const W_SHAPE: usize = 0;
// @ts-ignore: decorator
@inline export const W_CNT: usize = 4 * MAX_DIMS * 4;

// @ts-ignore: decorator
@inline export function wShape(d: i32): i32 { return load<i32>(WORK + (<usize>d << 2)); }
// @ts-ignore: decorator
@inline export function wStride(k: i32, d: i32): i32 {
  return load<i32>(WORK + (<usize>(k + 1) * MAX_DIMS << 2) + (<usize>d << 2));
}

/**
 * Coalesce `k` strided operands described at `sp`. Returns the number of dimensions
 * left (>= 1; a scalar becomes one dimension of size 1), or 0 when the shape is empty.
 */
export function coalesce(sp: usize, k: i32): i32 {
  const nd = load<i32>(sp);
  const shp = sp + 4;
  let out = 0;
  for (let d = nd - 1; d >= 0; d--) {
    const s = load<i32>(shp + (<usize>d << 2));
    if (s <= 0) return 0;
    if (s == 1) continue;
    if (out > 0) {
      const prev = out - 1;
      const ps = load<i32>(WORK + (<usize>prev << 2));
      let merge = true;
      for (let q = 0; q < k; q++) {
        const st = load<i32>(shp + (<usize>((q + 1) * nd + d) << 2));
        if (st != ps * wStride(q, prev)) { merge = false; break; }
      }
      if (merge) {
        store<i32>(WORK + (<usize>prev << 2), ps * s);
        continue;
      }
    }
    store<i32>(WORK + (<usize>out << 2), s);
    for (let q = 0; q < k; q++) {
      store<i32>(WORK + (<usize>(q + 1) * MAX_DIMS << 2) + (<usize>out << 2), load<i32>(shp + (<usize>((q + 1) * nd + d) << 2)));
    }
    out++;
  }
  if (out == 0) {
    store<i32>(WORK, 1);
    for (let q = 0; q < k; q++) store<i32>(WORK + (<usize>(q + 1) * MAX_DIMS << 2), 0);
    out = 1;
  }
  for (let d = 0; d < out; d++) store<i32>(WORK + W_CNT + (<usize>d << 2), 0);
  return out;
}

/** Element deltas of operands 0..2 from the last `advance`. */
export let D0: i32 = 0;
export let D1: i32 = 0;
export let D2: i32 = 0;

/** Advance the outer odometer (dimensions from..nd-1) by one step; false when done. */
export function advance(nd: i32, k: i32, from: i32 = 1): bool {
  let d0: i32 = 0, d1: i32 = 0, d2: i32 = 0;
  for (let d = from; d < nd; d++) {
    const cp = WORK + W_CNT + (<usize>d << 2);
    const c = load<i32>(cp) + 1;
    const s = wShape(d);
    if (c < s) {
      store<i32>(cp, c);
      D0 = d0 + wStride(0, d);
      D1 = k > 1 ? d1 + wStride(1, d) : 0;
      D2 = k > 2 ? d2 + wStride(2, d) : 0;
      return true;
    }
    store<i32>(cp, 0);
    const back = s - 1;
    d0 -= wStride(0, d) * back;
    if (k > 1) d1 -= wStride(1, d) * back;
    if (k > 2) d2 -= wStride(2, d) * back;
  }
  return false;
}
