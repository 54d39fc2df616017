/**
 * The WebAssembly backend: storage handles are byte pointers into the module's linear
 * memory, kernels are the AssemblyScript exports of assembly/index.ts (SIMD for float32
 * and float64). This side asks the module's allocator (assembly/memory.ts) for memory,
 * writes shapes and strides into a scratch block allocated once, and refreshes its
 * typed-array views whenever memory growth has replaced the buffer.
 */
import { Pool, Un, type Backend, type BinOp, type ConvGeometry, type Handle, type PoolGeometry, type PoolOp, type RedOp, type ScanOp, type UnOp, type LossOp } from "../backend.js";
import { sortColumns, topkColumns } from "../sorting.js";
import { DT, MAX_DIMS } from "../abi.generated.js";
import type { DType, TypedArray } from "../../dtype.js";
import type { WasmExports } from "./loader.js";

export { instantiate } from "./loader.js";

/** The dtype codes the kernels take (assembly/abi.ts DT). */
const DT_CODE: Readonly<Record<DType, number>> = { float32: DT.F32, float64: DT.F64, int32: DT.I32, bool: DT.BOOL };
/** log2 of the element size. */
const SHIFT: Readonly<Record<DType, number>> = { float32: 2, float64: 3, int32: 2, bool: 0 };

function byteSize(dtype: DType, numel: number): number {
  return numel * 2 ** SHIFT[dtype];
}

/** The byte address of element `offset` of the `dtype` storage at pointer `h`. */
function addr(h: Handle, dtype: DType, offset: number): number {
  return (h as number) + byteSize(dtype, offset);
}

const SCRATCH_BYTES = 4 * (1 + 4 * MAX_DIMS);
const WASM32_BYTES = 2 ** 32;

function outOfMemory(bytes: number): Error {
  return new Error("not enough memory: you tried to allocate " + bytes + " bytes");
}

function unsupported(what: string, dtype: DType): Error {
  return new TypeError(`wasm backend: ${what} does not support ${dtype}`);
}

export class WasmBackend implements Backend {
  readonly name = "wasm" as const;
  /** The raw module exports. */
  readonly exports: WasmExports;

  private f32: Float32Array;
  private f64: Float64Array;
  private i32: Int32Array;
  private u8: Uint8Array;
  private readonly scratch: number;
  private readonly dummy: number;

  constructor(exports: WasmExports) {
    this.exports = exports;
    const buf = exports.memory.buffer as ArrayBuffer;
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
    this.scratch = exports.alloc(SCRATCH_BYTES) >>> 0;
    this.dummy = exports.alloc(16) >>> 0;
    if (this.scratch === 0 || this.dummy === 0) throw new Error("wasm backend: cannot allocate its scratch block");
  }

  /** Re-create the views if memory growth replaced (detached) the buffer. */
  private sync(): void {
    // memory growth detaches the old buffer, and every view on it reads as empty: checking a
    // view is cheaper than reading memory.buffer on every call
    if (this.u8.byteLength === 0) {
      const b = this.exports.memory.buffer as ArrayBuffer;
      this.f32 = new Float32Array(b);
      this.f64 = new Float64Array(b);
      this.i32 = new Int32Array(b);
      this.u8 = new Uint8Array(b);
    }
  }

  // ----------------------------------------------------------------------------- memory

  alloc(dtype: DType, numel: number, zero = true): Handle {
    if (!(numel >= 0) || !Number.isInteger(numel)) throw new RangeError(`alloc: invalid element count ${numel}`);
    if (numel === 0) return this.dummy;
    const bytes = byteSize(dtype, numel);
    if (bytes >= WASM32_BYTES) throw outOfMemory(bytes);
    const p = (zero ? this.exports.alloc(bytes) : this.exports.allocUninit(bytes)) >>> 0;
    if (p === 0) throw outOfMemory(bytes);
    return p;
  }

