/**
 * Instantiates the AssemblyScript module (assembly/index.ts). Portable: only the standard
 * WebAssembly global, no node: imports, and no reference to the embedded binary (so the
 * "core" entry stays free of it). Pass a precompiled WebAssembly.Module (required where
 * compiling bytes is forbidden, as in workerd, and a way to share one compilation) or the
 * bytes of build/wasmgrad.wasm, e.g. `wasmBinary` from ./binary.generated.js (written by
 * scripts/embed-wasm.mjs).
 */

/**
 * The raw exports of wasmgrad.wasm. Pointers are byte offsets into `memory`.
 * Written by hand rather than taken from the build/wasmgrad.d.ts asc writes: that file
 * types the adapted exports of its own build/wasmgrad.js (bool parameters, unsigned
 * results), and dist must not point at build/. test/abi.test.ts checks the two agree.
 */
export interface WasmExports {
  readonly memory: WebAssembly.Memory;
  /** `bytes` zero-filled bytes, 16-byte aligned; 0 when memory cannot grow enough. */
  alloc(bytes: number): number;
  /** Like alloc, but a reused block keeps its old bytes (for outputs a kernel overwrites). */
  allocUninit(bytes: number): number;
  /** Like alloc (zero-filled when zeroFill is 1: a raw bool), growing memory to at most maxPages
   *  pages of 64 KiB; 0 when the request does not fit within them. */
  allocWithin(bytes: number, zeroFill: number, maxPages: number): number;
  free(ptr: number): void;
  /** Usable bytes of a block from alloc. */
  capacity(ptr: number): number;
  zero(ptr: number, bytes: number): void;

