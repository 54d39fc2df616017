/**
 * The backend contract: a small, dumb set of primitives over storage handles.
 * Shapes, broadcasting, dtype promotion and autograd live above it (src/ops,
 * src/tensor.ts); each backend only moves and computes numbers.
 *
 * Conventions shared by every method:
 * - Offsets, strides and counts are in elements, never bytes.
 * - A strided operand is (handle, offset, strides): element `idx` of a tensor of
 *   `shape` lives at `offset + sum(idx[d] * strides[d])`. A stride may be 0
 *   (broadcast) and strides may describe any permutation (transposes), so the
 *   ops layer never copies to broadcast or transpose.
 * - Outputs are fresh contiguous row-major storages starting at element 0,
 *   unless said otherwise.
 * - The float kernels (float32/float64) are where speed matters; int32 and bool
 *   support only what the comments say.
 * - int32 stands in for PyTorch's int64, so its results must not wrap silently: `unary`,
 *   `binary` and `reduce` return true when an int32 result did not fit in int32 (NEG/ABS
 *   of -2^31; ADD, SUB, MUL, POW; SUM, PROD, exact however large the intermediate values),
 *   false otherwise (always false for the other dtypes). `out` then holds the wrapped
 *   values, the same on every backend; the ops layer raises before anyone sees them.
 */
import type { DType, TypedArray } from "../dtype.js";
import * as abi from "./abi.generated.js";

/** Opaque storage reference: a typed array (js) or a byte pointer into linear memory (wasm). */
export type Handle = unknown;

// The op codes are assembly/abi.ts's, through abi.generated.ts (scripts/gen-abi.mjs).

/** Unary ops. NEG, ABS, SIGN and RELU accept int32 too; the rest float only. LEAKY_RELU, ELU,
 *  SOFTPLUS and HARDTANH take parameters (`unaryParams`). */
export const Un = abi.Un;
export type UnOp = (typeof Un)[keyof typeof Un];

/**
 * Binary ops. Arithmetic (ADD..MINIMUM) writes `dtype`; comparisons (EQ..GE) write bool
 * (one byte, 0 or 1). All accept float32/float64/int32; int32 DIV truncates (the ops
 * layer promotes to float before dividing, as PyTorch's true division).
 * POW follows Math.pow; MAXIMUM/MINIMUM propagate NaN like torch.maximum and keep a on ties.
 * ATAN2 (atan2(a, b)) is float only.
 */
export const Bin = abi.Bin;
export type BinOp = (typeof Bin)[keyof typeof Bin];

/**
 * Reductions along the middle axis of a contiguous [outer, axis, inner] block.
 * SUM/PROD/MAX/MIN write `dtype`; ARGMAX/ARGMIN write int32 (index along the axis,
 * first occurrence on ties). MAX/MIN propagate NaN and ARGMAX/ARGMIN point at the
 * first NaN, as PyTorch does. Of tied extremes (+0, -0) MAX/MIN give the first and
 * MAX_LAST/MIN_LAST (max() over all elements) the last; a float SUM starts at +0.
 * axis == 0: SUM gives 0, PROD 1 (MAX etc. are never asked for an empty axis).
 * float32 and float64 and int32.
 */
export const Red = abi.Red;
export type RedOp = (typeof Red)[keyof typeof Red];

/**
 * Pooling ops over planes (assembly/kernels/pool.ts), in PyTorch 1.13's CPU order of operations:
 * MAX (the window's max, NaN first, the first of ties; writes its flat index h*W + w per plane),
 * AVG (sum / divisor), ADAPTIVE_AVG (PyTorch's adaptive windows), GATHER (out = x[indices] per
 * plane: max pooling's double backward). Each has an adjoint (`pool2dBackward`).
 */
export const Pool = abi.Pool;
export type PoolOp = (typeof Pool)[keyof typeof Pool];

/**
 * A 2-D convolution over contiguous NCHW tensors (a 1-D one has h = kh = 1): input [n, cin, h, w],
 * weight [cout, cin / groups, kh, kw], output [n, cout, ho, wo]. ph/pw are the top/left padding
 * (ho/wo are given, so the bottom/right padding may differ: PyTorch's "same").
 */