  /** Like `alloc`, but linear memory grows to at most `maxHeapBytes`: 0 (no throw) when
   *  the request does not fit within that. For the memory budget (src/residency.ts). */
  allocWithin(dtype: DType, numel: number, zero: boolean, maxHeapBytes: number): number {
    if (numel === 0) return this.dummy;
    const bytes = byteSize(dtype, numel);
    if (bytes >= WASM32_BYTES) return 0;
    const pages = Math.min(65536, Math.floor(maxHeapBytes / 65536));
    return this.exports.allocWithin(bytes, zero ? 1 : 0, pages) >>> 0;
  }

  free(h: Handle, _dtype: DType, numel: number): void {
    const p = h as number;
    if (numel === 0 || p === this.dummy || !p) return;
    this.exports.free(p);
  }

  heapBytes(): number { return this.exports.memory.buffer.byteLength; }

  write(h: Handle, dtype: DType, src: TypedArray, offset: number): void {
    this.sync();
    const s = addr(h, dtype, offset) >>> SHIFT[dtype]; // index into the view of dtype
    switch (dtype) {
      case "float32": this.f32.set(src, s); break;
      case "float64": this.f64.set(src, s); break;
      case "int32": this.i32.set(src, s); break;
      case "bool": this.u8.set(src, s); break;
    }
  }

  read(h: Handle, dtype: DType, offset: number, numel: number): TypedArray {
    this.sync();
    const s = addr(h, dtype, offset) >>> SHIFT[dtype]; // index into the view of dtype
    switch (dtype) {
      case "float32": return this.f32.slice(s, s + numel);
      case "float64": return this.f64.slice(s, s + numel);
      case "int32": return this.i32.slice(s, s + numel);
      case "bool": return this.u8.slice(s, s + numel);
    }
  }

  fill(h: Handle, dtype: DType, value: number, offset: number, n: number): void {
    if (n <= 0) return;
    this.exports.fill(addr(h, dtype, offset), DT_CODE[dtype], value, n);
  }

  // ---------------------------------------------------------------------------- kernels

  /** Write [ndim, shape, s0, s1, (s2)] into the scratch block; returns its pointer. */
  private put(shape: readonly number[], s0: readonly number[], s1: readonly number[], s2?: readonly number[]): number {
    const nd = shape.length;
    if (nd > MAX_DIMS) throw new RangeError(`wasm backend: at most ${MAX_DIMS} dimensions, got ${nd}`);
    this.sync();
    const v = this.i32;
    let q = this.scratch >>> 2;
    v[q++] = nd;
    for (let d = 0; d < nd; d++) v[q++] = shape[d]!;
    for (let d = 0; d < nd; d++) v[q++] = s0[d]!;
    for (let d = 0; d < nd; d++) v[q++] = s1[d]!;
    if (s2 !== undefined) for (let d = 0; d < nd; d++) v[q++] = s2[d]!;
    return this.scratch;
  }

  copy(
    src: Handle, srcDtype: DType, srcOffset: number, srcStrides: readonly number[],
    dst: Handle, dstDtype: DType, dstOffset: number, dstStrides: readonly number[],
    shape: readonly number[],
  ): void {
    const sp = this.put(shape, srcStrides, dstStrides);
    this.exports.copy(
      addr(src, srcDtype, srcOffset), DT_CODE[srcDtype],
      addr(dst, dstDtype, dstOffset), DT_CODE[dstDtype], sp,
    );
  }

  unary(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number): boolean {
    if (n <= 0) return false;
    const ex = this.exports;
    switch (dtype) {
      case "float32": ex.unary_f32(op, addr(x, dtype, xOffset), out as number, n); return false;
      case "float64": ex.unary_f64(op, addr(x, dtype, xOffset), out as number, n); return false;
      case "int32":
        if (op !== Un.NEG && op !== Un.ABS && op !== Un.RELU && op !== Un.SIGN) throw unsupported(`unary op ${op}`, dtype);
        return ex.unary_i32(op, addr(x, dtype, xOffset), out as number, n) !== 0;
      default: throw unsupported("unary", dtype);
    }
  }

