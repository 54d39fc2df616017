/**
 * An element type. `"int32"` stands in for PyTorch's int64 (index results, `arange` of integers);
 * `"bool"` is stored one byte per element.
 * @category Dtypes
 */
export type DType = "float32" | "float64" | "int32" | "bool";

/**
 * The typed array that holds each dtype's elements: `Float32Array` (float32), `Float64Array`
 * (float64), `Int32Array` (int32), `Uint8Array` (bool, 0 or 1).
 * @category Dtypes
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * `"float32"`, the default dtype (`torch.float32`).
 * @category Dtypes
 */
export const float32: DType = "float32";
/**
 * `"float64"` (`torch.float64`, PyTorch's double).
 * @category Dtypes
 */
export const float64: DType = "float64";
/**
 * `"int32"` (`torch.int32`); wasmgrad's integer dtype, used where PyTorch uses int64.
 * @category Dtypes
 */
export const int32: DType = "int32";
/**
 * `"bool"` (`torch.bool`). Typed as its literal, so `t.to(torch.bool)` and `{ dtype: torch.bool }`
 * give a {@link BoolTensor}.
 * @category Dtypes
 */
export const bool: "bool" = "bool";

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

export function isDType(x: unknown): x is DType {
  return x === "float32" || x === "float64" || x === "int32" || x === "bool";
}

export function isFloating(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** Bytes per element of the storage that holds a dtype (bool is one byte). */
export function itemSize(dtype: DType): number {
  return dtype === "float64" ? 8 : dtype === "bool" ? 1 : 4;
}

/**
 * How PyTorch names a dtype in its messages and printing:
 * - "scalar": c10's ScalarType name, as in "expected scalar type Float but found Double"
 *   or "not implemented for 'Int'" ("Float" | "Double" | "Int" | "Bool").
 * - "tensor": the legacy tensor type, as `t.type()` and the version-counter error write it
 *   ("torch.FloatTensor" | "torch.DoubleTensor" | "torch.IntTensor" | "torch.BoolTensor").
 * - "torch": `str(torch.<dtype>)`, as the `dtype=` print suffix writes it; int32 says
 *   "torch.int64", the dtype it stands in for (API.md, Printing).
 * int32 keeps the "Int" spellings in the first two styles, as the tests of error messages expect.
 */
export function dtypeName(dtype: DType, style: "scalar" | "tensor" | "torch"): string {
  switch (style) {
    case "scalar": return SCALAR_NAME[dtype];
    case "tensor": return "torch." + SCALAR_NAME[dtype] + "Tensor";
    case "torch": return "torch." + (dtype === "int32" ? "int64" : dtype);
  }
}

const SCALAR_NAME: Record<DType, string> = { float32: "Float", float64: "Double", int32: "Int", bool: "Bool" };

/** PyTorch's promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The most bytes one tensor may hold: Wasm32's whole address space (4 GiB), on both backends. */
export const MAX_TENSOR_BYTES = 2 ** 32;

/** The error for a tensor that cannot be allocated (the same words on both backends). */
export function outOfMemory(bytes: number): Error {
  return new Error(`not enough memory: you tried to allocate ${bytes} bytes`);
}

export function typedArrayFor(dtype: DType, n: number): TypedArray {
  if (n * itemSize(dtype) > MAX_TENSOR_BYTES) throw outOfMemory(n * itemSize(dtype));
  switch (dtype) {
    case "float32": return new Float32Array(n);
    case "float64": return new Float64Array(n);
    case "int32": return new Int32Array(n);
    case "bool": return new Uint8Array(n);
  }
}

export function dtypeOfTypedArray(a: ArrayBufferView): DType | null {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint8Array) return "bool";
  return null;
}

/** PyTorch's category of a dtype: bool < integer < floating. */
function category(d: DType): number { return d === "bool" ? 0 : d === "int32" ? 1 : 2; }

/** Combine the dtype of higher-priority operands with a lower-priority one (c10's combine_categories). */
function combineCategories(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null) return higher;
  if (isFloating(higher)) return higher;
  if (higher === "bool" || category(lower) > category(higher)) return promoteTypes(higher, lower);
  return higher;
}

/**
 * PyTorch's result_type: dimensioned tensors decide the dtype; 0-d tensors and plain
 * numbers only raise its category (bool -> integer -> floating), never its width.
 */
export function resultType(operands: readonly ({ dtype: DType; ndim: number } | number | boolean)[]): DType {
  let dim: DType | null = null, zero: DType | null = null, wrapped: DType | null = null;
  for (const o of operands) {
    if (typeof o === "number" || typeof o === "boolean") {
      const d: DType = typeof o === "boolean" ? "bool" : Number.isInteger(o) ? "int32" : "float32";
      wrapped = wrapped === null ? d : promoteTypes(wrapped, d);
    } else if (o.ndim === 0) {
      zero = zero === null ? o.dtype : promoteTypes(zero, o.dtype);
    } else {
      dim = dim === null ? o.dtype : promoteTypes(dim, o.dtype);
    }
  }
  return combineCategories(dim, combineCategories(zero, wrapped)) ?? "float32";
}

/** Whether an in-place op may write a `from` result into a `to` tensor (PyTorch's canCast). */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}
