/**
 * The pure-TypeScript backend: plain loops over typed arrays. It is the reference the
 * Wasm backend is checked against and the baseline the benchmarks compare with.
 * A handle is the typed array itself; nothing is allocated per element.
 */
import { Bin, Pool, Red, Scan, Un, type Backend, type BinOp, type ConvGeometry, type Handle, type PoolGeometry, type PoolOp, type RedOp, type ScanOp, type UnOp, type LossOp } from "../backend.js";
import { sortColumns, topkColumns } from "../sorting.js";
import { itemSize, typedArrayFor, type DType, type TypedArray } from "../../dtype.js";
import { unaryExtra, unaryGrad } from "./math.js";
import { layerNormBackwardLoops, layerNormLoops, softmaxBackwardLoops, softmaxLoops } from "./normalization.js";
import * as bn from "./batchnorm.js";
import { lossLoop, lossGradLoop } from "./loss.js";

type Arr = TypedArray;
const MAX_BYTES = 2 ** 31;

function outOfMemory(bytes: number): Error {
  return new Error(`not enough memory: you tried to allocate ${bytes} bytes`);
}

const unaryFns: ((x: number) => number)[] = [];
unaryFns[Un.NEG] = (x) => -x;
unaryFns[Un.ABS] = Math.abs;
unaryFns[Un.EXP] = Math.exp;
unaryFns[Un.LOG] = Math.log;
unaryFns[Un.SQRT] = Math.sqrt;
unaryFns[Un.SIN] = Math.sin;
unaryFns[Un.COS] = Math.cos;
unaryFns[Un.TANH] = Math.tanh;
unaryFns[Un.SIGMOID] = (x) => 1 / (1 + Math.exp(-x));
unaryFns[Un.RELU] = (x) => (x < 0 ? 0 : x); // keeps NaN and -0
unaryFns[Un.SIGN] = (x) => (x > 0 ? 1 : x < 0 ? -1 : 0); // sign(NaN) = 0, as PyTorch
for (const op of [Un.LOG1P, Un.EXPM1, Un.RSQRT, Un.RECIPROCAL, Un.ERF, Un.FLOOR, Un.CEIL, Un.ROUND, Un.TRUNC, Un.SILU, Un.GELU, Un.GELU_TANH, Un.LOG_SIGMOID]) {
  unaryFns[op] = (x) => unaryExtra(op, x, 0, 0);
}

// int32 stands in for PyTorch's int64: int32 arithmetic wraps as the wasm kernels do, and
// notes here whether an exact result did not fit (unary/binary/reduce then return true)
let int32Overflow = false;

/** Whether the exact integer x (or a float64 rounding of one: rounding happens only far
 *  outside the int32 range) is outside the int32 range. */
function outsideInt32(x: number): boolean {
  return (x | 0) !== x;
}

/** Integer power by repeated squaring with int32 wrap-around, as PyTorch's integer pow.
 *  The exact result overflows when a product taken into it does, or when the base squared
 *  does while exponent bits remain (a later factor is then at least that square). */
function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b & 1 ? -1 : 1) : 0;
  let result = 1, base = a | 0, e = b;
  while (e > 0) {
    if (e & 1) {
      if (outsideInt32(result * base)) int32Overflow = true;
      result = Math.imul(result, base);
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      if (outsideInt32(base * base)) int32Overflow = true;
      base = Math.imul(base, base);
    }
  }
  return result;
}

/** C's pow, as PyTorch computes it: pow(1, y) = 1 even for NaN, pow(-1, +-inf) = 1. */
function cPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return Math.pow(a, b);
}

const binaryFns: ((a: number, b: number) => number)[] = [];
binaryFns[Bin.ADD] = (a, b) => a + b;
binaryFns[Bin.SUB] = (a, b) => a - b;
binaryFns[Bin.MUL] = (a, b) => a * b;
binaryFns[Bin.DIV] = (a, b) => a / b;
binaryFns[Bin.POW] = cPow;
// std::max / std::min with NaN from either side: ties (+0, -0) keep a, as the wasm kernels
binaryFns[Bin.MAXIMUM] = (a, b) => (b !== b ? b : a < b ? b : a);
binaryFns[Bin.MINIMUM] = (a, b) => (b !== b ? b : b < a ? b : a);
binaryFns[Bin.EQ] = (a, b) => (a === b ? 1 : 0);
binaryFns[Bin.NE] = (a, b) => (a !== b ? 1 : 0);
binaryFns[Bin.LT] = (a, b) => (a < b ? 1 : 0);
binaryFns[Bin.LE] = (a, b) => (a <= b ? 1 : 0);
binaryFns[Bin.GT] = (a, b) => (a > b ? 1 : 0);
binaryFns[Bin.GE] = (a, b) => (a >= b ? 1 : 0);
binaryFns[Bin.ATAN2] = Math.atan2;

/** Integer results of int32 arithmetic wrap like int32 (noting overflow) and divide truncating. */
function intBinary(op: BinOp): (a: number, b: number) => number {
  switch (op) {
    case Bin.ADD: return (a, b) => { const r = a + b; if (outsideInt32(r)) int32Overflow = true; return r | 0; };
    case Bin.SUB: return (a, b) => { const r = a - b; if (outsideInt32(r)) int32Overflow = true; return r | 0; };
    case Bin.MUL: return (a, b) => { if (outsideInt32(a * b)) int32Overflow = true; return Math.imul(a, b); };
    case Bin.DIV: return (a, b) => (b === 0 ? 0 : (a / b) | 0);
    case Bin.POW: return intPow;
    default: return binaryFns[op]!;
  }
}

/**
 * Visit every index of `shape` in row-major order, calling `body` with the flat
 * positions of up to three strided operands. The innermost dimension runs as a
 * tight loop; outer dimensions advance odometer-style (no allocation per element).
 */