  binary(
    op: BinOp, dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): boolean {
    const sp = this.put(shape, aStrides, bStrides);
    const ex = this.exports;
    const pa = addr(a, dtype, aOffset), pb = addr(b, dtype, bOffset);
    switch (dtype) {
      case "float32": ex.binary_f32(op, pa, pb, out as number, sp); return false;
      case "float64": ex.binary_f64(op, pa, pb, out as number, sp); return false;
      case "int32": return ex.binary_i32(op, pa, pb, out as number, sp) !== 0;
      default: throw unsupported("binary", dtype);
    }
  }

  where(
    dtype: DType,
    cond: Handle, cOffset: number, cStrides: readonly number[],
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): void {
    const sp = this.put(shape, cStrides, aStrides, bStrides);
    const ex = this.exports;
    const pc = addr(cond, "bool", cOffset), pa = addr(a, dtype, aOffset), pb = addr(b, dtype, bOffset);
    switch (dtype) {
      case "float32": ex.where_f32(pc, pa, pb, out as number, sp); break;
      case "float64": ex.where_f64(pc, pa, pb, out as number, sp); break;
      case "int32": ex.where_i32(pc, pa, pb, out as number, sp); break;
      case "bool": ex.where_u8(pc, pa, pb, out as number, sp); break;
    }
  }

  reduce(op: RedOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): boolean {
    if (outer === 0 || inner === 0) return false;
    const ex = this.exports;
    switch (dtype) {
      case "float32": ex.reduce_f32(op, addr(x, dtype, xOffset), outer, axis, inner, out as number); return false;
      case "float64": ex.reduce_f64(op, addr(x, dtype, xOffset), outer, axis, inner, out as number); return false;
      case "int32": return ex.reduce_i32(op, addr(x, dtype, xOffset), outer, axis, inner, out as number) !== 0;
      default: throw unsupported("reduce", dtype);
    }
  }

  /** Write a convolution's geometry into the scratch block; its pointer. */
  private putConv(g: ConvGeometry): number {
    this.sync();
    const v = this.i32;
    let q = this.scratch >>> 2;
    for (const x of [g.n, g.cin, g.h, g.w, g.cout, g.kh, g.kw, g.ho, g.wo, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.groups, 0]) v[q++] = x;
    return this.scratch;
  }

  /** Run convolution pass `pass` (0 forward, 1 input grad, 2 weight grad) with the scratch the
   *  kernels ask for (allocated here, not in the kernel, and freed after). */
  private withScratch(pass: number, dtype: DType, g: ConvGeometry, run: (gp: number, scratch: number) => void): void {
    // the kernels size their buffers for at least one tap per output: an empty kernel would
    // have them read past their scratch (F.conv1d/conv2d refuse it before this)
    if (!(g.kh >= 1 && g.kw >= 1)) throw new Error(`conv2d kernel: kernel size must be at least 1x1, got ${g.kh}x${g.kw}`);
    const gp = this.putConv(g);
    const bytes = this.exports.conv2d_scratch(gp, pass, 2 ** SHIFT[dtype]);
    if (bytes >= WASM32_BYTES) throw outOfMemory(bytes);
    const scratch = bytes === 0 ? 0 : this.exports.allocUninit(bytes) >>> 0;
    if (bytes !== 0 && scratch === 0) throw outOfMemory(bytes);
    try {
      run(gp, scratch);
    } finally {
      if (scratch !== 0) this.exports.free(scratch);
    }
  }

  private floatKernel<F>(what: string, dtype: DType, f32: F, f64: F): F {
    if (dtype === "float32") return f32;
    if (dtype === "float64") return f64;
    throw unsupported(what, dtype);
  }

