/**
 * Tensor printing: a line-for-line port of PyTorch 1.13's `torch/_tensor_str.py`
 * (`_Formatter`, `_scalar_str`, `_vector_str`, `_tensor_str_with_formatter`,
 * `_tensor_str`, `_add_suffixes`, `get_summarized_data`, `_str_intern`) with the
 * default print options, for the dense CPU tensors wasmgrad has.
 *
 * Numbers are formatted the way Python's `'{:.4f}'` / `'{:.4e}'` / `'{:.0f}'` format a
 * float: correctly rounded from the exact binary value, ties to even. JS `toFixed` /
 * `toExponential` break exact ties upwards (0.03125 -> "0.0313", Python "0.0312"), so
 * the digits are computed here with BigInt arithmetic instead.
 */
import { dtypeName, type DType, type TypedArray } from "./dtype.js";

/** PyTorch's default `PRINT_OPTS` (precision 4, threshold 1000, edgeitems 3, linewidth 80, sci_mode None). */
const PRINT_OPTS = {
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
} as const;

// ---------------------------------------------------------------------------
// Python float formatting ('{:.Nf}', '{:.Ne}', '{:W.Ne}')
// ---------------------------------------------------------------------------

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Little-endian hosts (every platform Node runs on): U32[1] holds the sign/exponent word.

/** |x| = mant * 2^exp exactly, for finite non-zero x. */
function decompose(x: number): { mant: bigint; exp: number } {
  F64[0] = x;
  const lo = U32[0]!;
  const hi = U32[1]!;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) {
    exp = -1074; // subnormal
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return { mant, exp };
}

const POW10: bigint[] = [1n];
function pow10(k: number): bigint {
  while (POW10.length <= k) POW10.push(POW10[POW10.length - 1]! * 10n);
  return POW10[k]!;
}

/** round-half-even(mant * 2^exp * 10^k) as a BigInt (mant * 2^exp >= 0). */
function scaledRound(mant: bigint, exp: number, k: number): bigint {
  let num = mant;
  let den = 1n;
  if (exp >= 0) num <<= BigInt(exp);
  else den <<= BigInt(-exp);
  if (k >= 0) num *= pow10(k);
  else den *= pow10(-k);
  const q = num / den;
  const r2 = (num - q * den) * 2n;
  if (r2 > den || (r2 === den && (q & 1n) === 1n)) return q + 1n;
  return q;
}

/** floor(log10(mant * 2^exp)) exactly. */
function decimalExponent(x: number, mant: bigint, exp: number): number {
  let e = Math.floor(Math.log10(x));
  // Fix a possible off-by-one of the floating-point estimate: need 10^e <= x < 10^(e+1).
  for (;;) {
    let num = mant;
    let den = 1n;
    if (exp >= 0) num <<= BigInt(exp);
    else den <<= BigInt(-exp);
    // compare x with 10^e  <=>  num vs den * 10^e
    if (e >= 0) den *= pow10(e);
    else num *= pow10(-e);
    if (num < den) { e -= 1; continue; }
    if (num >= den * 10n) { e += 1; continue; }
    return e;
  }
}

function isNegative(x: number): boolean {
  return x < 0 || Object.is(x, -0);
}

/** Python's text for NaN and the infinities (null for a finite number). */
function nonFinite(x: number): string | null {
  return Number.isNaN(x) ? "nan" : x === Infinity ? "inf" : x === -Infinity ? "-inf" : null;
}

/** Python's `'{:.<precision>f}'.format(x)`. */
export function pyFormatFixed(x: number, precision: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const sign = isNegative(x) ? "-" : "";
  const a = Math.abs(x);
  let digits: string;
  if (a === 0) {
    digits = "0".repeat(precision + 1);
  } else {
    const { mant, exp } = decompose(a);
    digits = scaledRound(mant, exp, precision).toString().padStart(precision + 1, "0");
  }
  if (precision === 0) return sign + digits;
  return sign + digits.slice(0, digits.length - precision) + "." + digits.slice(digits.length - precision);
}