export interface ConvGeometry {
  n: number; cin: number; h: number; w: number; cout: number; kh: number; kw: number; ho: number; wo: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number; groups: number;
}

/** A pooling over `planes` contiguous h x w planes into ho x wo (kernel fields unused by ADAPTIVE_AVG and GATHER). */
export interface PoolGeometry {
  planes: number; h: number; w: number; ho: number; wo: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; dh: number; dw: number;
  /** AVG: count the padding in the divisor. */
  countIncludePad: boolean;
  /** AVG: the divisor instead of the window's size (0: none). */
  divisor: number;
}
/** Cumulative ops (cumsum, cumprod) along the middle axis of [outer, axis, inner]. */
export const Scan = abi.Scan;
export type ScanOp = (typeof Scan)[keyof typeof Scan];

export interface Backend {
  readonly name: "js" | "wasm";

  /** A new zero-filled storage of `numel` elements of `dtype`. Throws PyTorch's
   *  "not enough memory: you tried to allocate N bytes" when it cannot, leaving
   *  the backend usable. numel may be 0. With `zero` false the contents are
   *  unspecified: for outputs a kernel overwrites whole (saves a pass over memory). */
  alloc(dtype: DType, numel: number, zero?: boolean): Handle;
  /** Release storage made by `alloc`. */
  free(h: Handle, dtype: DType, numel: number): void;
  /** Copy `src` (of the typed-array kind of `dtype`) into the storage at element `offset`. */
  write(h: Handle, dtype: DType, src: TypedArray, offset: number): void;
  /** A copy (never a view into backend memory) of `numel` elements from element `offset`. */
  read(h: Handle, dtype: DType, offset: number, numel: number): TypedArray;
  /** Set `n` elements from element `offset` to `value` (cast to dtype; bool: value != 0). */
  fill(h: Handle, dtype: DType, value: number, offset: number, n: number): void;

  /** Strided copy with cast: dst[idx] = cast(src[idx]) for every idx of `shape`.
   *  Both sides strided (dst strides may describe a view being written in place).
   *  Casting follows PyTorch: float->int truncates toward zero, anything->bool is x != 0,
   *  bool->number is 0/1. */
  copy(
    src: Handle, srcDtype: DType, srcOffset: number, srcStrides: readonly number[],
    dst: Handle, dstDtype: DType, dstOffset: number, dstStrides: readonly number[],
    shape: readonly number[],
  ): void;

  /** out[i] = op(x[xOffset + i]) for i < n; x and out contiguous, both `dtype`.
   *  True when an int32 result overflowed. */
  unary(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number): boolean;

  /** out[idx] = op(a[idx], b[idx]) over `shape` with strided (maybe broadcast) a and b,
   *  both of `dtype`; out contiguous (bool for comparisons). True when an int32 result overflowed. */
  binary(
    op: BinOp, dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): boolean;

  /** out[idx] = cond[idx] ? a[idx] : b[idx]; cond bool, a/b/out `dtype`, all strided but out. */
  where(
    dtype: DType,
    cond: Handle, cOffset: number, cStrides: readonly number[],
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, shape: readonly number[],
  ): void;

  /** Reduce the contiguous [outer, axis, inner] block at xOffset into contiguous [outer, inner].
   *  True when an int32 SUM or PROD result overflowed. */
  reduce(op: RedOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): boolean;

  /** Batched matmul: out[bi] (m x n, contiguous) = a[bi] (m x k) @ b[bi] (k x n).
   *  Each operand strided as [batch, row, col] (strides of 3 numbers, batch stride may be 0).
   *  float32 and float64 only. */
  matmul(
    dtype: DType,
    a: Handle, aOffset: number, aStrides: readonly number[],
    b: Handle, bOffset: number, bStrides: readonly number[],
    out: Handle, batch: number, m: number, k: number, n: number,
  ): void;