  conv2d(
    dtype: DType, x: Handle, xOffset: number, w: Handle, wOffset: number,
    bias: Handle | null, bOffset: number, out: Handle, g: ConvGeometry,
  ): void {
    const ex = this.exports;
    const f = this.floatKernel("conv2d", dtype, ex.conv2d_f32, ex.conv2d_f64);
    const pb = bias === null ? 0 : addr(bias, dtype, bOffset);
    this.withScratch(0, dtype, g, (gp, scratch) => f(addr(x, dtype, xOffset), addr(w, dtype, wOffset), pb, out as number, gp, scratch));
  }

  conv2dInputGrad(dtype: DType, gy: Handle, gyOffset: number, w: Handle, wOffset: number, gx: Handle, g: ConvGeometry): void {
    const ex = this.exports;
    const f = this.floatKernel("conv2d", dtype, ex.conv2d_input_grad_f32, ex.conv2d_input_grad_f64);
    this.withScratch(1, dtype, g, (gp, scratch) => f(addr(gy, dtype, gyOffset), addr(w, dtype, wOffset), gx as number, gp, scratch));
  }

  conv2dWeightGrad(dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, gw: Handle, g: ConvGeometry): void {
    const ex = this.exports;
    const f = this.floatKernel("conv2d", dtype, ex.conv2d_weight_grad_f32, ex.conv2d_weight_grad_f64);
    this.withScratch(2, dtype, g, (gp, scratch) => f(addr(gy, dtype, gyOffset), addr(x, dtype, xOffset), gw as number, gp, scratch));
  }

  /** Write a pooling geometry into the scratch block; its pointer. */
  private putPool(g: PoolGeometry): number {
    this.sync();
    const v = this.i32;
    let q = this.scratch >>> 2;
    for (const x of [g.planes, g.h, g.w, g.ho, g.wo, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.countIncludePad ? 1 : 0, g.divisor]) v[q++] = x;
    return this.scratch;
  }

  pool2d(op: PoolOp, dtype: DType, x: Handle, xOffset: number, out: Handle, indices: Handle | null, iOffset: number, g: PoolGeometry): void {
    const ex = this.exports;
    const f = this.floatKernel("pool2d", dtype, ex.pool2d_f32, ex.pool2d_f64);
    const pi = indices === null ? 0 : addr(indices, "int32", iOffset);
    if ((op === Pool.MAX || op === Pool.GATHER) && pi === 0) throw new Error("pool2d: MAX and GATHER need indices");
    f(op, addr(x, dtype, xOffset), out as number, pi, this.putPool(g));
  }

  pool2dBackward(op: PoolOp, dtype: DType, gy: Handle, gyOffset: number, indices: Handle | null, iOffset: number, gx: Handle, g: PoolGeometry): void {
    const ex = this.exports;
    const f = this.floatKernel("pool2d", dtype, ex.pool2d_backward_f32, ex.pool2d_backward_f64);
    const pi = indices === null ? 0 : addr(indices, "int32", iOffset);
    if ((op === Pool.MAX || op === Pool.GATHER) && pi === 0) throw new Error("pool2d: MAX and GATHER need indices");
    f(op, addr(gy, dtype, gyOffset), gx as number, pi, this.putPool(g));
  }

  matmul(
    dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, batch: number, m: number, k: number, n: number,
  ): void {
    if (batch === 0 || m === 0 || n === 0) return;
    if (dtype !== "float32" && dtype !== "float64") throw unsupported("matmul", dtype);
    // b with a non-unit column stride is packed into a k x n panel (allocated here, not in the kernel)
    let pack = 0;
    if (bStrides[2] !== 1 && n > 1 && k > 0) {
      try { pack = this.alloc(dtype, k * n) as number; } catch { pack = 0; /* scalar path */ }
    }
    const f = dtype === "float32" ? this.exports.matmul_f32 : this.exports.matmul_f64;
    f(
      addr(a, dtype, aOffset), aStrides[0]!, aStrides[1]!, aStrides[2]!,
      addr(b, dtype, bOffset), bStrides[0]!, bStrides[1]!, bStrides[2]!,
      out as number, batch, m, k, n, pack,
    );
    if (pack !== 0) this.free(pack, dtype, k * n);
  }