/** Python's `'{:.<precision>e}'.format(x)` (exponent with sign and at least two digits). */
export function pyFormatExp(x: number, precision: number): string {
  const special = nonFinite(x);
  if (special !== null) return special;
  const sign = isNegative(x) ? "-" : "";
  const a = Math.abs(x);
  let digits: string;
  let e: number;
  if (a === 0) {
    digits = "0".repeat(precision + 1);
    e = 0;
  } else {
    const { mant, exp } = decompose(a);
    e = decimalExponent(a, mant, exp);
    let n = scaledRound(mant, exp, precision - e);
    if (n >= pow10(precision + 1)) {
      // rounding carried into a new digit (9.99995 -> 10.0000): renormalise
      e += 1;
      n = scaledRound(mant, exp, precision - e);
    }
    digits = n.toString();
  }
  const mantissa = precision === 0 ? digits : digits[0] + "." + digits.slice(1);
  const ae = Math.abs(e);
  return sign + mantissa + "e" + (e < 0 ? "-" : "+") + (ae < 10 ? "0" + ae : String(ae));
}

// ---------------------------------------------------------------------------
// _Formatter
// ---------------------------------------------------------------------------

class Formatter {
  readonly floatingDtype: boolean;
  readonly isBool: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;

  /** `values`: the (possibly summarised) flat data the formatter is built from. */
  constructor(values: ArrayLike<number>, dtype: DType) {
    this.floatingDtype = dtype === "float32" || dtype === "float64";
    this.isBool = dtype === "bool";

    if (!this.floatingDtype) {
      for (let i = 0; i < values.length; i++) {
        const valueStr = this.plainStr(values[i]!);
        this.maxWidth = Math.max(this.maxWidth, valueStr.length);
      }
      return;
    }

    // nonzero_finite_vals = masked_select(tensor_view, isfinite(tensor_view) & tensor_view.ne(0))
    const nonzeroFiniteVals: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== 0) nonzeroFiniteVals.push(v);
    }
    if (nonzeroFiniteVals.length === 0) {
      // no valid number, do nothing
      return;
    }

    let nonzeroFiniteMin = Infinity;
    let nonzeroFiniteMax = -Infinity;
    for (const v of nonzeroFiniteVals) {
      const a = Math.abs(v);
      if (a < nonzeroFiniteMin) nonzeroFiniteMin = a;
      if (a > nonzeroFiniteMax) nonzeroFiniteMax = a;
    }

    for (const value of nonzeroFiniteVals) {
      if (value !== Math.ceil(value)) {
        this.intMode = false;
        break;
      }
    }

    const p = PRINT_OPTS.precision;
    if (this.intMode) {
      // in int_mode for floats, all numbers are integers, and we append a decimal to nonfinites
      // to indicate that the tensor is of floating type. add 1 to the len to account for this.
      if (nonzeroFiniteMax / nonzeroFiniteMin > 1000.0 || nonzeroFiniteMax > 1.0e8) {
        this.sciMode = true;
        for (const value of nonzeroFiniteVals) {
          this.maxWidth = Math.max(this.maxWidth, pyFormatExp(value, p).length);
        }
      } else {
        for (const value of nonzeroFiniteVals) {
          this.maxWidth = Math.max(this.maxWidth, pyFormatFixed(value, 0).length + 1);
        }
      }
    } else {
      // Check if scientific representation should be used.
      if (
        nonzeroFiniteMax / nonzeroFiniteMin > 1000.0 ||
        nonzeroFiniteMax > 1.0e8 ||
        nonzeroFiniteMin < 1.0e-4
      ) {
        this.sciMode = true;
        for (const value of nonzeroFiniteVals) {
          this.maxWidth = Math.max(this.maxWidth, pyFormatExp(value, p).length);
        }
      } else {
        for (const value of nonzeroFiniteVals) {
          this.maxWidth = Math.max(this.maxWidth, pyFormatFixed(value, p).length);
        }
      }
    }
    // PRINT_OPTS.sci_mode is None by default: nothing to override.
  }

  /** `'{}'.format(value)` for an int64 / bool element. */
  private plainStr(value: number): string {
    if (this.isBool) return value ? "True" : "False";
    return String(value);
  }

  width(): number {
    return this.maxWidth;
  }

  format(value: number): string {
    let ret: string;
    if (this.floatingDtype) {
      if (this.sciMode) {
        // '{:<max_width>.<precision>e}': numbers are right-aligned in the field
        ret = pyFormatExp(value, PRINT_OPTS.precision).padStart(this.maxWidth, " ");
      } else if (this.intMode) {
        ret = pyFormatFixed(value, 0);
        if (Number.isFinite(value)) ret += ".";
      } else {
        ret = pyFormatFixed(value, PRINT_OPTS.precision);
      }
    } else {
      ret = this.plainStr(value);
    }
    return " ".repeat(Math.max(0, this.maxWidth - ret.length)) + ret;
  }
}