  unary_f32(op: number, x: number, out: number, n: number): void;
  unary_f64(op: number, x: number, out: number, n: number): void;
  /** 1 when a result did not fit in int32 (NEG, ABS of -2^31), else 0. */
  unary_i32(op: number, x: number, out: number, n: number): number;
  /** `sp` points at i32 [ndim, shape, aStrides, bStrides]. */
  binary_f32(op: number, a: number, b: number, out: number, sp: number): void;
  binary_f64(op: number, a: number, b: number, out: number, sp: number): void;
  /** 1 when an ADD, SUB, MUL or POW result did not fit in int32, else 0. */
  binary_i32(op: number, a: number, b: number, out: number, sp: number): number;
  /** `sp` points at i32 [ndim, shape, cStrides, aStrides, bStrides]. */
  where_f32(c: number, a: number, b: number, out: number, sp: number): void;
  where_f64(c: number, a: number, b: number, out: number, sp: number): void;
  where_i32(c: number, a: number, b: number, out: number, sp: number): void;
  where_u8(c: number, a: number, b: number, out: number, sp: number): void;
  reduce_f32(op: number, x: number, outer: number, axis: number, inner: number, out: number): void;
  reduce_f64(op: number, x: number, outer: number, axis: number, inner: number, out: number): void;
  /** 1 when a SUM or PROD result did not fit in int32, else 0. */
  reduce_i32(op: number, x: number, outer: number, axis: number, inner: number, out: number): number;
  matmul_f32(
    a: number, asb: number, asr: number, asc: number, b: number, bsb: number, bsr: number, bsc: number,
    out: number, batch: number, m: number, k: number, n: number, pack: number,
  ): void;
  matmul_f64(
    a: number, asb: number, asr: number, asc: number, b: number, bsb: number, bsr: number, bsc: number,
    out: number, batch: number, m: number, k: number, n: number, pack: number,
  ): void;
  /** The scratch bytes a convolution pass (0 forward, 1 input grad, 2 weight grad) needs for the
   *  i32 geometry at `gp` (assembly/kernels/conv.ts) with `size`-byte elements; completes the geometry. */
  conv2d_scratch(gp: number, pass: number, size: number): number;
  conv2d_f32(x: number, w: number, bias: number, out: number, gp: number, scratch: number): void;
  conv2d_f64(x: number, w: number, bias: number, out: number, gp: number, scratch: number): void;
  conv2d_input_grad_f32(gy: number, w: number, gx: number, gp: number, scratch: number): void;
  conv2d_input_grad_f64(gy: number, w: number, gx: number, gp: number, scratch: number): void;
  conv2d_weight_grad_f32(gy: number, x: number, gw: number, gp: number, scratch: number): void;
  conv2d_weight_grad_f64(gy: number, x: number, gw: number, gp: number, scratch: number): void;
  /** `gp` points at the i32 pooling geometry (assembly/kernels/pool.ts); op a Pool code. */
  pool2d_f32(op: number, x: number, out: number, idx: number, gp: number): void;
  pool2d_f64(op: number, x: number, out: number, idx: number, gp: number): void;
  pool2d_backward_f32(op: number, gy: number, gx: number, idx: number, gp: number): void;
  pool2d_backward_f64(op: number, gy: number, gx: number, idx: number, gp: number): void;
  /** `sp` points at i32 [ndim, shape, srcStrides, dstStrides]; dtypes as DT codes. */
  copy(src: number, sdt: number, dst: number, ddt: number, sp: number): void;
  fill(p: number, dt: number, value: number, n: number): void;
  /** unary_f32 with the op's parameters a, b (LEAKY_RELU, ELU, SOFTPLUS, HARDTANH). */
  unary_params_f32(op: number, x: number, out: number, n: number, a: number, b: number): void;
  unary_params_f64(op: number, x: number, out: number, n: number, a: number, b: number): void;
  /** out = g * op'(x), contiguous. */
  unary_backward_f32(op: number, g: number, x: number, out: number, n: number, a: number, b: number): void;
  unary_backward_f64(op: number, g: number, x: number, out: number, n: number, a: number, b: number): void;
  /** reverse: a raw bool (0 or 1). int32: 1 when an output did not fit. */
  scan_f32(op: number, x: number, outer: number, axis: number, inner: number, out: number, reverse: number): void;
  /** w, b: 0 when absent; mean and rstd get one value per row. */
  layer_norm_f32(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  layer_norm_f64(x: number, w: number, b: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  /** w, gx, gw, gb: 0 when absent (gw and gb accumulate: zeroed by the caller). */
  layer_norm_backward_f32(gy: number, x: number, mean: number, rstd: number, w: number, gx: number, gw: number, gb: number, rows: number, cols: number): void;
  layer_norm_backward_f64(gy: number, x: number, mean: number, rstd: number, w: number, gx: number, gw: number, gb: number, rows: number, cols: number): void;
  /** log: a raw bool (1: log_softmax); scratch: 2 * inner elements (0 when inner == 1). */
  softmax_f32(x: number, y: number, outer: number, axis: number, inner: number, log: number, scratch: number): void;
  softmax_f64(x: number, y: number, outer: number, axis: number, inner: number, log: number, scratch: number): void;
  /** scratch: inner elements (0 when inner == 1). */
  softmax_backward_f32(g: number, y: number, gx: number, outer: number, axis: number, inner: number, log: number, scratch: number): void;
  softmax_backward_f64(g: number, y: number, gx: number, outer: number, axis: number, inner: number, log: number, scratch: number): void;
  scan_f64(op: number, x: number, outer: number, axis: number, inner: number, out: number, reverse: number): void;
  scan_i32(op: number, x: number, outer: number, axis: number, inner: number, out: number, reverse: number): number;
  cumprod_backward_f32(x: number, g: number, outer: number, axis: number, inner: number, out: number): void;
  cumprod_backward_f64(x: number, g: number, outer: number, axis: number, inner: number, out: number): void;
  /** `sp` points at i32 [ndim, shape, aStrides, indexStrides, bStrides]; -1, or the position of a bad index. */
  gather_1(src: number, index: number, out: number, sp: number, dim: number, dimSize: number): number;
  gather_4(src: number, index: number, out: number, sp: number, dim: number, dimSize: number): number;
  gather_8(src: number, index: number, out: number, sp: number, dim: number, dimSize: number): number;
  scatter_1(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  scatter_4(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  scatter_8(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  /** -2 when an int32 sum did not fit. */
  scatter_add_f32(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  scatter_add_f64(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  scatter_add_i32(out: number, index: number, src: number, sp: number, dim: number, dimSize: number): number;
  /** Batch normalisation over a contiguous [n, c, s] block (assembly/kernels/batchnorm.ts); pointers
   *  of weight, bias, gx, gw, gb may be 0 (none); train: a raw bool. */
  batch_norm_stats_f32(x: number, n: number, c: number, s: number, mean: number, varSum: number): void;
  batch_norm_stats_f64(x: number, n: number, c: number, s: number, mean: number, varSum: number): void;
  batch_norm_forward_f32(x: number, n: number, c: number, s: number, mean: number, variance: number, count: number, eps: number, weight: number, bias: number, out: number): void;
  batch_norm_forward_f64(x: number, n: number, c: number, s: number, mean: number, variance: number, count: number, eps: number, weight: number, bias: number, out: number): void;
  batch_norm_backward_f32(
    g: number, x: number, n: number, c: number, s: number, mean: number, variance: number, count: number, eps: number,
    weight: number, train: number, gx: number, gw: number, gb: number,
  ): void;
  batch_norm_backward_f64(
    g: number, x: number, n: number, c: number, s: number, mean: number, variance: number, count: number, eps: number,
    weight: number, train: number, gx: number, gw: number, gb: number,
  ): void;
}

export type WasmSource = WebAssembly.Module | BufferSource;

function imports(getMemory: () => WebAssembly.Memory | undefined): WebAssembly.Imports {
  return {
    env: {
      // Only reachable through a bug: kernels never abort, alloc reports failure with 0.
      abort(msg: number, file: number, line: number, col: number): never {
        const mem = getMemory();
        throw new Error(`wasmgrad.wasm aborted: ${readString(mem, msg)} (${readString(mem, file)}:${line}:${col})`);
      },
    },
  };
}

/** An AssemblyScript string (UTF-16, byte length at ptr - 4). */
function readString(mem: WebAssembly.Memory | undefined, ptr: number): string {
  if (!mem || !ptr) return "";
  const u8 = new Uint8Array(mem.buffer);
  const len = new DataView(mem.buffer).getUint32(ptr - 4, true) >>> 1;
  let s = "";
  for (let i = 0; i < len && i < 1000; i++) s += String.fromCharCode(u8[ptr + 2 * i]! | (u8[ptr + 2 * i + 1]! << 8));
  return s;
}

function missingSource(): Error {
  return new TypeError("instantiate() needs a WebAssembly.Module or the bytes of wasmgrad.wasm");
}

/** A bundler's .wasm import is often the file's URL or path (types/wasmgrad.wasm.d.ts). */
function checkNotLocation(source: unknown): void {
  if (typeof source === "string" || (typeof URL !== "undefined" && source instanceof URL)) {
    throw new TypeError(
      `init({ module }) got the location ${JSON.stringify(String(source))}, not the binary: pass ` +
      "await WebAssembly.compileStreaming(fetch(url)) (or the file's bytes)",
    );
  }
}

/** Instantiate wasmgrad.wasm from a compiled module or its bytes. */
export async function instantiate(source?: WasmSource): Promise<WasmExports> {
  if (source === undefined || source === null) throw missingSource();
  checkNotLocation(source);
  let exports: WasmExports | undefined;
  const imp = imports(() => exports?.memory);
  if (source instanceof WebAssembly.Module) {
    const instance = await WebAssembly.instantiate(source, imp);
    exports = instance.exports as unknown as WasmExports;
  } else {
    const { instance } = await WebAssembly.instantiate(source, imp);
    exports = instance.exports as unknown as WasmExports;
  }
  return exports;
}

/** The same, synchronously: for the CommonJS entry (src/cjs.ts), where Node compiles Wasm
 *  of any size on the spot. Browsers refuse synchronous compiles of large modules. */
export function instantiateSync(source: WasmSource): WasmExports {
  if (source === undefined || source === null) throw missingSource();
  checkNotLocation(source);
  let exports: WasmExports | undefined;
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  const instance = new WebAssembly.Instance(module, imports(() => exports?.memory));
  exports = instance.exports as unknown as WasmExports;
  return exports;
}