function forEachStrided3(
  shape: readonly number[],
  s0: readonly number[], o0: number,
  s1: readonly number[], o1: number,
  s2: readonly number[], o2: number,
  body: (i: number, p0: number, p1: number, p2: number) => void,
): void {
  const nd = shape.length;
  let total = 1;
  for (let d = 0; d < nd; d++) total *= shape[d]!;
  if (total === 0) return;
  if (nd === 0) { body(0, o0, o1, o2); return; }
  const inner = shape[nd - 1]!;
  const i0 = s0[nd - 1]!, i1 = s1[nd - 1]!, i2 = s2[nd - 1]!;
  const idx = new Array<number>(nd).fill(0);
  let p0 = o0, p1 = o1, p2 = o2;
  let out = 0;
  for (;;) {
    for (let j = 0, q0 = p0, q1 = p1, q2 = p2; j < inner; j++, q0 += i0, q1 += i1, q2 += i2) body(out++, q0, q1, q2);
    // advance the outer odometer
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]!++;
      p0 += s0[d]!; p1 += s1[d]!; p2 += s2[d]!;
      if (idx[d]! < shape[d]!) break;
      p0 -= s0[d]! * shape[d]!; p1 -= s1[d]! * shape[d]!; p2 -= s2[d]! * shape[d]!;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

const NO_STRIDES: number[] = [];

function allZero(strides: readonly number[]): boolean {
  for (let d = 0; d < strides.length; d++) if (strides[d] !== 0) return false;
  return true;
}

// Row kernels: one innermost row of a strided op each, as top-level functions that take their
// arrays, offsets and strides as arguments. A closure's loop reads what it captured from its
// context on every element: the same where row ran 2-3x slower as a closure's loop.

/** The hot float arithmetic, one plain loop per op (no call per element). */
function arithmeticRow(op: BinOp, x: Arr, px: number, sx: number, y: Arr, py: number, sy: number, o: Arr, po: number, n: number): void {
  const end = po + n;
  switch (op) {
    case Bin.ADD: for (; po < end; po++, px += sx, py += sy) o[po] = x[px]! + y[py]!; return;
    case Bin.SUB: for (; po < end; po++, px += sx, py += sy) o[po] = x[px]! - y[py]!; return;
    case Bin.MUL: for (; po < end; po++, px += sx, py += sy) o[po] = x[px]! * y[py]!; return;
    default: for (; po < end; po++, px += sx, py += sy) o[po] = x[px]! / y[py]!; return;
  }
}
function binaryRow(f: (a: number, b: number) => number, x: Arr, px: number, sx: number, y: Arr, py: number, sy: number, o: Arr, po: number, n: number): void {
  for (const end = po + n; po < end; po++, px += sx, py += sy) o[po] = f(x[px]!, y[py]!);
}
function whereRow(c: Arr, pc: number, sc: number, x: Arr, px: number, sx: number, y: Arr, py: number, sy: number, o: Arr, po: number, n: number): void {
  for (const end = po + n; po < end; po++, pc += sc, px += sx, py += sy) o[po] = c[pc] ? x[px]! : y[py]!;
}
function copyRow(s: Arr, ps: number, ss: number, d: Arr, pd: number, sd: number, n: number): void {
  for (let j = 0; j < n; j++, ps += ss, pd += sd) d[pd] = s[ps]!;
}
function castRow(cast: (x: number) => number, s: Arr, ps: number, ss: number, d: Arr, pd: number, sd: number, n: number): void {
  for (let j = 0; j < n; j++, ps += ss, pd += sd) d[pd] = cast(s[ps]!);
}

/** The innermost dimension's length and the operands' strides along it (1 and 0s for a 0-d shape). */
function innermost(shape: readonly number[]): number { return shape.length === 0 ? 1 : shape[shape.length - 1]!; }
function lastStride(strides: readonly number[], nd: number): number { return nd === 0 ? 0 : strides[nd - 1]!; }
/** The shape without its innermost dimension (visit each row once). */
function rowsOf(shape: readonly number[]): readonly number[] { return shape.length === 0 ? shape : shape.slice(0, -1); }

/** arithmeticRow's contiguous case, kept apart: it is the per-op path of small tensors, and as a
 *  row of stride 1 a 4-element add cost 1.7% more instructions (bench/instructions.js). */
function arithmeticLoop(op: BinOp, x: Arr, xo: number, y: Arr, yo: number, yConst: boolean, o: Arr, n: number): void {
  if (yConst) {
    const c = y[yo]!;
    switch (op) {
      case Bin.ADD: for (let i = 0; i < n; i++) o[i] = x[xo + i]! + c; return;
      case Bin.SUB: for (let i = 0; i < n; i++) o[i] = x[xo + i]! - c; return;
      case Bin.MUL: for (let i = 0; i < n; i++) o[i] = x[xo + i]! * c; return;
      default: for (let i = 0; i < n; i++) o[i] = x[xo + i]! / c; return;
    }
  }
  switch (op) {
    case Bin.ADD: for (let i = 0; i < n; i++) o[i] = x[xo + i]! + y[yo + i]!; return;
    case Bin.SUB: for (let i = 0; i < n; i++) o[i] = x[xo + i]! - y[yo + i]!; return;
    case Bin.MUL: for (let i = 0; i < n; i++) o[i] = x[xo + i]! * y[yo + i]!; return;
    default: for (let i = 0; i < n; i++) o[i] = x[xo + i]! / y[yo + i]!; return;
  }
}
function zeros(n: number): number[] { return n === 0 ? NO_STRIDES : new Array<number>(n).fill(0); }

function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

function castFn(from: DType, to: DType): (x: number) => number {
  if (to === "bool") return (x) => (x !== 0 ? 1 : 0); // NaN != 0 -> true, as PyTorch
  if (to === "int32" && (from === "float32" || from === "float64")) return (x) => Math.trunc(x) | 0;
  return (x) => x;
}

/**
 * A float product of n >= 1 contiguous elements in the wasm kernel's order (rowVec in
 * assembly/kernels/reduce.ts), so both backends give the same bits: from 16 float32 / 8 float64
 * elements on, the lanes of four vector accumulators each multiply every 16th / 8th element,
 * the accumulators are multiplied together ((0 * 1) * (2 * 3) lane by lane), then the lanes in
 * order, then the tail. The order matters beyond rounding: a lane that overflows to inf before
 * it meets a zero makes the product NaN (as PyTorch's own vectorized loop does), where one
 * running product would have stayed 0.
 */
function rowProduct(a: Arr, p: number, n: number, f32: boolean): number {
  const r = f32 ? Math.fround : (v: number) => v;
  const L = f32 ? 4 : 2, W = 4 * L;
  let acc: number;
  let i: number;
  if (n >= W) {
    const lanes = new Float64Array(W);
    for (let k = 0; k < W; k++) lanes[k] = a[p + k]!;
    const nw = n - (n % W);
    for (i = W; i < nw; i += W) for (let k = 0; k < W; k++) lanes[k] = r(lanes[k]! * a[p + i + k]!);
    acc = 1;
    for (let l = 0; l < L; l++) {
      const v = r(r(lanes[l]! * lanes[L + l]!) * r(lanes[2 * L + l]! * lanes[3 * L + l]!));
      acc = l === 0 ? v : r(acc * v);
    }
    i = nw;
  } else {
    acc = a[p]!;
    i = 1;
  }
  for (; i < n; i++) acc = r(acc * a[p + i]!);
  return acc;
}

export class JsBackend implements Backend {
  readonly name = "js" as const;

  alloc(dtype: DType, numel: number): Handle {
    const bytes = numel * itemSize(dtype);
    if (bytes > MAX_BYTES) throw outOfMemory(bytes);
    try {
      return typedArrayFor(dtype, numel);
    } catch {
      throw outOfMemory(bytes);
    }
  }

  free(_h: Handle): void { /* garbage-collected */ }

  write(h: Handle, _dtype: DType, src: TypedArray, offset: number): void {
    (h as Arr).set(src, offset);
  }

  read(h: Handle, _dtype: DType, offset: number, numel: number): TypedArray {
    return (h as Arr).slice(offset, offset + numel);
  }

  fill(h: Handle, dtype: DType, value: number, offset: number, n: number): void {
    const v = dtype === "bool" ? (value !== 0 ? 1 : 0) : value;
    (h as Arr).fill(v, offset, offset + n);
  }

  copy(
    src: Handle, srcDtype: DType, srcOffset: number, srcStrides: readonly number[],
    dst: Handle, dstDtype: DType, dstOffset: number, dstStrides: readonly number[],
    shape: readonly number[],
  ): void {
    const s = src as Arr, d = dst as Arr;
    if (srcDtype === dstDtype && isContiguous(shape, srcStrides) && isContiguous(shape, dstStrides)) {
      let n = 1;
      for (const x of shape) n *= x;
      d.set(s.subarray(srcOffset, srcOffset + n), dstOffset);
      return;
    }
    const nd = shape.length, inner = innermost(shape), ss = lastStride(srcStrides, nd), sd = lastStride(dstStrides, nd);
    if (srcDtype === dstDtype) {
      forEachStrided3(rowsOf(shape), srcStrides, srcOffset, dstStrides, dstOffset, zeros(nd), 0,
        (_r, ps, pd) => copyRow(s, ps, ss, d, pd, sd, inner));
    } else {
      const cast = castFn(srcDtype, dstDtype);
      forEachStrided3(rowsOf(shape), srcStrides, srcOffset, dstStrides, dstOffset, zeros(nd), 0,
        (_r, ps, pd) => castRow(cast, s, ps, ss, d, pd, sd, inner));
    }
  }

  unary(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number): boolean {
    const a = x as Arr, o = out as Arr;
    // (an op with parameters run here, as the wasm kernel does, takes them as 0)
    const f = unaryFns[op] ?? ((v: number) => unaryExtra(op, v, 0, 0));
    if (dtype === "int32" && (op === Un.NEG || op === Un.ABS)) {
      // -x and |x| overflow for -2^31 only (and wrap back to it, as the wasm kernel)
      let overflow = false;
      for (let i = 0; i < n; i++) {
        const v = a[xOffset + i]!;
        if (v === -2147483648) overflow = true;
        o[i] = op === Un.NEG ? -v | 0 : Math.abs(v) | 0;
      }
      return overflow;
    }
    for (let i = 0; i < n; i++) o[i] = f(a[xOffset + i]!);
    return false;
  }

  binary(
    op: BinOp, dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): boolean {
    const x = a as Arr, y = b as Arr, o = out as Arr;
    const f = dtype === "int32" ? intBinary(op) : binaryFns[op]!;
    const nd = shape.length;
    let n = 1;
    for (let d = 0; d < nd; d++) n *= shape[d]!;
    if (n === 0) return false;
    const aFlat = isContiguous(shape, aStrides), bFlat = isContiguous(shape, bStrides);
    const bConst = allZero(bStrides);
    const arithmetic = dtype !== "int32" && op <= Bin.DIV;
    if (arithmetic && aFlat && (bFlat || bConst)) {
      arithmeticLoop(op, x, aOffset, y, bOffset, bConst, o, n);
      return false;
    }
    int32Overflow = false;
    if (aFlat && bFlat) {
      for (let i = 0; i < n; i++) o[i] = f(x[aOffset + i]!, y[bOffset + i]!);
      return int32Overflow;
    }
    const inner = innermost(shape), sa = lastStride(aStrides, nd), sb = lastStride(bStrides, nd);
    forEachStrided3(rowsOf(shape), aStrides, aOffset, bStrides, bOffset, zeros(nd), 0, arithmetic
      ? (r, pa, pb) => arithmeticRow(op, x, pa, sa, y, pb, sb, o, r * inner, inner)
      : (r, pa, pb) => binaryRow(f, x, pa, sa, y, pb, sb, o, r * inner, inner));
    return int32Overflow;
  }

  where(
    _dtype: DType,
    cond: Handle, cOffset: number, cStrides: readonly number[],
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): void {
    const c = cond as Arr, x = a as Arr, y = b as Arr, o = out as Arr;
    const nd = shape.length, inner = innermost(shape);
    const sc = lastStride(cStrides, nd), sa = lastStride(aStrides, nd), sb = lastStride(bStrides, nd);
    forEachStrided3(rowsOf(shape), cStrides, cOffset, aStrides, aOffset, bStrides, bOffset,
      (r, pc, pa, pb) => whereRow(c, pc, sc, x, pa, sa, y, pb, sb, o, r * inner, inner));
  }

  reduce(op: RedOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): boolean {
    const a = x as Arr, o = out as Arr;
    const int = dtype === "int32";
    let overflow = false;
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < inner; j++) {
        const base = xOffset + i * axis * inner + j;
        let acc: number;
        switch (op) {
          case Red.SUM:
            if (int) {
              // exact at any length: the high and low 16 bits summed apart stay far below 2^53
              let hi = 0, lo = 0;
              for (let k = 0; k < axis; k++) { const v = a[base + k * inner]!; hi += v >> 16; lo += v & 0xffff; }
              if (outsideInt32(hi * 65536 + lo)) overflow = true;
              acc = (((hi * 65536) | 0) + lo) | 0; // the wrapped sum, as the wasm kernel's
              break;
            }
            acc = 0; for (let k = 0; k < axis; k++) acc += a[base + k * inner]!; break;
          // products accumulate in the dtype, as PyTorch (float32 underflows); an int32 product
          // wraps, and overflowed when a partial product did, unless a factor is zero
          case Red.PROD:
            acc = 1;
            if (int) {
              let over = false, zero = false;
              for (let k = 0; k < axis; k++) {
                const v = a[base + k * inner]!;
                if (outsideInt32(acc * v)) over = true;
                if (v === 0) zero = true;
                acc = Math.imul(acc, v);
              }
              if (over && !zero) overflow = true;
            } else if (inner === 1 && axis > 0) acc = rowProduct(a, base, axis, dtype === "float32");
            else if (dtype === "float32") for (let k = 0; k < axis; k++) acc = Math.fround(acc * a[base + k * inner]!);
            else for (let k = 0; k < axis; k++) acc *= a[base + k * inner]!;
            break;
          case Red.MAX: case Red.MIN: case Red.ARGMAX: case Red.ARGMIN: {
            const isMax = op === Red.MAX || op === Red.ARGMAX;
            let best = a[base]!, bi = 0;
            if (best === best) {
              for (let k = 1; k < axis; k++) {
                const v = a[base + k * inner]!;
                if (v !== v) { best = v; bi = k; break; }
                if (isMax ? v > best : v < best) { best = v; bi = k; }
              }
            }
            acc = op === Red.MAX || op === Red.MIN ? best : bi;
            break;
          }
          // NaN if any, else the last of tied extremes (+0 vs -0), as the wasm kernel
          case Red.MAX_LAST: case Red.MIN_LAST: {
            const isMax = op === Red.MAX_LAST;
            let best = a[base]!;
            for (let k = 1; k < axis && best === best; k++) {
              const v = a[base + k * inner]!;
              if (v !== v || (isMax ? v >= best : v <= best)) best = v;
            }
            acc = best;
            break;
          }
          default: throw new Error(`unknown reduction ${op}`);
        }
        o[i * inner + j] = acc;
      }
    }
    return overflow;
  }

  matmul(
    _dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, batch: number, m: number, k: number, n: number,
  ): void {
    const x = a as Arr, y = b as Arr, o = out as Arr;
    const [abs, ars, acs] = aStrides as [number, number, number];
    const [bbs, brs, bcs] = bStrides as [number, number, number];
    // rows of out accumulated in float64 (one buffer per call), i-k-j order so the inner
    // loop walks a row of b; four rows of a at a time share each load of b
    const acc = new Float64Array(4 * n);
    for (let bi = 0; bi < batch; bi++) {
      const aBase = aOffset + bi * abs, bBase = bOffset + bi * bbs, oBase = bi * m * n;
      let i = 0;
      for (; i + 4 <= m; i += 4) {
        acc.fill(0);
        const r0 = aBase + i * ars, r1 = r0 + ars, r2 = r1 + ars, r3 = r2 + ars;
        for (let p = 0; p < k; p++) {
          const a0 = x[r0 + p * acs]!, a1 = x[r1 + p * acs]!, a2 = x[r2 + p * acs]!, a3 = x[r3 + p * acs]!;
          const brow = bBase + p * brs;
          for (let j = 0, q = brow; j < n; j++, q += bcs) {
            const bv = y[q]!;
            acc[j]! += a0 * bv;
            acc[n + j]! += a1 * bv;
            acc[2 * n + j]! += a2 * bv;
            acc[3 * n + j]! += a3 * bv;
          }
        }
        o.set(acc.subarray(0, 4 * n), oBase + i * n);
      }
      for (; i < m; i++) {
        acc.fill(0, 0, n);
        const arow = aBase + i * ars;
        for (let p = 0; p < k; p++) {
          const av = x[arow + p * acs]!;
          const brow = bBase + p * brs;
          for (let j = 0, q = brow; j < n; j++, q += bcs) acc[j]! += av * y[q]!;
        }
        o.set(acc.subarray(0, n), oBase + i * n);
      }
    }
  }

  // Convolutions as direct loops over whole rows, four channels at a time (one input element
  // read feeds four accumulators). Every output (or gradient) element accumulates in float64 in
  // the same order as a one-channel loop would: over the taps (ci, kh, kw), or for the weight
  // gradient over (n, oh, ow).

  conv2d(
    _dtype: DType, x: Handle, xOffset: number, w: Handle, wOffset: number,
    bias: Handle | null, bOffset: number, out: Handle, g: ConvGeometry,
  ): void {
    const X = x as Arr, Wt = w as Arr, O = out as Arr, B = bias as Arr | null;
    const { n: N, cin, h: H, w: W, cout, kh: KH, kw: KW, ho: Ho, wo: Wo, sh, sw, ph, pw, dh, dw, groups: G } = g;
    const cinG = cin / G, coutG = cout / G, plane = Ho * Wo, taps = cinG * KH * KW;
    const acc = new Float64Array(4 * plane);
    for (let n = 0; n < N; n++) {
      for (let grp = 0; grp < G; grp++) {
        const coEnd = (grp + 1) * coutG;
        for (let co0 = grp * coutG; co0 < coEnd; co0 += 4) {
          const nb = Math.min(4, coEnd - co0);
          for (let j = 0; j < 4; j++) acc.fill(j < nb && B !== null ? B[bOffset + co0 + j]! : 0, j * plane, (j + 1) * plane);
          for (let ci = 0; ci < cinG; ci++) {
            const xc = xOffset + (n * cin + grp * cinG + ci) * H * W;
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const wi = wOffset + ((co0 * cinG + ci) * KH + kh) * KW + kw;
                // rows past nb take weight 0: their sums are never copied out
                const w0 = Wt[wi]!, w1 = nb > 1 ? Wt[wi + taps]! : 0, w2 = nb > 2 ? Wt[wi + 2 * taps]! : 0, w3 = nb > 3 ? Wt[wi + 3 * taps]! : 0;
                // the padding's zeros are multiplied too, as in PyTorch (0 * inf is NaN)
                const padded = w0 * 0 !== 0 || w1 * 0 !== 0 || w2 * 0 !== 0 || w3 * 0 !== 0;
                const iw0 = kw * dw - pw, lo = insideFrom(iw0, sw, Wo), hi = insideTo(iw0, sw, W, Wo, lo);
                for (let oh = 0; oh < Ho; oh++) {
                  const ih = oh * sh - ph + kh * dh, a = oh * Wo;
                  const inside = ih >= 0 && ih < H;
                  if (padded) {
                    for (let j = 0; j < nb; j++) {
                      const pad = [w0, w1, w2, w3][j]! * 0;
                      if (pad === 0) continue;
                      const r = j * plane + a;
                      for (let ow = 0; ow < Wo; ow++) if (!inside || ow < lo || ow >= hi) acc[r + ow]! += pad;
                    }
                  }
                  if (!inside) continue;
                  for (let ow = lo, iw = xc + ih * W + iw0 + lo * sw; ow < hi; ow++, iw += sw) {
                    const xv = X[iw]!, q = a + ow;
                    acc[q]! += w0 * xv;
                    acc[q + plane]! += w1 * xv;
                    acc[q + 2 * plane]! += w2 * xv;
                    acc[q + 3 * plane]! += w3 * xv;
                  }
                }
              }
            }
          }
          for (let j = 0; j < nb; j++) O.set(acc.subarray(j * plane, (j + 1) * plane), (n * cout + co0 + j) * plane);
        }
      }
    }
  }

  conv2dInputGrad(_dtype: DType, gy: Handle, gyOffset: number, w: Handle, wOffset: number, gx: Handle, g: ConvGeometry): void {
    const GY = gy as Arr, Wt = w as Arr, GX = gx as Arr;
    const { n: N, cin, h: H, w: W, cout, kh: KH, kw: KW, ho: Ho, wo: Wo, sh, sw, ph, pw, dh, dw, groups: G } = g;
    const cinG = cin / G, coutG = cout / G, plane = H * W, tapsC = KH * KW;
    const acc = new Float64Array(4 * plane);
    for (let n = 0; n < N; n++) {
      for (let grp = 0; grp < G; grp++) {
        const cEnd = (grp + 1) * cinG;
        for (let c0 = grp * cinG; c0 < cEnd; c0 += 4) {
          const nb = Math.min(4, cEnd - c0), ci0 = c0 - grp * cinG;
          acc.fill(0);
          for (let co = grp * coutG; co < (grp + 1) * coutG; co++) {
            const gyc = gyOffset + (n * cout + co) * Ho * Wo;
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const wi = wOffset + ((co * cinG + ci0) * KH + kh) * KW + kw;
                const w0 = Wt[wi]!, w1 = nb > 1 ? Wt[wi + tapsC]! : 0, w2 = nb > 2 ? Wt[wi + 2 * tapsC]! : 0, w3 = nb > 3 ? Wt[wi + 3 * tapsC]! : 0;
                const iw0 = kw * dw - pw, lo = insideFrom(iw0, sw, Wo), hi = insideTo(iw0, sw, W, Wo, lo);
                for (let oh = 0; oh < Ho; oh++) {
                  const ih = oh * sh - ph + kh * dh;
                  if (ih < 0 || ih >= H) continue;
                  const grow = gyc + oh * Wo;
                  for (let ow = lo, q = ih * W + iw0 + lo * sw; ow < hi; ow++, q += sw) {
                    const gv = GY[grow + ow]!;
                    acc[q]! += w0 * gv;
                    acc[q + plane]! += w1 * gv;
                    acc[q + 2 * plane]! += w2 * gv;
                    acc[q + 3 * plane]! += w3 * gv;
                  }
                }
              }
            }
          }
          for (let j = 0; j < nb; j++) GX.set(acc.subarray(j * plane, (j + 1) * plane), (n * cin + c0 + j) * plane);
        }
      }
    }
  }

  conv2dWeightGrad(_dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, gw: Handle, g: ConvGeometry): void {
    const GY = gy as Arr, X = x as Arr, GW = gw as Arr;
    const { n: N, cin, h: H, w: W, cout, kh: KH, kw: KW, ho: Ho, wo: Wo, sh, sw, ph, pw, dh, dw, groups: G } = g;
    const cinG = cin / G, coutG = cout / G, taps = cinG * KH * KW, plane = Ho * Wo;
    // one sum per weight, over (n, oh, ow) in that order; images outermost, so one image's
    // planes stay in cache while every weight reads them
    const acc = new Float64Array(cout * taps);
    for (let n = 0; n < N; n++) {
      for (let grp = 0; grp < G; grp++) {
        const coEnd = (grp + 1) * coutG;
        for (let co0 = grp * coutG; co0 < coEnd; co0 += 4) {
          const nb = Math.min(4, coEnd - co0);
          // rows past nb read row co0 again (their sums are dropped)
          const g0 = gyOffset + (n * cout + co0) * plane;
          const g1 = nb > 1 ? g0 + plane : g0, g2 = nb > 2 ? g0 + 2 * plane : g0, g3 = nb > 3 ? g0 + 3 * plane : g0;
          for (let ci = 0; ci < cinG; ci++) {
            const xc = xOffset + (n * cin + grp * cinG + ci) * H * W;
            for (let kh = 0; kh < KH; kh++) {
              for (let kw = 0; kw < KW; kw++) {
                const k = (co0 * cinG + ci) * KH * KW + kh * KW + kw;
                const iw0 = kw * dw - pw, lo = insideFrom(iw0, sw, Wo), hi = insideTo(iw0, sw, W, Wo, lo);
                let s0 = acc[k]!, s1 = nb > 1 ? acc[k + taps]! : 0, s2 = nb > 2 ? acc[k + 2 * taps]! : 0, s3 = nb > 3 ? acc[k + 3 * taps]! : 0;
                for (let oh = 0; oh < Ho; oh++) {
                  const ih = oh * sh - ph + kh * dh, r = oh * Wo;
                  // the padding's zeros times the gradient count too (0 * inf is NaN)
                  const left = ih < 0 || ih >= H ? Wo : lo, right = ih < 0 || ih >= H ? Wo : hi;
                  for (let ow = 0; ow < left; ow++) {
                    s0 += GY[g0 + r + ow]! * 0; s1 += GY[g1 + r + ow]! * 0; s2 += GY[g2 + r + ow]! * 0; s3 += GY[g3 + r + ow]! * 0;
                  }
                  for (let ow = left, iw = xc + ih * W + iw0 + left * sw; ow < right; ow++, iw += sw) {
                    const xv = X[iw]!, q = r + ow;
                    s0 += GY[g0 + q]! * xv; s1 += GY[g1 + q]! * xv; s2 += GY[g2 + q]! * xv; s3 += GY[g3 + q]! * xv;
                  }
                  for (let ow = right; ow < Wo; ow++) {
                    s0 += GY[g0 + r + ow]! * 0; s1 += GY[g1 + r + ow]! * 0; s2 += GY[g2 + r + ow]! * 0; s3 += GY[g3 + r + ow]! * 0;
                  }
                }
                acc[k] = s0;
                if (nb > 1) acc[k + taps] = s1;
                if (nb > 2) acc[k + 2 * taps] = s2;
                if (nb > 3) acc[k + 3 * taps] = s3;
              }
            }
          }
        }
      }
    }
    for (let k = 0; k < acc.length; k++) GW[k] = acc[k]!;
  }

  pool2d(op: PoolOp, dtype: DType, x: Handle, xOffset: number, out: Handle, indices: Handle | null, iOffset: number, g: PoolGeometry): void {
    poolLoops(op, dtype, x as Arr, xOffset, out as Arr, indices as Int32Array | null, iOffset, g, false);
  }

  pool2dBackward(op: PoolOp, dtype: DType, gy: Handle, gyOffset: number, indices: Handle | null, iOffset: number, gx: Handle, g: PoolGeometry): void {
    poolLoops(op, dtype, gy as Arr, gyOffset, gx as Arr, indices as Int32Array | null, iOffset, g, true);
  }

  heapBytes(): number { return 0; }

  unaryParams(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void {
    const s = x as Arr, o = out as Arr;
    // the parameters in the dtype, as PyTorch converts its Scalar arguments
    const pa = dtype === "float32" ? Math.fround(a) : a, pb = dtype === "float32" ? Math.fround(b) : b;
    const f = unaryFns[op];
    if (f !== undefined) for (let i = 0; i < n; i++) o[i] = f(s[xOffset + i]!);
    else for (let i = 0; i < n; i++) o[i] = unaryExtra(op, s[xOffset + i]!, pa, pb);
  }

  unaryBackward(op: UnOp, dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void {
    const gs = g as Arr, xs = x as Arr, o = out as Arr;
    const pa = dtype === "float32" ? Math.fround(a) : a, pb = dtype === "float32" ? Math.fround(b) : b;
    for (let i = 0; i < n; i++) o[i] = unaryGrad(op, gs[gOffset + i]!, xs[xOffset + i]!, pa, pb);
  }

  scan(op: ScanOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle, reverse: boolean): boolean {
    const a = x as Arr, o = out as Arr;
    const sum = op === Scan.SUM, int = dtype === "int32";
    let overflow = false;
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < inner; j++) {
        const base = i * axis * inner + j;
        // float32 accumulates in float64 (o rounds each store), as the wasm kernel and PyTorch
        let acc = sum ? 0 : 1;
        for (let s = 0; s < axis; s++) {
          const k = base + (reverse ? axis - 1 - s : s) * inner;
          const v = a[xOffset + k]!;
          acc = sum ? acc + v : acc * v;
          if (int && outsideInt32(acc)) {
            // an exact int64 result no longer matters once one did not fit: wrap as the kernel
            overflow = true;
            acc = acc | 0;
          }
          o[k] = acc;
        }
      }
    }
    return overflow;
  }

  cumprodBackward(_dtype: DType, x: Handle, xOffset: number, g: Handle, gOffset: number, outer: number, axis: number, inner: number, out: Handle): void {
    const xs = x as Arr, gs = g as Arr, o = out as Arr;
    // dx_i = P_i S_i: P the product before i, S_i = g_i + x_(i+1) S_(i+1) (assembly/kernels/scan.ts)
    for (let i = 0; i < outer; i++) {
      for (let j = 0; j < inner; j++) {
        const base = i * axis * inner + j;
        let s = 0, next = 0;
        for (let k = axis - 1; k >= 0; k--) {
          const p = base + k * inner;
          s = gs[gOffset + p]! + next * s;
          next = xs[xOffset + p]!;
          o[p] = s;
        }
        let prefix = 1;
        for (let k = 0; k < axis; k++) {
          const p = base + k * inner;
          o[p] = prefix * o[p]!;
          prefix *= xs[xOffset + p]!;
        }
      }
    }
  }

  sort(_dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, values: Handle, indices: Handle, descending: boolean): void {
    sortColumns(x as Arr, xOffset, outer, axis, inner, values as Arr, indices as Int32Array, descending);
  }

  layerNorm(
    dtype: DType, x: Handle, xOffset: number, w: Handle | null, wOffset: number, b: Handle | null, bOffset: number,
    out: Handle, mean: Handle, rstd: Handle, rows: number, cols: number, eps: number,
  ): void {
    layerNormLoops(x as Arr, xOffset, w as Arr | null, wOffset, b as Arr | null, bOffset, out as Arr, mean as Arr, rstd as Arr, rows, cols, eps, dtype === "float32");
  }

  layerNormBackward(
    _dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, mean: Handle, rstd: Handle,
    w: Handle | null, wOffset: number, gx: Handle | null, gw: Handle | null, gb: Handle | null, rows: number, cols: number,
  ): void {
    layerNormBackwardLoops(gy as Arr, gyOffset, x as Arr, xOffset, mean as Arr, rstd as Arr, w as Arr | null, wOffset, gx as Arr | null, gw as Arr | null, gb as Arr | null, rows, cols);
  }

  softmax(dtype: DType, log: boolean, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): void {
    softmaxLoops(log, x as Arr, xOffset, outer, axis, inner, out as Arr, dtype === "float32");
  }

  softmaxBackward(
    dtype: DType, log: boolean, g: Handle, gOffset: number, y: Handle, yOffset: number, outer: number, axis: number, inner: number, out: Handle,
  ): void {
    softmaxBackwardLoops(log, g as Arr, gOffset, y as Arr, yOffset, outer, axis, inner, out as Arr, dtype === "float32");
  }

  topk(_dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, k: number, largest: boolean, sorted: boolean, values: Handle, indices: Handle): void {
    topkColumns(x as Arr, xOffset, outer, axis, inner, k, largest, sorted, values as Arr, indices as Int32Array);
  }

  gather(
    _dtype: DType,
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    out: Handle, shape: readonly number[], dim: number, dimSize: number,
  ): number {
    const s = src as Arr, ix = index as Int32Array, o = out as Arr;
    let pos = 0;
    return walkIndexed(shape, dim, srcStrides, srcOffset, indexStrides, indexOffset, (ap, v) => {
      if (v < 0 || v >= dimSize) return pos;
      o[pos++] = s[ap]!;
      return -1;
    }, ix);
  }

  scatter(
    add: boolean, dtype: DType,
    out: Handle, outOffset: number, outStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    shape: readonly number[], dim: number, dimSize: number,
  ): number {
    const o = out as Arr, ix = index as Int32Array, s = src as Arr;
    let pos = 0, overflow = false;
    const r = walkIndexed(shape, dim, outStrides, outOffset, indexStrides, indexOffset, (ap, v, bp) => {
      if (v < 0 || v >= dimSize) return pos;
      pos++;
      if (!add) o[ap] = s[bp]!;
      else {
        const sum = o[ap]! + s[bp]!;
        if (dtype === "int32" && outsideInt32(sum)) overflow = true;
        o[ap] = sum;
      }
      return -1;
    }, ix, srcStrides, srcOffset);
    return r >= 0 ? r : overflow ? -2 : -1;
  }

  batchNormStats(dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number, mean: Handle, varSum: Handle): void {
    bn.batchNormStats(dtype, x as Arr, xOffset, n, c, s, mean as Arr, varSum as Arr);
  }

  batchNormForward(
    dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, bias: Handle | null, out: Handle,
  ): void {
    bn.batchNormForward(dtype, x as Arr, xOffset, n, c, s, mean as Arr, variance as Arr, count, eps, weight as Arr | null, bias as Arr | null, out as Arr);
  }

  batchNormBackward(
    dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, train: boolean,
    gx: Handle | null, gw: Handle | null, gb: Handle | null,
  ): void {
    bn.batchNormBackward(dtype, g as Arr, gOffset, x as Arr, xOffset, n, c, s, mean as Arr, variance as Arr, count, eps,
      weight as Arr | null, train, gx as Arr | null, gw as Arr | null, gb as Arr | null);
  }

  loss(op: LossOp, dtype: DType, x: Handle, xOffset: number, t: Handle, tOffset: number, w: Handle | null, wOffset: number, out: Handle, n: number, a: number): boolean {
    return lossLoop(op, dtype, x as Arr, xOffset, t as Arr, tOffset, w as Arr | null, wOffset, out as Arr, n, a);
  }

  lossBackward(
    op: LossOp, dtype: DType, g: Handle, gOffset: number, gInc: 0 | 1, x: Handle, xOffset: number, t: Handle, tOffset: number,
    w: Handle | null, wOffset: number, out: Handle, n: number, a: number, scale: number,
  ): void {
    lossGradLoop(op, dtype, g as Arr, gOffset, gInc, x as Arr, xOffset, t as Arr, tOffset, w as Arr | null, wOffset, out as Arr, n, a, scale);
  }
}