  /** out = conv2d(x, w) + bias (bias null: none); all contiguous from their offsets, out fresh.
   *  float32 and float64. */
  conv2d(
    dtype: DType, x: Handle, xOffset: number, w: Handle, wOffset: number,
    bias: Handle | null, bOffset: number, out: Handle, g: ConvGeometry,
  ): void;
  /** gx (fresh, [n, cin, h, w]) = the gradient of conv2d with respect to its input for the output
   *  gradient gy: the transposed convolution of gy with w. */
  conv2dInputGrad(dtype: DType, gy: Handle, gyOffset: number, w: Handle, wOffset: number, gx: Handle, g: ConvGeometry): void;
  /** gw (fresh, the weight's shape) = the gradient of conv2d with respect to its weight for the
   *  output gradient gy, summed over the batch. */
  conv2dWeightGrad(dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, gw: Handle, g: ConvGeometry): void;

  /** out [planes, ho, wo] = the pooling of x [planes, h, w]; MAX also writes int32 `indices`
   *  ([planes, ho, wo], fresh), which GATHER reads (from iOffset). float32 and float64. */
  pool2d(op: PoolOp, dtype: DType, x: Handle, xOffset: number, out: Handle, indices: Handle | null, iOffset: number, g: PoolGeometry): void;
  /** gx (fresh, [planes, h, w]) = the adjoint of `pool2d` applied to gy ([planes, ho, wo]):
   *  MAX and GATHER add gy at the indices, AVG and ADAPTIVE_AVG spread it over the windows. */
  pool2dBackward(op: PoolOp, dtype: DType, gy: Handle, gyOffset: number, indices: Handle | null, iOffset: number, gx: Handle, g: PoolGeometry): void;

  /** Bytes the backend holds from its host (wasm: the size of linear memory; js: 0). */
  heapBytes(): number;