  unaryParams(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void {
    if (n <= 0) return;
    switch (dtype) {
      case "float32": this.exports.unary_params_f32(op, addr(x, dtype, xOffset), out as number, n, a, b); return;
      case "float64": this.exports.unary_params_f64(op, addr(x, dtype, xOffset), out as number, n, a, b); return;
      default: throw unsupported(`unary op ${op}`, dtype);
    }
  }

  unaryBackward(op: UnOp, dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void {
    if (n <= 0) return;
    switch (dtype) {
      case "float32": this.exports.unary_backward_f32(op, addr(g, dtype, gOffset), addr(x, dtype, xOffset), out as number, n, a, b); return;
      case "float64": this.exports.unary_backward_f64(op, addr(g, dtype, gOffset), addr(x, dtype, xOffset), out as number, n, a, b); return;
      default: throw unsupported(`unary backward ${op}`, dtype);
    }
  }

  scan(op: ScanOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle, reverse: boolean): boolean {
    if (outer === 0 || axis === 0 || inner === 0) return false;
    const ex = this.exports, px = addr(x, dtype, xOffset), r = reverse ? 1 : 0;
    switch (dtype) {
      case "float32": ex.scan_f32(op, px, outer, axis, inner, out as number, r); return false;
      case "float64": ex.scan_f64(op, px, outer, axis, inner, out as number, r); return false;
      case "int32": return ex.scan_i32(op, px, outer, axis, inner, out as number, r) !== 0;
      default: throw unsupported("scan", dtype);
    }
  }

  cumprodBackward(dtype: DType, x: Handle, xOffset: number, g: Handle, gOffset: number, outer: number, axis: number, inner: number, out: Handle): void {
    if (outer === 0 || axis === 0 || inner === 0) return;
    const px = addr(x, dtype, xOffset), pg = addr(g, dtype, gOffset);
    switch (dtype) {
      case "float32": this.exports.cumprod_backward_f32(px, pg, outer, axis, inner, out as number); return;
      case "float64": this.exports.cumprod_backward_f64(px, pg, outer, axis, inner, out as number); return;
      default: throw unsupported("cumprodBackward", dtype);
    }
  }

  // sort and topk run the shared implementation of PyTorch's algorithms (src/backend/sorting.ts)
  // on a copy of the data: their tie order is libstdc++'s, which one implementation keeps exact
  sort(dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, values: Handle, indices: Handle, descending: boolean): void {
    const n = outer * axis * inner;
    if (n === 0) return;
    const src = this.read(x, dtype, xOffset, n);
    const v = this.read(values, dtype, 0, n), ix = new Int32Array(n);
    sortColumns(src, 0, outer, axis, inner, v, ix, descending);
    this.write(values, dtype, v, 0);
    this.write(indices, "int32", ix, 0);
  }

  topk(dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, k: number, largest: boolean, sorted: boolean, values: Handle, indices: Handle): void {
    const m = outer * k * inner;
    if (m === 0) return;
    const src = this.read(x, dtype, xOffset, outer * axis * inner);
    const v = this.read(values, dtype, 0, m), ix = new Int32Array(m);
    topkColumns(src, 0, outer, axis, inner, k, largest, sorted, v, ix);
    this.write(values, dtype, v, 0);
    this.write(indices, "int32", ix, 0);
  }

  gather(
    dtype: DType,
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    out: Handle, shape: readonly number[], dim: number, dimSize: number,
  ): number {
    const sp = this.put(shape, srcStrides, indexStrides, contiguous(shape));
    const ps = addr(src, dtype, srcOffset), pi = addr(index, "int32", indexOffset);
    const ex = this.exports;
    switch (SHIFT[dtype]) {
      case 0: return ex.gather_1(ps, pi, out as number, sp, dim, dimSize);
      case 2: return ex.gather_4(ps, pi, out as number, sp, dim, dimSize);
      default: return ex.gather_8(ps, pi, out as number, sp, dim, dimSize);
    }
  }

  scatter(
    add: boolean, dtype: DType,
    out: Handle, outOffset: number, outStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    shape: readonly number[], dim: number, dimSize: number,
  ): number {
    const sp = this.put(shape, outStrides, indexStrides, srcStrides);
    const po = addr(out, dtype, outOffset), pi = addr(index, "int32", indexOffset), ps = addr(src, dtype, srcOffset);
    const ex = this.exports;
    if (add) {
      switch (dtype) {
        case "float32": return ex.scatter_add_f32(po, pi, ps, sp, dim, dimSize);
        case "float64": return ex.scatter_add_f64(po, pi, ps, sp, dim, dimSize);
        case "int32": return ex.scatter_add_i32(po, pi, ps, sp, dim, dimSize);
        default: throw unsupported("scatter add", dtype);
      }
    }
    switch (SHIFT[dtype]) {
      case 0: return ex.scatter_1(po, pi, ps, sp, dim, dimSize);
      case 2: return ex.scatter_4(po, pi, ps, sp, dim, dimSize);
      default: return ex.scatter_8(po, pi, ps, sp, dim, dimSize);
    }
  }

  layerNorm(
    dtype: DType, x: Handle, xOffset: number, w: Handle | null, wOffset: number, b: Handle | null, bOffset: number,
    out: Handle, mean: Handle, rstd: Handle, rows: number, cols: number, eps: number,
  ): void {
    if (rows === 0) return;
    const px = addr(x, dtype, xOffset), pw = w === null ? 0 : addr(w, dtype, wOffset), pb = b === null ? 0 : addr(b, dtype, bOffset);
    switch (dtype) {
      case "float32": this.exports.layer_norm_f32(px, pw, pb, out as number, mean as number, rstd as number, rows, cols, eps); return;
      case "float64": this.exports.layer_norm_f64(px, pw, pb, out as number, mean as number, rstd as number, rows, cols, eps); return;
      default: throw unsupported("layerNorm", dtype);
    }
  }

  layerNormBackward(
    dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, mean: Handle, rstd: Handle,
    w: Handle | null, wOffset: number, gx: Handle | null, gw: Handle | null, gb: Handle | null, rows: number, cols: number,
  ): void {
    if (rows === 0 || cols === 0) return;
    const pg = addr(gy, dtype, gyOffset), px = addr(x, dtype, xOffset), pw = w === null ? 0 : addr(w, dtype, wOffset);
    const ogx = (gx ?? 0) as number, ogw = (gw ?? 0) as number, ogb = (gb ?? 0) as number;
    switch (dtype) {
      case "float32": this.exports.layer_norm_backward_f32(pg, px, mean as number, rstd as number, pw, ogx, ogw, ogb, rows, cols); return;
      case "float64": this.exports.layer_norm_backward_f64(pg, px, mean as number, rstd as number, pw, ogx, ogw, ogb, rows, cols); return;
      default: throw unsupported("layerNormBackward", dtype);
    }
  }

  softmax(dtype: DType, log: boolean, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): void {
    if (outer === 0 || axis === 0 || inner === 0) return;
    if (dtype !== "float32" && dtype !== "float64") throw unsupported("softmax", dtype);
    // columns' running max and sum when the axis is not the last
    const scratch = inner > 1 ? (this.alloc(dtype, 2 * inner, false) as number) : 0;
    const px = addr(x, dtype, xOffset), l = log ? 1 : 0;
    try {
      if (dtype === "float32") this.exports.softmax_f32(px, out as number, outer, axis, inner, l, scratch);
      else this.exports.softmax_f64(px, out as number, outer, axis, inner, l, scratch);
    } finally {
      if (scratch !== 0) this.free(scratch, dtype, 2 * inner);
    }
  }

  softmaxBackward(
    dtype: DType, log: boolean, g: Handle, gOffset: number, y: Handle, yOffset: number, outer: number, axis: number, inner: number, out: Handle,
  ): void {
    if (outer === 0 || axis === 0 || inner === 0) return;
    if (dtype !== "float32" && dtype !== "float64") throw unsupported("softmaxBackward", dtype);
    const scratch = inner > 1 ? (this.alloc(dtype, inner, false) as number) : 0;
    const pg = addr(g, dtype, gOffset), py = addr(y, dtype, yOffset), l = log ? 1 : 0;
    try {
      if (dtype === "float32") this.exports.softmax_backward_f32(pg, py, out as number, outer, axis, inner, l, scratch);
      else this.exports.softmax_backward_f64(pg, py, out as number, outer, axis, inner, l, scratch);
    } finally {
      if (scratch !== 0) this.free(scratch, dtype, inner);
    }
  }

  batchNormStats(dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number, mean: Handle, varSum: Handle): void {
    const ex = this.exports;
    const f = this.floatKernel("batchNorm", dtype, ex.batch_norm_stats_f32, ex.batch_norm_stats_f64);
    f(addr(x, dtype, xOffset), n, c, s, mean as number, varSum as number);
  }

  batchNormForward(
    dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, bias: Handle | null, out: Handle,
  ): void {
    const ex = this.exports;
    const f = this.floatKernel("batchNorm", dtype, ex.batch_norm_forward_f32, ex.batch_norm_forward_f64);
    f(addr(x, dtype, xOffset), n, c, s, mean as number, variance as number, count, eps, (weight ?? 0) as number, (bias ?? 0) as number, out as number);
  }

  batchNormBackward(
    dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, train: boolean,
    gx: Handle | null, gw: Handle | null, gb: Handle | null,
  ): void {
    const ex = this.exports;
    const f = this.floatKernel("batchNorm", dtype, ex.batch_norm_backward_f32, ex.batch_norm_backward_f64);
    f(addr(g, dtype, gOffset), addr(x, dtype, xOffset), n, c, s, mean as number, variance as number, count, eps,
      (weight ?? 0) as number, train ? 1 : 0, (gx ?? 0) as number, (gw ?? 0) as number, (gb ?? 0) as number);
  }
  loss(op: LossOp, dtype: DType, x: Handle, xOffset: number, t: Handle, tOffset: number, w: Handle | null, wOffset: number, out: Handle, n: number, a: number): boolean {
    if (n <= 0) return false;
    const px = addr(x, dtype, xOffset), pt = addr(t, dtype, tOffset), pw = w === null ? 0 : addr(w, dtype, wOffset);
    switch (dtype) {
      case "float32": return this.exports.loss_f32(op, px, pt, pw, out as number, n, a) !== 0;
      case "float64": return this.exports.loss_f64(op, px, pt, pw, out as number, n, a) !== 0;
      default: throw unsupported(`loss ${op}`, dtype);
    }
  }

  lossBackward(
    op: LossOp, dtype: DType, g: Handle, gOffset: number, gInc: 0 | 1, x: Handle, xOffset: number, t: Handle, tOffset: number,
    w: Handle | null, wOffset: number, out: Handle, n: number, a: number, scale: number,
  ): void {
    if (n <= 0) return;
    const pg = addr(g, dtype, gOffset), px = addr(x, dtype, xOffset), pt = addr(t, dtype, tOffset), pw = w === null ? 0 : addr(w, dtype, wOffset);
    switch (dtype) {
      case "float32": this.exports.loss_backward_f32(op, pg, gInc, px, pt, pw, out as number, n, a, scale); return;
      case "float64": this.exports.loss_backward_f64(op, pg, gInc, px, pt, pw, out as number, n, a, scale); return;
      default: throw unsupported(`loss backward ${op}`, dtype);
    }
  }
}

/** Row-major strides of a contiguous tensor of `shape`. */
function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