/** The first ow in [0, wo) whose column iw0 + ow*sw is not left of the input (wo if none). */
function insideFrom(iw0: number, sw: number, wo: number): number {
  return iw0 >= 0 ? 0 : Math.min(wo, Math.ceil(-iw0 / sw));
}

/** One past the last ow in [lo, wo) whose column iw0 + ow*sw is left of w. */
function insideTo(iw0: number, sw: number, w: number, wo: number, lo: number): number {
  return w - iw0 <= 0 ? lo : Math.max(lo, Math.min(wo, Math.ceil((w - iw0) / sw)));
}

/**
 * Visit every index of `shape` in row-major order for gather/scatter: `body` gets the flat
 * position in A (through the index along `dim`, a's strides elsewhere), the index value there,
 * and the position in B (b's strides over all dims). Stops at the first non-negative result
 * of `body` (a bad index) and returns it, else -1.
 */
function walkIndexed(
  shape: readonly number[], dim: number,
  aStrides: readonly number[], aOffset: number,
  iStrides: readonly number[], iOffset: number,
  body: (ap: number, v: number, bp: number) => number,
  ix: Int32Array, bStrides: readonly number[] = NO_STRIDES, bOffset = 0,
): number {
  const nd = shape.length;
  let total = 1;
  for (let d = 0; d < nd; d++) total *= shape[d]!;
  if (total === 0) return -1;
  const idx = new Array<number>(nd).fill(0);
  const aDim = nd === 0 ? 0 : aStrides[dim]!;
  for (let n = 0; n < total; n++) {
    let ap = aOffset, ip = iOffset, bp = bOffset;
    for (let d = 0; d < nd; d++) {
      const c = idx[d]!;
      if (d !== dim) ap += c * aStrides[d]!;
      ip += c * iStrides[d]!;
      if (bStrides.length > 0) bp += c * bStrides[d]!;
    }
    const v = ix[ip]!;
    const r = body(ap + v * aDim, v, bp);
    if (r >= 0) return r;
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return -1;
}

/**
 * Pooling and its adjoint in PyTorch 1.13's CPU order of operations (as assembly/kernels/pool.ts).
 * Backward: `x` is the output gradient and `out` the input gradient. float32 results round each
 * step as the Wasm kernel does (Math.fround), so both backends give the same sums.
 */
function poolLoops(op: PoolOp, dtype: DType, x: Arr, xOffset: number, out: Arr, idx: Int32Array | null, iOffset: number, g: PoolGeometry, backward: boolean): void {
  const { planes: P, h: H, w: W, ho: Ho, wo: Wo, kh: kH, kw: kW, sh: sH, sw: sW, ph: pH, pw: pW, dh: dH, dw: dW } = g;
  const r = dtype === "float32" ? Math.fround : (v: number) => v;
  const inPlane = H * W, outPlane = Ho * Wo;
  if (backward) out.fill(0, 0, P * inPlane);
  for (let p = 0; p < P; p++) {
    const xi = xOffset + p * (backward ? outPlane : inPlane), oi = p * (backward ? inPlane : outPlane), ii = iOffset + p * outPlane;
    for (let oh = 0; oh < Ho; oh++) {
      for (let ow = 0; ow < Wo; ow++) {
        const o = oh * Wo + ow;
        if (op === Pool.MAX || op === Pool.GATHER) {
          if (op === Pool.GATHER || backward) {
            const at = idx![ii + o]!;
            if (backward) out[oi + at] = r(out[oi + at]! + x[xi + o]!);
            else out[oi + o] = x[xi + at]!;
            continue;
          }
          let ih0 = oh * sH - pH, iw0 = ow * sW - pW;
          const ih1 = Math.min(ih0 + (kH - 1) * dH + 1, H), iw1 = Math.min(iw0 + (kW - 1) * dW + 1, W);
          while (ih0 < 0) ih0 += dH;
          while (iw0 < 0) iw0 += dW;
          let best = -Infinity, at = ih0 * W + iw0;
          for (let ih = ih0; ih < ih1; ih += dH) {
            for (let iw = iw0; iw < iw1; iw += dW) {
              const q = ih * W + iw, v = x[xi + q]!;
              if (v > best || v !== v) { best = v; at = q; }
            }
          }
          out[oi + o] = best;
          idx![ii + o] = at;
          continue;
        }
        let ih0: number, ih1: number, iw0: number, iw1: number, div = 1;
        if (op === Pool.AVG) {
          ih0 = oh * sH - pH; iw0 = ow * sW - pW;
          ih1 = Math.min(ih0 + kH, H + pH); iw1 = Math.min(iw0 + kW, W + pW);
          const poolSize = (ih1 - ih0) * (iw1 - iw0);
          ih0 = Math.max(ih0, 0); iw0 = Math.max(iw0, 0); ih1 = Math.min(ih1, H); iw1 = Math.min(iw1, W);
          if (ih0 >= ih1 || iw0 >= iw1) { if (!backward) out[oi + o] = 0; continue; }
          div = g.divisor !== 0 ? g.divisor : g.countIncludePad ? poolSize : (ih1 - ih0) * (iw1 - iw0);
        } else {
          ih0 = Math.floor((oh * H) / Ho); ih1 = Math.ceil(((oh + 1) * H) / Ho);
          iw0 = Math.floor((ow * W) / Wo); iw1 = Math.ceil(((ow + 1) * W) / Wo);
        }
        const kh = ih1 - ih0, kw = iw1 - iw0;
        if (backward) {
          const gv = op === Pool.AVG ? r(x[xi + o]! / div) : r(r(x[xi + o]! / kh) / kw);
          for (let ih = ih0; ih < ih1; ih++) for (let iw = iw0; iw < iw1; iw++) out[oi + ih * W + iw] = r(out[oi + ih * W + iw]! + gv);
        } else {
          let sum = 0;
          for (let ih = ih0; ih < ih1; ih++) for (let iw = iw0; iw < iw1; iw++) sum = r(sum + x[xi + ih * W + iw]!);
          out[oi + o] = op === Pool.AVG ? sum / div : r(sum / kh) / kw;
        }
      }
    }
  }
}

export const jsBackend = new JsBackend();
