import { readFileSync, existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { oraclePath as oracleFile } from "./helpers/oracle.js";
import { formatTensor, pyFormatExp, pyFormatFixed } from "../src/format.js";
import type { DType, TypedArray } from "../src/dtype.js";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

type Num = number | boolean | "nan" | "inf" | "-inf";

function toNumber(v: Num): number {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v === "boolean") return v ? 1 : 0;
  return v;
}

function build(dtype: DType, data: readonly Num[]): TypedArray {
  const nums = data.map(toNumber);
  switch (dtype) {
    case "float32": return Float32Array.from(nums);
    case "float64": return Float64Array.from(nums);
    case "int32": return Int32Array.from(nums);
    case "bool": return Uint8Array.from(nums);
  }
}

const f32 = (xs: readonly Num[]) => build("float32", xs);
const f64 = (xs: readonly Num[]) => build("float64", xs);
const i32 = (xs: readonly Num[]) => build("int32", xs);
const b8 = (xs: readonly Num[]) => build("bool", xs);
const range = (n: number, f: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

// ---------------------------------------------------------------------------
// Oracle (real PyTorch 1.13.1 output)
// ---------------------------------------------------------------------------

interface TensorSpec { shape: number[]; dtype: DType; data: Num[]; requiresGrad?: boolean }
interface Step { out?: string | string[]; call?: string; self?: string; args?: unknown[]; get?: string; set?: string; new?: boolean }
interface Case { id: string; inputs: Record<string, TensorSpec>; steps?: Step[]; expect?: Record<string, unknown> }

const oraclePath = existsSync(oracleFile()) ? oracleFile() : undefined;

function isTensorSpec(v: unknown): v is TensorSpec {
  return typeof v === "object" && v !== null && "shape" in v && "dtype" in v && "data" in v;
}

interface Built { values: TypedArray; shape: number[]; dtype: DType }

/**
 * A tiny interpreter for the few steps that produce a repr'd tensor that is neither an
 * input nor a recorded expectation (the summarisation cases build them with
 * torch.arange / reshape / div). Returns null for anything else.
 */
function evalSteps(c: Case, target: string): Built | null {
  const vars: Record<string, Built> = {};
  for (const [k, spec] of Object.entries(c.inputs)) vars[k] = { values: build(spec.dtype, spec.data), shape: spec.shape, dtype: spec.dtype };
  for (const s of c.steps ?? []) {
    if (typeof s.out !== "string") return vars[target] ?? null;
    const args = s.args ?? [];
    if (s.call === "torch.arange") {
      const nums = args.filter((a): a is number => typeof a === "number");
      const opts = args.find((a) => typeof a === "object" && a !== null) as { dtype?: DType } | undefined;
      const [start, end, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
      const dtype: DType = opts?.dtype ?? (nums.every(Number.isInteger) ? "int32" : "float32");
      const data = range(Math.ceil((end - start) / step), (i) => start + i * step);
      vars[s.out] = { values: build(dtype, data), shape: [data.length], dtype };
    } else if (s.call === "reshape" && s.self && vars[s.self]) {
      const shape = (Array.isArray(args[0]) ? args[0] : args) as number[];
      vars[s.out] = { ...vars[s.self]!, shape };
    } else if (s.call === "div" && s.self && vars[s.self] && typeof args[0] === "number") {
      const src = vars[s.self]!;
      const dtype: DType = src.dtype === "float64" ? "float64" : "float32";
      const d = args[0];
      vars[s.out] = { values: build(dtype, Array.from(src.values, (v) => v / d)), shape: src.shape, dtype };
    } else {
      return null; // not interpretable here
    }
  }
  return vars[target] ?? null;
}

/** The suffixes the caller passes: only `requires_grad=True` / `grad_fn=<...>`, read off the expected tail. */
function callerSuffixes(expected: string): string[] {
  const m = /(?:, |,\n +)(requires_grad=True|grad_fn=<[A-Za-z0-9_]+>)\)$/.exec(expected);
  return m ? [m[1]!] : [];
}

interface OracleRepr { id: string; key: string; expected: string; built: Built | null; why?: string }

function collectOracle(): OracleRepr[] {
  if (!oraclePath) return [];
  const file = JSON.parse(readFileSync(oraclePath, "utf8")) as { cases: Case[] };
  const out: OracleRepr[] = [];
  for (const c of file.cases) {
    const ex = c.expect ?? {};
    for (const [key, expected] of Object.entries(ex)) {
      if (!key.startsWith("repr:") && !key.startsWith("inspect:")) continue;
      const target = key.slice(key.indexOf(":") + 1);
      if (typeof expected !== "string") continue;
      if (target.endsWith(".gradFn")) {
        out.push({ id: c.id, key, expected, built: null, why: "autograd node repr, not a tensor" });
        continue;
      }
      // a module's printed form (`Conv2d(1, 8, kernel_size=(3, 3), ...)`): test/oracle.test.ts checks it
      if (/^[A-Z]\w*\(/.test(expected)) {
        out.push({ id: c.id, key, expected, built: null, why: "module repr, not a tensor" });
        continue;
      }
      if ((c.steps ?? []).some((s) => s.out === target && s.new === true && s.call?.startsWith("torch.optim."))) {
        out.push({ id: c.id, key, expected, built: null, why: "optimizer repr, not a tensor" });
        continue;
      }
      let built: Built | null = null;
      const e = ex[target];
      if (isTensorSpec(e)) built = { values: build(e.dtype, e.data), shape: e.shape, dtype: e.dtype };
      else if (c.inputs[target]) {
        const s = c.inputs[target]!;
        built = { values: build(s.dtype, s.data), shape: s.shape, dtype: s.dtype };
      } else built = evalSteps(c, target);
      out.push({ id: c.id, key, expected, built, why: built ? undefined : "tensor not reconstructible" });
    }
  }
  return out;
}

const oracle = collectOracle();
const tensorReprs = oracle.filter((o) => o.built !== null);

describe("formatTensor against the PyTorch 1.13.1 oracle", () => {
  it("finds the oracle and its repr cases", () => {
    expect(oraclePath, "oracle cases.json not found").toBeTruthy();
    expect(tensorReprs.length).toBeGreaterThan(0);
    const skipped = oracle.filter((o) => o.built === null);
    // Everything not covered must be an autograd node repr ("<AddBackward0 object>"), a module's
    // printed form or an optimizer's (the oracle's conv_nn and optim cases check those).
    const notTensors = new Set(["autograd node repr, not a tensor", "module repr, not a tensor", "optimizer repr, not a tensor"]);
    expect(skipped.filter((o) => !notTensors.has(o.why))).toEqual([]);
    const nRepr = tensorReprs.filter((o) => o.key.startsWith("repr:")).length;
    const nInspect = tensorReprs.length - nRepr;
    console.log(
      `format oracle coverage: ${tensorReprs.length} tensor strings (${nRepr} repr:, ${nInspect} inspect:); ` +
        `${skipped.length} node reprs not applicable`,
    );
  });

  for (const o of tensorReprs) {
    it(`${o.id} ${o.key}`, () => {
      const b = o.built!;
      expect(formatTensor(b.values, b.shape, b.dtype, callerSuffixes(o.expected))).toBe(o.expected);
    });
  }
});

// ---------------------------------------------------------------------------
// Python float formatting
// ---------------------------------------------------------------------------

describe("Python-style number formatting", () => {
  // Expected strings are Python 3's '{:.4f}' / '{:.4e}' / '{:.0f}' output.
  it("rounds exact ties to even, like Python (JS toFixed rounds them up)", () => {
    expect(pyFormatFixed(0.03125, 4)).toBe("0.0312");
    expect(pyFormatFixed(0.15625, 4)).toBe("0.1562");
    expect(pyFormatFixed(1.03125, 4)).toBe("1.0312");
    expect(pyFormatFixed(-0.03125, 4)).toBe("-0.0312");
    expect(pyFormatFixed(0.5, 0)).toBe("0");
    expect(pyFormatFixed(1.5, 0)).toBe("2");
    expect(pyFormatFixed(2.5, 0)).toBe("2");
    expect(pyFormatExp(1.03125, 3)).toBe("1.031e+00");
    expect(pyFormatExp(1.09375, 3)).toBe("1.094e+00");
  });
  it("formats the float32 value, not the decimal literal", () => {
    expect(pyFormatFixed(Math.fround(2.00005), 4)).toBe("2.0001"); // 2.0000500679...
    expect(pyFormatFixed(2.00005, 4)).toBe("2.0000"); // 2.0000499999...
  });
  it("uses Python's exponent style and non-finite spellings", () => {
    expect(pyFormatExp(102.4, 4)).toBe("1.0240e+02");
    expect(pyFormatExp(0.1024, 4)).toBe("1.0240e-01");
    expect(pyFormatExp(9.99995, 4)).toBe("1.0000e+01"); // 9.99995000000000011...: rounds up, carries
    expect(pyFormatExp(1e300, 4)).toBe("1.0000e+300");
    expect(pyFormatExp(5e-324, 4)).toBe("4.9407e-324");
    expect(pyFormatExp(0, 4)).toBe("0.0000e+00");
    expect(pyFormatExp(-0, 4)).toBe("-0.0000e+00");
    expect(pyFormatFixed(-0, 0)).toBe("-0");
    expect(pyFormatFixed(3e9, 4)).toBe("3000000000.0000");
    for (const f of [pyFormatFixed, pyFormatExp]) {
      expect(f(NaN, 4)).toBe("nan");
      expect(f(Infinity, 4)).toBe("inf");
      expect(f(-Infinity, 4)).toBe("-inf");
    }
  });
});

// ---------------------------------------------------------------------------
// Hand-derived cases. Each expectation below was derived by hand from the logic of
// PyTorch 1.13's torch/_tensor_str.py (_Formatter, _vector_str,
// _tensor_str_with_formatter, get_summarized_data, _add_suffixes, _str_intern);
// the derivation is sketched in the comment next to it.
// ---------------------------------------------------------------------------

describe("formatTensor: hand-derived from the _tensor_str.py logic", () => {
  it("0-d tensors", () => {
    expect(formatTensor(f32([27]), [], "float32", [])).toBe("tensor(27.)");
    // lone value: max/min = 1, not > 1e8, not < 1e-4 -> fixed, not sci
    expect(formatTensor(f32([102.4]), [], "float32", [])).toBe("tensor(102.4000)");
    expect(formatTensor(f32([1e-5]), [], "float32", [])).toBe("tensor(1.0000e-05)"); // min < 1e-4 -> sci
    expect(formatTensor(f32([3e9]), [], "float32", [])).toBe("tensor(3.0000e+09)"); // int mode, max > 1e8 -> sci
    expect(formatTensor(b8([true]), [], "bool", [])).toBe("tensor(True)");
    expect(formatTensor(i32([3]), [], "int32", [])).toBe("tensor(3)");
    expect(formatTensor(f32(["nan"]), [], "float32", [])).toBe("tensor(nan)"); // int mode, no '.' on nonfinite
    expect(formatTensor(f32(["-inf"]), [], "float32", [])).toBe("tensor(-inf)");
    expect(formatTensor(f32([-0]), [], "float32", [])).toBe("tensor(-0.)"); // '{:.0f}'.format(-0.0) == '-0'
    expect(formatTensor(f64([2.5]), [], "float64", ["requires_grad=True"])).toBe(
      "tensor(2.5000, dtype=torch.float64, requires_grad=True)",
    );
  });

  it("sci mode when max/min > 1000", () => {
    expect(formatTensor(f32([102.4, 1024, 0.1024]), [3], "float32", [])).toBe(
      "tensor([1.0240e+02, 1.0240e+03, 1.0240e-01])",
    );
    // not int mode, min 1e-5 < 1e-4 -> sci; width = len('-1.0000e-05') = 11, zero padded to it
    expect(formatTensor(f32([0, -1e-5, 1]), [3], "float32", [])).toBe(
      "tensor([ 0.0000e+00, -1.0000e-05,  1.0000e+00])",
    );
    // int mode, max/min = 2000 > 1000 -> sci
    expect(formatTensor(f32([1, 2000]), [2], "float32", [])).toBe("tensor([1.0000e+00, 2.0000e+03])");
    // int mode, ratio exactly 1000 is not > 1000 -> '{:.0f}' + '.'
    expect(formatTensor(f32([1, 1000]), [2], "float32", [])).toBe("tensor([   1., 1000.])");
  });

  it("int mode with negatives", () => {
    // width = max(len('{:.0f}') + 1) = len('-100') + 1 = 5
    expect(formatTensor(f32([-3, 0, 12, -100]), [4], "float32", [])).toBe("tensor([  -3.,    0.,   12., -100.])");
    expect(formatTensor(f32([-1, 2, -3, 4]), [2, 2], "float32", [])).toBe("tensor([[-1.,  2.],\n        [-3.,  4.]])");
  });

  it("nan / inf mixes", () => {
    // int mode from the finite non-zero 1.; width 2; 'nan'/'inf' (3 chars) are not padded and get no '.'
    expect(formatTensor(f32(["nan", "inf", 1]), [3], "float32", [])).toBe("tensor([nan, inf, 1.])");
    // not int mode; width len('2.5000') = 6
    expect(formatTensor(f32(["nan", "-inf", 2.5]), [3], "float32", [])).toBe("tensor([   nan,   -inf, 2.5000])");
    // no non-zero finite value: int mode, width 1
    expect(formatTensor(f32(["nan", "nan"]), [2], "float32", [])).toBe("tensor([nan, nan])");
    expect(formatTensor(f32([0, "nan"]), [2], "float32", [])).toBe("tensor([0., nan])");
    expect(formatTensor(f32([0, 0, 0]), [3], "float32", [])).toBe("tensor([0., 0., 0.])");
    // sci: '{:10.4e}'.format(inf) right-aligns inf in the field
    expect(formatTensor(f32(["inf", 1e-5]), [2], "float32", [])).toBe("tensor([       inf, 1.0000e-05])");
    // int mode, width len('100') + 1 = 4, '-inf' fits exactly
    expect(formatTensor(f32(["-inf", 100, 1]), [3], "float32", [])).toBe("tensor([-inf, 100.,   1.])");
  });

  it("float32 values are formatted from the float32, float64 from the double", () => {
    expect(formatTensor(f32([2.00005]), [1], "float32", [])).toBe("tensor([2.0001])");
    expect(formatTensor(f64([2.00005]), [1], "float64", [])).toBe("tensor([2.0000], dtype=torch.float64)");
  });

  it("wraps a long 1-D vector at linewidth 80", () => {
    // width 7 (' 0.5000' .. '19.5000'); elements_per_line = floor((80 - 7) / 9) = 8
    const x = f32(range(20, (i) => i + 0.5));
    expect(formatTensor(x, [20], "float32", [])).toBe(
      "tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n" +
        "         8.5000,  9.5000, 10.5000, 11.5000, 12.5000, 13.5000, 14.5000, 15.5000,\n" +
        "        16.5000, 17.5000, 18.5000, 19.5000])",
    );
  });

  it("float64 suffix before requires_grad", () => {
    expect(formatTensor(f64([1, 2]), [2], "float64", ["requires_grad=True"])).toBe(
      "tensor([1., 2.], dtype=torch.float64, requires_grad=True)",
    );
    expect(formatTensor(f64([1, 2, 3, 4]), [2, 2], "float64", ["grad_fn=<MulBackward0>"])).toBe(
      "tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64, grad_fn=<MulBackward0>)",
    );
  });

  it("wraps a suffix onto a new line when the line would pass 80", () => {
    // 'tensor([  114.8293,   308.5110,  -412.7011, -1535.9073]' is 55 chars, last_line_len 57;
    // 57 + 19 + 2 = 78 <= 80 keeps the dtype; then 78 + 22 + 2 > 80 moves grad_fn to a new line
    expect(
      formatTensor(f64([114.8293, 308.511, -412.7011, -1535.9073]), [4], "float64", ["grad_fn=<MulBackward0>"]),
    ).toBe("tensor([  114.8293,   308.5110,  -412.7011, -1535.9073], dtype=torch.float64,\n       grad_fn=<MulBackward0>)");
    // 'grad_fn=<SumBackward0>' is 22 chars. 11 int-mode elements: 'tensor([...]' is 51 chars,
    // last_line_len = 51 + 2 = 53 (PyTorch counts len - rfind('\n') + 1), 53 + 22 + 2 = 77 <= 80: stays
    const eleven = f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2]);
    expect(formatTensor(eleven, [11], "float32", ["grad_fn=<SumBackward0>"])).toBe(
      "tensor([1., 2., 3., 4., 5., 6., 7., 8., 9., 1., 2.], grad_fn=<SumBackward0>)",
    );
    // 12 elements: 55 chars, 57 + 22 + 2 = 81 > 80 -> new line indented by len('tensor(') = 7,
    // although the one-line form would be only 79 characters long
    const twelve = f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3]);
    expect(formatTensor(twelve, [12], "float32", ["grad_fn=<SumBackward0>"])).toBe(
      "tensor([1., 2., 3., 4., 5., 6., 7., 8., 9., 1., 2., 3.],\n       grad_fn=<SumBackward0>)",
    );
    // exact boundary on a 2-D tensor: width 5 (len('-100') + 1); the last line
    // '        [   7.,    8., ...,   13.]]' is 58 chars -> last_line_len 60;
    // 60 + len('requires_grad=True') 18 + 2 == 80 is not > 80: stays on the line
    const m = f32([-100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(formatTensor(m, [2, 7], "float32", ["requires_grad=True"])).toBe(
      "tensor([[-100.,    1.,    2.,    3.,    4.,    5.,    6.],\n" +
        "        [   7.,    8.,    9.,   10.,   11.,   12.,   13.]], requires_grad=True)",
    );
    // ... while 60 + 22 + 2 > 80 wraps
    expect(formatTensor(m, [2, 7], "float32", ["grad_fn=<MulBackward0>"])).toBe(
      "tensor([[-100.,    1.,    2.,    3.,    4.,    5.,    6.],\n" +
        "        [   7.,    8.,    9.,   10.,   11.,   12.,   13.]],\n       grad_fn=<MulBackward0>)",
    );
  });

  it("bool alignment", () => {
    // width = len('False') = 5; 'True' right-aligned
    expect(formatTensor(b8([true, false, false, true]), [2, 2], "bool", [])).toBe(
      "tensor([[ True, False],\n        [False,  True]])",
    );
    expect(formatTensor(b8([true, true, true, true]), [2, 2], "bool", [])).toBe(
      "tensor([[True, True],\n        [True, True]])",
    );
  });

  it("int32 prints like PyTorch's int64 (no dtype suffix)", () => {
    expect(formatTensor(i32([-2147483648, 2147483647, 0]), [3], "int32", [])).toBe(
      "tensor([-2147483648,  2147483647,           0])",
    );
    expect(formatTensor(i32([1, 2, 3]), [3], "int32", [])).toBe("tensor([1, 2, 3])");
  });

  it("4-d: blank lines between blocks are '\\n' * (dim - 1)", () => {
    expect(formatTensor(f32([1, 2, 3, 4]), [2, 1, 1, 2], "float32", [])).toBe(
      "tensor([[[[1., 2.]]],\n\n\n        [[[3., 4.]]]])",
    );
  });

  it("empty tensors", () => {
    expect(formatTensor(f32([]), [0], "float32", [])).toBe("tensor([])");
    expect(formatTensor(f32([]), [0, 3], "float32", [])).toBe("tensor([], size=(0, 3))");
    expect(formatTensor(f64([]), [0], "float64", [])).toBe("tensor([], dtype=torch.float64)");
    expect(formatTensor(f64([]), [2, 0], "float64", ["requires_grad=True"])).toBe(
      "tensor([], size=(2, 0), dtype=torch.float64, requires_grad=True)",
    );
    // PyTorch prints the dtype of every empty non-default-dtype tensor (`dtype != get_default_dtype()`),
    // so empty int / bool tensors carry one; int32 prints as the int64 it stands in for (API.md).
    expect(formatTensor(i32([]), [0], "int32", [])).toBe("tensor([], dtype=torch.int64)");
    expect(formatTensor(b8([]), [0], "bool", [])).toBe("tensor([], dtype=torch.bool)");
  });

  it("summarises a 1-D tensor past 1000 elements", () => {
    // summarised data [0, 1, 2, 1997, 1998, 1999]: int mode, max/min = 1999 > 1000 -> sci, width 10;
    // elements_per_line = floor(73 / 12) = 6, and ' ...' counts as one element
    expect(formatTensor(f32(range(2000)), [2000], "float32", [])).toBe(
      "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
    );
    expect(formatTensor(i32(range(2000)), [2000], "int32", [])).toBe(
      "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])",
    );
    // 1001 elements is past the threshold
    expect(formatTensor(i32(range(1001)), [1001], "int32", [])).toBe(
      "tensor([   0,    1,    2,  ...,  998,  999, 1000])",
    );
    // the formatter only sees the shown elements: a huge hidden value does not force sci mode
    const hidden = range(2000, (i) => (i === 1000 ? 1e12 : (i % 5) + 0.5));
    expect(formatTensor(f32(hidden), [2000], "float32", [])).toBe(
      "tensor([0.5000, 1.5000, 2.5000,  ..., 2.5000, 3.5000, 4.5000])",
    );
  });

  it("summarises a 40x40 2-D tensor", () => {
    // rows 0,1,2,37,38,39 and columns 0,1,2,37,38,39 are shown; width len('1599') = 4
    expect(formatTensor(i32(range(1600)), [40, 40], "int32", [])).toBe(
      [
        "tensor([[   0,    1,    2,  ...,   37,   38,   39],",
        "        [  40,   41,   42,  ...,   77,   78,   79],",
        "        [  80,   81,   82,  ...,  117,  118,  119],",
        "        ...,",
        "        [1480, 1481, 1482,  ..., 1517, 1518, 1519],",
        "        [1520, 1521, 1522,  ..., 1557, 1558, 1559],",
        "        [1560, 1561, 1562,  ..., 1597, 1598, 1599]])",
      ].join("\n"),
    );
    // 1 + i/100: not int mode, max/min = 16.99 -> fixed, width len('16.9900') = 7;
    // the last line is 69 chars, 71 + 18 + 2 > 80 puts requires_grad on its own line
    expect(formatTensor(f32(range(1600, (i) => 1 + i / 100)), [40, 40], "float32", ["requires_grad=True"])).toBe(
      [
        "tensor([[ 1.0000,  1.0100,  1.0200,  ...,  1.3700,  1.3800,  1.3900],",
        "        [ 1.4000,  1.4100,  1.4200,  ...,  1.7700,  1.7800,  1.7900],",
        "        [ 1.8000,  1.8100,  1.8200,  ...,  2.1700,  2.1800,  2.1900],",
        "        ...,",
        "        [15.8000, 15.8100, 15.8200,  ..., 16.1700, 16.1800, 16.1900],",
        "        [16.2000, 16.2100, 16.2200,  ..., 16.5700, 16.5800, 16.5900],",
        "        [16.6000, 16.6100, 16.6200,  ..., 16.9700, 16.9800, 16.9900]],",
        "       requires_grad=True)",
      ].join("\n"),
    );
  });

  it("summarises a 3-D tensor ('...,' slice between blank lines)", () => {
    // shape [8, 2, 100]: blocks 0,1,2,5,6,7 shown, both rows, columns 0,1,2,97,98,99; width 4
    const blk = (b: number) => {
      const r = (base: number) =>
        [base, base + 1, base + 2].map((v) => String(v).padStart(4)).join(", ") +
        ",  ..., " +
        [base + 97, base + 98, base + 99].map((v) => String(v).padStart(4)).join(", ");
      return `[[${r(b * 200)}],\n         [${r(b * 200 + 100)}]]`;
    };
    const expected =
      "tensor([" + [blk(0), blk(1), blk(2), "...", blk(5), blk(6), blk(7)].join(",\n\n        ") + "])";
    expect(expected.split("\n")[0]).toBe("tensor([[[   0,    1,    2,  ...,   97,   98,   99],");
    expect(formatTensor(i32(range(1600)), [8, 2, 100], "int32", [])).toBe(expected);
  });

  it("honours the offset of a larger buffer only up to numel", () => {
    // values beyond numel are ignored (formatter width too)
    expect(formatTensor(i32([1, 2, 3, 123456]), [3], "int32", [])).toBe("tensor([1, 2, 3])");
  });
});