// ---------------------------------------------------------------------------
// Strided views over the flat row-major data
// ---------------------------------------------------------------------------

interface View {
  readonly values: TypedArray;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** self[i] */
function select(v: View, i: number): View {
  return {
    values: v.values,
    offset: v.offset + i * v.strides[0]!,
    shape: v.shape.slice(1),
    strides: v.strides.slice(1),
  };
}

function item(v: View): number {
  return v.values[v.offset]!;
}

/** self.tolist() of a 1-D view, restricted to indices [start, end). */
function list1d(v: View, start: number, end: number): number[] {
  const out: number[] = [];
  for (let i = start; i < end; i++) out.push(v.values[v.offset + i * v.strides[0]!]!);
  return out;
}

/**
 * get_summarized_data(self), flattened (the formatter only reads the flat values):
 * keep the first and last `edgeitems` entries of every dimension longer than 2*edgeitems.
 */
function getSummarizedData(v: View, out: number[]): void {
  const dim = v.shape.length;
  const e = PRINT_OPTS.edgeitems;
  if (dim === 0) {
    out.push(item(v));
    return;
  }
  const n = v.shape[0]!;
  if (dim === 1) {
    if (n > 2 * e) {
      out.push(...list1d(v, 0, e), ...list1d(v, n - e, n));
    } else {
      out.push(...list1d(v, 0, n));
    }
    return;
  }
  if (n > 2 * e) {
    for (let i = 0; i < e; i++) getSummarizedData(select(v, i), out);
    for (let i = n - e; i < n; i++) getSummarizedData(select(v, i), out);
  } else {
    for (let i = 0; i < n; i++) getSummarizedData(select(v, i), out);
  }
}

// ---------------------------------------------------------------------------
// _scalar_str / _vector_str / _tensor_str_with_formatter / _tensor_str
// ---------------------------------------------------------------------------

function scalarStr(v: View, formatter: Formatter): string {
  return formatter.format(item(v));
}

function vectorStr(v: View, indent: number, summarize: boolean, formatter: Formatter): string {
  // length includes spaces and comma between elements
  const elementLength = formatter.width() + 2;
  const elementsPerLine = Math.max(1, Math.floor((PRINT_OPTS.linewidth - indent) / elementLength));

  const e = PRINT_OPTS.edgeitems;
  const n = v.shape[0]!;
  let data: string[];
  if (summarize && n > 2 * e) {
    data = [
      ...list1d(v, 0, e).map((val) => formatter.format(val)),
      " ...",
      ...list1d(v, n - e, n).map((val) => formatter.format(val)),
    ];
  } else {
    data = list1d(v, 0, n).map((val) => formatter.format(val));
  }

  const lines: string[] = [];
  for (let i = 0; i < data.length; i += elementsPerLine) {
    lines.push(data.slice(i, i + elementsPerLine).join(", "));
  }
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function tensorStrWithFormatter(v: View, indent: number, summarize: boolean, formatter: Formatter): string {
  const dim = v.shape.length;

  if (dim === 0) return scalarStr(v, formatter);
  if (dim === 1) return vectorStr(v, indent, summarize, formatter);

  const e = PRINT_OPTS.edgeitems;
  const n = v.shape[0]!;
  const slices: string[] = [];
  if (summarize && n > 2 * e) {
    for (let i = 0; i < e; i++) slices.push(tensorStrWithFormatter(select(v, i), indent + 1, summarize, formatter));
    slices.push("...");
    for (let i = n - e; i < n; i++) slices.push(tensorStrWithFormatter(select(v, i), indent + 1, summarize, formatter));
  } else {
    for (let i = 0; i < n; i++) slices.push(tensorStrWithFormatter(select(v, i), indent + 1, summarize, formatter));
  }

  const tensorStr = slices.join("," + "\n".repeat(dim - 1) + " ".repeat(indent + 1));
  return "[" + tensorStr + "]";
}

function tensorStr(v: View, numel: number, dtype: DType, indent: number): string {
  if (numel === 0) return "[]";

  const summarize = numel > PRINT_OPTS.threshold;
  let formatterData: ArrayLike<number>;
  if (summarize) {
    const out: number[] = [];
    getSummarizedData(v, out);
    formatterData = out;
  } else {
    formatterData = v.values.subarray(0, numel);
  }
  const formatter = new Formatter(formatterData, dtype);
  return tensorStrWithFormatter(v, indent, summarize, formatter);
}

// ---------------------------------------------------------------------------
// _add_suffixes / _str_intern
// ---------------------------------------------------------------------------

function addSuffixes(tensorStr: string, suffixes: readonly string[], indent: number, forceNewline: boolean): string {
  const tensorStrs = [tensorStr];
  // (sic) PyTorch's count: the last line's length + 2
  let lastLineLen = tensorStr.length - tensorStr.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    const suffixLen = suffix.length;
    if (forceNewline || lastLineLen + suffixLen + 2 > PRINT_OPTS.linewidth) {
      tensorStrs.push(",\n" + " ".repeat(indent) + suffix);
      lastLineLen = indent + suffixLen;
      forceNewline = false;
    } else {
      tensorStrs.push(", " + suffix);
      lastLineLen += suffixLen + 2;
    }
  }
  tensorStrs.push(")");
  return tensorStrs.join("");
}

/** Python's `str(tuple(shape))`. */
function pyTupleStr(shape: readonly number[]): string {
  if (shape.length === 1) return "(" + shape[0] + ",)";
  return "(" + shape.join(", ") + ")";
}

/**
 * `repr(t)` / `print(t)` of a dense tensor exactly as PyTorch 1.13 prints it with the
 * default print options.
 *
 * @param values  flat row-major data (bool as 0/1 in a Uint8Array)
 * @param shape   the tensor's shape (`[]` for a 0-d tensor)
 * @param dtype   float32 (default dtype, no suffix), float64 (`dtype=torch.float64`),
 *                int32 (printed like PyTorch's int64: no suffix), bool (no suffix)
 * @param extraSuffixes  suffixes appended after the computed ones, e.g.
 *                `["requires_grad=True"]` or `["grad_fn=<MulBackward0>"]`
 */
export function formatTensor(
  values: TypedArray,
  shape: readonly number[],
  dtype: DType,
  extraSuffixes: readonly string[],
): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];

  let numel = 1;
  for (const s of shape) numel *= s;
  if (values.length < numel) {
    throw new Error(`formatTensor: ${values.length} values for shape [${shape.join(", ")}]`);
  }

  // float32 is the default dtype; int32 stands in for int64, and bool: these print no dtype.
  const hasDefaultDtype = dtype === "float32" || dtype === "int32" || dtype === "bool";

  let tStr: string;
  if (numel === 0) {
    // Explicitly print the shape if it is not (0,), to match NumPy behavior
    if (shape.length !== 1) suffixes.push("size=" + pyTupleStr(shape));
    // In an empty tensor, there are no elements to infer if the dtype
    // should be int64, so it must be shown explicitly.
    if (dtype !== "float32") suffixes.push("dtype=" + dtypeName(dtype, "torch"));
    tStr = "[]";
  } else {
    if (!hasDefaultDtype) suffixes.push("dtype=" + dtypeName(dtype, "torch"));
    const view: View = { values, offset: 0, shape, strides: contiguousStrides(shape) };
    tStr = tensorStr(view, numel, dtype, indent);
  }

  suffixes.push(...extraSuffixes);
  return addSuffixes(prefix + tStr, suffixes, indent, false);
}