  /** out[i] = op(x[xOffset + i]; a, b) for i < n, float32/float64 only: any float unary op,
   *  with the parameters of LEAKY_RELU (a: slope), ELU (a: alpha), SOFTPLUS (a: beta,
   *  b: threshold) and HARDTANH (a: min, b: max), in the dtype. */
  unaryParams(op: UnOp, dtype: DType, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void;

  /** The gradient of a unary op at its input: out[i] = g[gOffset + i] * op'(x[xOffset + i]; a, b)
   *  for i < n, all contiguous, float32/float64. For ERF, SILU, GELU, GELU_TANH, LOG_SIGMOID,
   *  LEAKY_RELU, ELU, SOFTPLUS and HARDTANH (parameters as unaryParams), with PyTorch's formulas. */
  unaryBackward(op: UnOp, dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, out: Handle, n: number, a: number, b: number): void;

  /** Cumulative sum (Scan.SUM) or product (Scan.PROD) of the contiguous [outer, axis, inner]
   *  block at xOffset along the axis into contiguous `out` of the same shape; from the last
   *  element back when `reverse`. float32 accumulates in float64 (as PyTorch's acc_type).
   *  float32/float64/int32; true when an int32 output did not fit in int32. */
  scan(op: ScanOp, dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle, reverse: boolean): boolean;

  /** The gradient of cumprod along the axis of [outer, axis, inner] (x and g contiguous from
   *  their offsets, out contiguous): exact where x holds zeros. float32/float64. */
  cumprodBackward(dtype: DType, x: Handle, xOffset: number, g: Handle, gOffset: number, outer: number, axis: number, inner: number, out: Handle): void;

  /** Sort each column of the contiguous [outer, axis, inner] block at xOffset along the axis,
   *  as PyTorch 1.13 orders ties and NaN (src/backend/sorting.ts): `values` (dtype) and
   *  `indices` (int32), both contiguous [outer, axis, inner]. float32/float64/int32. */
  sort(dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, values: Handle, indices: Handle, descending: boolean): void;

  /** PyTorch's topk of each column along the axis: `values` and int32 `indices`, contiguous
   *  [outer, k, inner] (0 <= k <= axis). float32/float64/int32. */
  topk(dtype: DType, x: Handle, xOffset: number, outer: number, axis: number, inner: number, k: number, largest: boolean, sorted: boolean, values: Handle, indices: Handle): void;

  /** out[idx] = src[idx with idx[dim] = index[idx]] over `shape` (the index's): src and the
   *  int32 index strided, out contiguous. Any dtype. Every index must be in [0, dimSize):
   *  returns the row-major position (in `shape`) of the first that is not, else -1. */
  gather(
    dtype: DType,
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    out: Handle, shape: readonly number[], dim: number, dimSize: number,
  ): number;

  /** out[idx with idx[dim] = index[idx]] = src[idx] (or += with `add`) over `shape` (the
   *  index's), in row-major order of `shape`; out, index and src strided (out written in
   *  place). Any dtype (`add`: float32/float64/int32). Returns as gather, or -2 when an
   *  int32 sum did not fit in int32. */
  scatter(
    add: boolean, dtype: DType,
    out: Handle, outOffset: number, outStrides: readonly number[],
    index: Handle, indexOffset: number, indexStrides: readonly number[],
    src: Handle, srcOffset: number, srcStrides: readonly number[],
    shape: readonly number[], dim: number, dimSize: number,
  ): number;

  /** Layer normalisation of `rows` contiguous rows of `cols` elements at xOffset: out (fresh,
   *  rows x cols) = (x - mean) * rstd * w + b per row, w and b (null: none) of `cols` elements from
   *  their offsets; writes each row's mean and rstd = 1 / sqrt(var + eps) (biased variance) to the
   *  fresh `mean` and `rstd` (rows elements, the dtype's). float32/float64. */
  layerNorm(
    dtype: DType, x: Handle, xOffset: number, w: Handle | null, wOffset: number, b: Handle | null, bOffset: number,
    out: Handle, mean: Handle, rstd: Handle, rows: number, cols: number, eps: number,
  ): void;
  /** The gradients of `layerNorm` for the output gradient gy (rows x cols from gyOffset), from
   *  the x, mean and rstd of the forward (mean and rstd contiguous from 0): gx (fresh, rows x cols)
   *  and, summed over the rows, gw += gy * xhat and gb += gy (fresh and zeroed, `cols` elements).
   *  Any of gx, gw, gb may be null (not wanted); w null when the forward had none. float32/float64. */
  layerNormBackward(
    dtype: DType, gy: Handle, gyOffset: number, x: Handle, xOffset: number, mean: Handle, rstd: Handle,
    w: Handle | null, wOffset: number, gx: Handle | null, gw: Handle | null, gb: Handle | null, rows: number, cols: number,
  ): void;

  /** softmax (or with `log`, log_softmax) along the axis of the contiguous [outer, axis, inner]
   *  block at xOffset into fresh contiguous `out`, the row's max subtracted first; axis >= 1.
   *  float32/float64. */
  softmax(dtype: DType, log: boolean, x: Handle, xOffset: number, outer: number, axis: number, inner: number, out: Handle): void;
  /** The input gradient of `softmax` (`log` as there) from the output gradient g and the output y
   *  (both contiguous [outer, axis, inner] from their offsets): y * (g - sum(g * y)), or
   *  g - exp(y) * sum(g) for log_softmax, into fresh contiguous `out`. float32/float64. */
  softmaxBackward(
    dtype: DType, log: boolean, g: Handle, gOffset: number, y: Handle, yOffset: number, outer: number, axis: number, inner: number, out: Handle,
  ): void;

  /** Per-channel statistics of the contiguous [n, c, s] block at xOffset (n * s > 0): mean[c] and
   *  varSum[c] = the sum of (x - mean)^2, both fresh [c] storages of dtype (sums in float64, as
   *  PyTorch's CPU kernels). float32/float64. */
  batchNormStats(dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number, mean: Handle, varSum: Handle): void;

  /** out [n, c, s] (fresh) = x * alpha + beta per channel, alpha = w / sqrt(variance / count + eps),
   *  beta = b - mean * alpha (weight/bias null: 1 and 0). mean, variance, weight and bias are [c]
   *  storages read from element 0. float32/float64. */
  batchNormForward(
    dtype: DType, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, bias: Handle | null, out: Handle,
  ): void;

  /** The gradients of `batchNormForward` for the output gradient g (both [n, c, s] from their
   *  offsets): gx [n, c, s], gw and gb [c] (fresh; null: not wanted). `train`: mean and variance
   *  are the batch's, so gx includes their dependence on x (PyTorch's formula). float32/float64. */
  batchNormBackward(
    dtype: DType, g: Handle, gOffset: number, x: Handle, xOffset: number, n: number, c: number, s: number,
    mean: Handle, variance: Handle, count: number, eps: number, weight: Handle | null, train: boolean,
    gx: Handle | null, gw: Handle | null, gb: Handle | null,
  ): void;
}
