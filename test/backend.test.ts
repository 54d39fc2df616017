/**
 * Parity tests for the two backends, driven directly through the Backend interface:
 * every kernel runs on the pure-TypeScript reference (JsBackend) and on the Wasm backend
 * with the same inputs, over every SIMD tail length, broadcast (stride 0), transposed and
 * 3-d strided operands; plus the Wasm backend's memory behaviour (growth, reuse, OOM).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { rng } from "./helpers/rng.js";
import { Bin, Red, Scan, Un, type Backend, type BinOp, type Handle, type RedOp, type ScanOp, type UnOp } from "../src/backend/backend.js";
import { JsBackend } from "../src/backend/js/index.js";
import { erf } from "../src/backend/js/math.js";
import { WasmBackend, instantiate } from "../src/backend/wasm/index.js";
import { wasmBinary } from "../src/backend/wasm/binary.generated.js";
import { typedArrayFor, type DType, type TypedArray } from "../src/dtype.js";

const js = new JsBackend();
let wasm: WasmBackend;
let wasmModule: WebAssembly.Module;

beforeAll(async () => {
  wasmModule = await WebAssembly.compile(wasmBinary);
  wasm = new WasmBackend(await instantiate(wasmBinary));
});

const SIZES = [0, 1, 3, 4, 5, 7, 8, 15, 16, 17, 100, 1023];
const FLOATS: DType[] = ["float32", "float64"];
const NUMERIC: DType[] = ["float32", "float64", "int32"];
const ALL: DType[] = ["float32", "float64", "int32", "bool"];

// ------------------------------------------------------------------------------ helpers


function randomArray(dtype: DType, n: number, seed: number, lo = -3, hi = 3): TypedArray {
  const r = rng(seed);
  const a = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) {
    const x = lo + (hi - lo) * r();
    a[i] = dtype === "bool" ? (r() < 0.5 ? 1 : 0) : dtype === "int32" ? Math.round(x) : x;
  }
  return a;
}

function fromValues(dtype: DType, values: number[]): TypedArray {
  const a = typedArrayFor(dtype, values.length);
  for (let i = 0; i < values.length; i++) a[i] = values[i]!;
  return a;
}

function prod(shape: readonly number[]): number {
  return shape.reduce((x, y) => x * y, 1);
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) { s[d] = acc; acc *= shape[d]!; }
  return s;
}

interface Input { dtype: DType; data: TypedArray }

/** Upload inputs, allocate the output, run, read the output back, free everything. */
function run(
  be: Backend, inputs: Input[], outDtype: DType, outN: number,
  call: (hs: Handle[], out: Handle) => void,
): TypedArray {
  const hs = inputs.map(({ dtype, data }) => {
    const h = be.alloc(dtype, data.length);
    be.write(h, dtype, data, 0);
    return h;
  });
  const out = be.alloc(outDtype, outN);
  call(hs, out);
  const r = be.read(out, outDtype, 0, outN);
  be.free(out, outDtype, outN);
  inputs.forEach(({ dtype, data }, i) => be.free(hs[i], dtype, data.length));
  return r;
}

/** Run on both backends; returns [js, wasm]. */
function both(inputs: Input[], outDtype: DType, outN: number, call: (be: Backend, hs: Handle[], out: Handle) => void): [TypedArray, TypedArray] {
  return [
    run(js, inputs, outDtype, outN, (hs, out) => call(js, hs, out)),
    run(wasm, inputs, outDtype, outN, (hs, out) => call(wasm, hs, out)),
  ];
}

function tolerance(dtype: DType): [number, number] {
  return dtype === "float32" ? [1e-5, 1e-5] : dtype === "float64" ? [1e-12, 1e-12] : [0, 0];
}

function expectClose(got: TypedArray, want: TypedArray, dtype: DType, ctx: string, tol = tolerance(dtype)): void {
  expect(got.length, ctx + " (length)").toBe(want.length);
  expect(got.constructor, ctx + " (type)").toBe(want.constructor);
  const [atol, rtol] = tol;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (Number.isNaN(b)) {
      if (!Number.isNaN(a)) throw new Error(`${ctx}: [${i}] got ${a}, want NaN`);
    } else if (a !== b) {
      if (!Number.isFinite(b) || !(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
        throw new Error(`${ctx}: [${i}] got ${a}, want ${b} (|diff| ${Math.abs(a - b)})`);
      }
    }
  }
}

const UN_NAMES = Object.fromEntries(Object.entries(Un).map(([k, v]) => [v, k])) as Record<number, string>;
const BIN_NAMES = Object.fromEntries(Object.entries(Bin).map(([k, v]) => [v, k])) as Record<number, string>;
const RED_NAMES = Object.fromEntries(Object.entries(Red).map(([k, v]) => [v, k])) as Record<number, string>;
const INT_UNARY: UnOp[] = [Un.NEG, Un.ABS, Un.RELU, Un.SIGN];
const isCmp = (op: BinOp) => op >= Bin.EQ && op <= Bin.GE;
/** Parameters the ops that take some are tested with (unaryParams, unaryBackward). */
const PARAMS: Partial<Record<UnOp, [number, number]>> = { [Un.LEAKY_RELU]: [0.1, 0], [Un.ELU]: [0.7, 0], [Un.SOFTPLUS]: [1.5, 4], [Un.HARDTANH]: [-0.5, 0.8] };
/** One float unary op on both kinds of call: unary, or unaryParams for an op with parameters. */
function callUnary(be: Backend, op: UnOp, dtype: DType, h: Handle, off: number, out: Handle, n: number): void {
  const p = PARAMS[op];
  if (p === undefined) be.unary(op, dtype, h, off, out, n);
  else be.unaryParams(op, dtype, h, off, out, n, p[0], p[1]);
}

// ------------------------------------------------------------------------------ unary

describe("unary", () => {
  for (const dtype of NUMERIC) {
    const ops = (dtype === "int32" ? INT_UNARY : Object.values(Un)) as UnOp[];
    for (const op of ops) {
      it(`${UN_NAMES[op]} ${dtype} at every tail length`, () => {
        for (const n of SIZES) {
          const off = 3;
          // LOG and SQRT also see negatives (NaN results must agree)
          const lo = op === Un.LOG || op === Un.SQRT ? -0.5 : dtype === "int32" ? -20 : -6;
          const hi = op === Un.LOG || op === Un.SQRT ? 9 : dtype === "int32" ? 20 : 6;
          const x = randomArray(dtype, n + off, 1000 + n + op, lo, hi);
          const [want, got] = both([{ dtype, data: x }], dtype, n, (be, [h], out) => callUnary(be, op, dtype, h, off, out, n));
          expectClose(got, want, dtype, `${UN_NAMES[op]} ${dtype} n=${n}`);
        }
      });
    }
  }

  for (const dtype of FLOATS) {
    it(`special values ${dtype}`, () => {
      const vals = [0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-3, -1e-3, 20, -20, 50, -50, 80, -80, 100, -100, 1e5, -1e5, 0.5, 3.14159, 1e-30, NaN, 7];
      const x = fromValues(dtype, vals);
      for (const op of Object.values(Un) as UnOp[]) {
        const [want, got] = both([{ dtype, data: x }], dtype, vals.length, (be, [h], out) => callUnary(be, op, dtype, h, 0, out, vals.length));
        expectClose(got, want, dtype, `${UN_NAMES[op]} ${dtype} specials`);
      }
    });
  }

  it("vectorised float32 LOG stays within 1e-6 relative of Math.log, subnormals to infinity", () => {
    const n = 100_001;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = 10 ** (-45 + (84 * i) / (n - 1));   // 1e-45 .. 1e39 (inf)
    for (let i = 0; i < 4000; i++) x[i] = 1 + (i % 2 ? -1 : 1) * 2 ** (-23 + (i % 23)); // around 1
    x.set([0, -0, -1, NaN, Infinity, -Infinity, 1, 2, 0.5, 1e-40, 1.1754943e-38, 3.4028235e38], 5000);
    const got = run(wasm, [{ dtype: "float32", data: x }], "float32", n, ([h], out) => wasm.unary(Un.LOG, "float32", h, 0, out, n));
    for (let i = 0; i < n; i++) {
      const want = Math.fround(Math.log(x[i]!));
      if (!Number.isFinite(want) || want === 0) {
        if (!Object.is(got[i], want)) throw new Error(`log(${x[i]}) = ${got[i]}, want ${want}`);
        continue;
      }
      const rel = Math.abs(got[i]! - want) / Math.abs(want);
      if (rel > 1e-6) throw new Error(`log(${x[i]}) = ${got[i]}, want ${want} (rel ${rel})`);
    }
  });

  it("vectorised float32 EXP/SIGMOID/TANH stay within 1e-6 relative of Math.* (normal results)", () => {
    const ref: Record<number, (x: number) => number> = {
      [Un.EXP]: Math.exp,
      [Un.SIGMOID]: (x) => 1 / (1 + Math.exp(-x)),
      [Un.TANH]: Math.tanh,
    };
    const n = 200_003;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -105 + (210 * i) / (n - 1);
    // small magnitudes too (tanh's polynomial range, exp near 1)
    for (let i = 0; i < 2000; i++) x[i] = (i % 2 ? -1 : 1) * 10 ** (-9 + (8 * i) / 2000);
    for (const op of [Un.EXP, Un.SIGMOID, Un.TANH] as UnOp[]) {
      const got = run(wasm, [{ dtype: "float32", data: x }], "float32", n, ([h], out) => wasm.unary(op, "float32", h, 0, out, n));
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = Math.fround(ref[op]!(x[i]!));
        if (!Number.isFinite(want) || Math.abs(want) < 1.2e-38) {
          if (!(got[i] === want || Math.abs(got[i]! - want) < 1e-37)) throw new Error(`${UN_NAMES[op]}(${x[i]}) = ${got[i]}, want ${want}`);
          continue;
        }
        const rel = Math.abs(got[i]! - want) / Math.abs(want);
        if (rel > worst) worst = rel;
        if (rel > 1e-6) throw new Error(`${UN_NAMES[op]}(${x[i]}) = ${got[i]}, want ${want} (rel ${rel})`);
      }
      expect(worst).toBeLessThan(1e-6);
    }
  });

  it("vectorised float32 ERF/LOG1P/EXPM1 stay within 3e-7 relative of float64 references", () => {
    const ref: Record<number, (x: number) => number> = { [Un.ERF]: erf, [Un.LOG1P]: Math.log1p, [Un.EXPM1]: Math.expm1 };
    const n = 200_003;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -8 + (16 * i) / (n - 1);
    for (let i = 0; i < 4000; i++) x[i] = (i % 2 ? -1 : 1) * 10 ** (-12 + (12 * i) / 4000); // tiny magnitudes
    for (const op of [Un.ERF, Un.LOG1P, Un.EXPM1] as UnOp[]) {
      const got = run(wasm, [{ dtype: "float32", data: x }], "float32", n, ([h], out) => wasm.unary(op, "float32", h, 0, out, n));
      let worst = 0;
      for (let i = 0; i < n; i++) {
        const want = ref[op]!(x[i]!);
        if (Number.isNaN(want)) { expect(got[i]).toBeNaN(); continue; }
        if (!Number.isFinite(want)) { expect(got[i]).toBe(want); continue; }
        const rel = Math.abs(got[i]! - want) / Math.max(Math.abs(want), 1e-38);
        if (rel > worst) worst = rel;
      }
      expect(worst, UN_NAMES[op]).toBeLessThan(3e-7);
    }
  });

  it("erf in float64 is within 2e-15 relative of the series it is defined by, both backends", () => {
    // the reference: the Taylor series of erf summed in float64 where it converges quickly
    const taylor = (v: number) => {
      let term = v, sum = v;
      for (let k = 1; k < 60; k++) { term *= (-v * v) / k; sum += term / (2 * k + 1); }
      return (2 / Math.sqrt(Math.PI)) * sum;
    };
    const vals = Array.from({ length: 200 }, (_, i) => -1 + i / 100);
    const x = fromValues("float64", vals);
    const [j, w] = both([{ dtype: "float64", data: x }], "float64", vals.length, (be, [h], out) => be.unary(Un.ERF, "float64", h, 0, out, vals.length));
    vals.forEach((v, i) => {
      const want = taylor(v);
      expect(Math.abs(j[i]! - want), `js erf(${v})`).toBeLessThanOrEqual(2e-15 * Math.max(Math.abs(want), 1e-300) + 1e-300);
      // the same algorithm (Math.exp of the two may differ in the last bit)
      expect(Math.abs(w[i]! - j[i]!), `wasm erf(${v})`).toBeLessThanOrEqual(5e-16 * Math.abs(j[i]!));
    });
  });

  for (const dtype of FLOATS) {
    it(`unaryBackward ${dtype}: every op at every tail length, and special values`, () => {
      const ops = [Un.ERF, Un.SILU, Un.GELU, Un.GELU_TANH, Un.LOG_SIGMOID, Un.LEAKY_RELU, Un.ELU, Un.SOFTPLUS, Un.HARDTANH] as UnOp[];
      for (const op of ops) {
        const [a, b] = PARAMS[op] ?? [0, 0];
        for (const n of SIZES) {
          const x = randomArray(dtype, n + 2, 50 + n + op, -6, 6);
          const g = randomArray(dtype, n + 1, 90 + n, -2, 2);
          const [want, got] = both([{ dtype, data: g }, { dtype, data: x }], dtype, n,
            (be, [hg, hx], out) => be.unaryBackward(op, dtype, hg, 1, hx, 2, out, n, a, b));
          expectClose(got, want, dtype, `${UN_NAMES[op]} backward ${dtype} n=${n}`, dtype === "float32" ? [1e-5, 2e-5] : undefined);
        }
        const vals = [0, -0, NaN, Infinity, -Infinity, 1e-3, -1e-3, 20, -20, -0.5, 0.8, 4, 1.5, 3, -50, 50, 7];
        const x = fromValues(dtype, vals), g = fromValues(dtype, vals.map((_, i) => (i % 3) - 1.25));
        const [want, got] = both([{ dtype, data: g }, { dtype, data: x }], dtype, vals.length,
          (be, [hg, hx], out) => be.unaryBackward(op, dtype, hg, 0, hx, 0, out, vals.length, a, b));
        expectClose(got, want, dtype, `${UN_NAMES[op]} backward ${dtype} specials`, dtype === "float32" ? [1e-5, 2e-5] : undefined);
      }
    });
  }

  it("int32 extremes", () => {
    const x = fromValues("int32", [-2147483648, 2147483647, 0, -1, 1, -7]);
    for (const op of INT_UNARY) {
      const [want, got] = both([{ dtype: "int32", data: x }], "int32", 6, (be, [h], out) => be.unary(op, "int32", h, 0, out, 6));
      expectClose(got, want, "int32", `${UN_NAMES[op]} int32 extremes`);
    }
  });
});

// ------------------------------------------------------------------------------ binary

interface StridedCase {
  name: string;
  shape: number[];
  // per operand: storage length, offset, strides
  a: { len: number; off: number; strides: number[] };
  b: { len: number; off: number; strides: number[] };
}

function stridedCases(): StridedCase[] {
  const cs: StridedCase[] = [];
  for (const n of SIZES) {
    cs.push({ name: `contiguous n=${n}`, shape: [n], a: { len: n + 2, off: 2, strides: [1] }, b: { len: n + 1, off: 1, strides: [1] } });
    cs.push({ name: `scalar b n=${n}`, shape: [n], a: { len: n, off: 0, strides: [1] }, b: { len: 2, off: 1, strides: [0] } });
    cs.push({ name: `scalar a n=${n}`, shape: [n], a: { len: 1, off: 0, strides: [0] }, b: { len: n, off: 0, strides: [1] } });
    cs.push({ name: `step 2 n=${n}`, shape: [n], a: { len: 2 * n + 1, off: 1, strides: [2] }, b: { len: n, off: 0, strides: [1] } });
  }
  for (const [m, n] of [[3, 5], [4, 4], [7, 17], [16, 15], [2, 1023], [33, 8]] as const) {
    cs.push({ name: `row broadcast ${m}x${n}`, shape: [m, n], a: { len: m * n, off: 0, strides: [n, 1] }, b: { len: n, off: 0, strides: [0, 1] } });
    cs.push({ name: `column broadcast ${m}x${n}`, shape: [m, n], a: { len: m * n, off: 0, strides: [n, 1] }, b: { len: m, off: 0, strides: [1, 0] } });
    cs.push({ name: `outer ${m}x${n}`, shape: [m, n], a: { len: m, off: 0, strides: [1, 0] }, b: { len: n, off: 0, strides: [0, 1] } });
    cs.push({ name: `transposed a ${m}x${n}`, shape: [m, n], a: { len: m * n, off: 0, strides: [1, m] }, b: { len: m * n, off: 0, strides: [n, 1] } });
    cs.push({ name: `both transposed ${m}x${n}`, shape: [m, n], a: { len: m * n + 3, off: 3, strides: [1, m] }, b: { len: m * n, off: 0, strides: [1, m] } });
  }
  cs.push({ name: "3-d mixed", shape: [3, 4, 5], a: { len: 60, off: 0, strides: [1, 15, 3] }, b: { len: 5 * 4 + 2, off: 2, strides: [0, 5, 1] } });
  cs.push({ name: "3-d broadcast middle", shape: [2, 7, 9], a: { len: 2 * 9, off: 0, strides: [9, 0, 1] }, b: { len: 126, off: 0, strides: [63, 9, 1] } });
  cs.push({ name: "3-d sliced", shape: [3, 5, 6], a: { len: 4 * 6 * 8, off: 9, strides: [48, 8, 1] }, b: { len: 3 * 6, off: 0, strides: [6, 0, 1] } });
  cs.push({ name: "4-d with size-1 dims", shape: [2, 1, 3, 5], a: { len: 30, off: 0, strides: [15, 99, 5, 1] }, b: { len: 30, off: 0, strides: [1, 0, 10, 2] } });
  cs.push({ name: "0-d", shape: [], a: { len: 3, off: 2, strides: [] }, b: { len: 1, off: 0, strides: [] } });
  cs.push({ name: "empty 2-d", shape: [4, 0], a: { len: 0, off: 0, strides: [0, 1] }, b: { len: 0, off: 0, strides: [0, 1] } });
  cs.push({ name: "negative stride", shape: [9], a: { len: 9, off: 8, strides: [-1] }, b: { len: 9, off: 0, strides: [1] } });
  return cs;
}

function binaryInputs(op: BinOp, dtype: DType, c: StridedCase, seed: number): [TypedArray, TypedArray] {
  const int = dtype === "int32";
  if (op === Bin.POW) {
    const a = randomArray(dtype, c.a.len, seed, int ? -4 : -3, 4);
    const b = randomArray(dtype, c.b.len, seed + 1, int ? -2 : -2.5, int ? 5 : 3);
    return [a, b];
  }
  const a = randomArray(dtype, c.a.len, seed, int ? -30 : -3, int ? 30 : 3);
  const b = randomArray(dtype, c.b.len, seed + 1, int ? -30 : -3, int ? 30 : 3);
  if (isCmp(op)) {
    // make some equal pairs
    for (let i = 0; i < Math.min(a.length, b.length); i += 3) b[i] = a[i]!;
  }
  return [a, b];
}

describe("binary", () => {
  const cases = stridedCases();
  for (const dtype of NUMERIC) {
    for (const op of Object.values(Bin) as BinOp[]) {
      if (op === Bin.ATAN2 && dtype === "int32") continue; // float only
      it(`${BIN_NAMES[op]} ${dtype}: contiguous, broadcast, transposed, 3-d`, () => {
        const outDtype: DType = isCmp(op) ? "bool" : dtype;
        let seed = 77 + op * 1000;
        for (const c of cases) {
          const [a, b] = binaryInputs(op, dtype, c, seed++);
          const n = prod(c.shape);
          const [want, got] = both([{ dtype, data: a }, { dtype, data: b }], outDtype, n, (be, [ha, hb], out) =>
            be.binary(op, dtype, ha, c.a.off, c.a.strides, hb, c.b.off, c.b.strides, out, c.shape));
          expectClose(got, want, outDtype, `${BIN_NAMES[op]} ${dtype} ${c.name}`);
        }
      });
    }
  }

  for (const dtype of FLOATS) {
    it(`NaN, infinities and signed zeros ${dtype}`, () => {
      const va = [NaN, 1, NaN, Infinity, -Infinity, 0, -0, 2, -2, 1, -1, 1, 0, 3, Infinity, -Infinity];
      const vb = [1, NaN, NaN, Infinity, Infinity, -0, 0, 0, 0, Infinity, Infinity, NaN, 0, -Infinity, 0, -0.5];
      const a = fromValues(dtype, va), b = fromValues(dtype, vb);
      for (const op of Object.values(Bin) as BinOp[]) {
        const outDtype: DType = isCmp(op) ? "bool" : dtype;
        const [want, got] = both([{ dtype, data: a }, { dtype, data: b }], outDtype, va.length, (be, [ha, hb], out) =>
          be.binary(op, dtype, ha, 0, [1], hb, 0, [1], out, [va.length]));
        expectClose(got, want, outDtype, `${BIN_NAMES[op]} ${dtype} specials`);
      }
    });
  }

  it("int32 wrap-around, division by zero, pow", () => {
    const va = [2147483647, -2147483648, -2147483648, 7, -7, 7, 0, 65536, 3, -3, 2, 10, 1, -1];
    const vb = [1, -1, 1, 0, 2, -2, 0, 65536, 20, 3, -1, 10, 0, 31];
    const a = fromValues("int32", va), b = fromValues("int32", vb);
    for (const op of Object.values(Bin) as BinOp[]) {
      if (op === Bin.ATAN2) continue; // float only
      const outDtype: DType = isCmp(op) ? "bool" : "int32";
      const [want, got] = both([{ dtype: "int32", data: a }, { dtype: "int32", data: b }], outDtype, va.length, (be, [ha, hb], out) =>
        be.binary(op, "int32", ha, 0, [1], hb, 0, [1], out, [va.length]));
      expectClose(got, want, outDtype, `${BIN_NAMES[op]} int32 extremes`);
    }
  });
});

// ------------------------------------------------------------------------------ where

describe("where", () => {
  const cases = stridedCases();
  for (const dtype of ALL) {
    it(`where ${dtype}`, () => {
      let seed = 5;
      for (const c of cases) {
        // cond uses a's layout, a uses b's layout, b is contiguous over the shape
        const n = prod(c.shape);
        const cond = randomArray("bool", c.a.len, seed++);
        const a = randomArray(dtype, c.b.len, seed++);
        const b = randomArray(dtype, n + 1, seed++);
        const bStrides = contiguousStrides(c.shape);
        const [want, got] = both(
          [{ dtype: "bool", data: cond }, { dtype, data: a }, { dtype, data: b }], dtype, n,
          (be, [hc, ha, hb], out) => be.where(dtype, hc, c.a.off, c.a.strides, ha, c.b.off, c.b.strides, hb, 1, bStrides, out, c.shape),
        );
        expectClose(got, want, dtype, `where ${dtype} ${c.name}`);
      }
    });
  }

  it("where with both values broadcast and a transposed condition", () => {
    for (const dtype of NUMERIC) {
      const shape = [5, 9];
      const cond = randomArray("bool", 45, 9);
      const a = fromValues(dtype, [2]), b = fromValues(dtype, [-3]);
      const [want, got] = both([{ dtype: "bool", data: cond }, { dtype, data: a }, { dtype, data: b }], dtype, 45,
        (be, [hc, ha, hb], out) => be.where(dtype, hc, 0, [1, 5], ha, 0, [0, 0], hb, 0, [0, 0], out, shape));
      expectClose(got, want, dtype, `where ${dtype} splat`);
    }
  });
});

// ------------------------------------------------------------------------------ copy / fill

describe("copy", () => {
  const cases = stridedCases();
  for (const from of ALL) {
    for (const to of ALL) {
      it(`${from} -> ${to}`, () => {
        let seed = 11;
        for (const c of cases) {
          const n = prod(c.shape);
          const src = randomArray(from, c.a.len, seed++, -40, 40);
          // the destination is a strided view over a larger storage (c.b's layout, not broadcast)
          const dstStrides = c.b.strides.some((s) => s === 0) ? contiguousStrides(c.shape) : c.b.strides;
          const dstLen = c.b.strides.some((s) => s === 0) ? n + 1 : c.b.len;
          const dstOff = c.b.strides.some((s) => s === 0) ? 1 : c.b.off;
          const dst0 = randomArray(to, dstLen, seed++);
          const runOne = (be: Backend) => {
            const hs = be.alloc(from, src.length);
            be.write(hs, from, src, 0);
            const hd = be.alloc(to, dst0.length);
            be.write(hd, to, dst0, 0);
            be.copy(hs, from, c.a.off, c.a.strides, hd, to, dstOff, dstStrides, c.shape);
            const r = be.read(hd, to, 0, dst0.length);
            be.free(hs, from, src.length);
            be.free(hd, to, dst0.length);
            return r;
          };
          expectClose(runOne(wasm), runOne(js), to, `copy ${from}->${to} ${c.name}`);
        }
      });
    }
  }

  it("casts follow PyTorch: truncation, !=0 for bool, 0/1 from bool", () => {
    const vals = [2.7, -2.7, 0.5, -0.5, 0, -0, NaN, 1e10, -1e10, 3e9, 2147483647.9, -2147483648.5, Infinity, -Infinity];
    for (const from of FLOATS) {
      const src = fromValues(from, vals);
      for (const to of ALL) {
        const [want, got] = both([{ dtype: from, data: src }], to, vals.length, (be, [h], out) =>
          be.copy(h, from, 0, [1], out, to, 0, [1], [vals.length]));
        expectClose(got, want, to, `cast ${from}->${to}`);
      }
    }
    const got = run(wasm, [{ dtype: "float32", data: fromValues("float32", [2.7, -2.7, NaN, 0, -0.25]) }], "int32", 5,
      ([h], out) => wasm.copy(h, "float32", 0, [1], out, "int32", 0, [1], [5]));
    expect(Array.from(got)).toEqual([2, -2, 0, 0, 0]);
    const gotBool = run(wasm, [{ dtype: "float64", data: fromValues("float64", [2.7, 0, NaN, -0, -1]) }], "bool", 5,
      ([h], out) => wasm.copy(h, "float64", 0, [1], out, "bool", 0, [1], [5]));
    expect(Array.from(gotBool)).toEqual([1, 0, 1, 0, 1]);
    const gotF = run(wasm, [{ dtype: "bool", data: fromValues("bool", [1, 0, 1]) }], "float32", 3,
      ([h], out) => wasm.copy(h, "bool", 0, [1], out, "float32", 0, [1], [3]));
    expect(Array.from(gotF)).toEqual([1, 0, 1]);
  });
});

describe("fill", () => {
  for (const dtype of ALL) {
    it(`fill ${dtype} with offsets`, () => {
      for (const value of [2.5, -1, 0, NaN, 1e10, -3.7, 1]) {
        for (const [off, n] of [[0, 0], [0, 1], [1, 3], [3, 17], [5, 100], [2, 1023]] as const) {
          const total = off + n + 4;
          const init = randomArray(dtype, total, 3);
          const runOne = (be: Backend) => {
            const h = be.alloc(dtype, total);
            be.write(h, dtype, init, 0);
            be.fill(h, dtype, value, off, n);
            const r = be.read(h, dtype, 0, total);
            be.free(h, dtype, total);
            return r;
          };
          expectClose(runOne(wasm), runOne(js), dtype, `fill ${dtype} ${value} off=${off} n=${n}`);
        }
      }
    });
  }
});

// ------------------------------------------------------------------------------ reduce

describe("reduce", () => {
  const shapes: [number, number, number][] = [];
  for (const axis of SIZES) shapes.push([1, axis, 1]);
  for (const [o, a, i] of [[3, 5, 1], [2, 17, 3], [3, 4, 4], [2, 7, 5], [1, 16, 17], [4, 100, 8], [2, 3, 1023], [5, 1023, 1], [3, 0, 4], [0, 5, 3]] as const) shapes.push([o, a, i]);

  for (const dtype of NUMERIC) {
    for (const op of Object.values(Red) as RedOp[]) {
      it(`${RED_NAMES[op]} ${dtype} over [outer, axis, inner]`, () => {
        let seed = 300 + op;
        for (const [outer, axis, inner] of shapes) {
          if (axis === 0 && op !== Red.SUM && op !== Red.PROD) continue;
          const n = outer * axis * inner;
          const off = 2;
          // PROD: values near 1 so products stay finite; ints: repeats make ties
          const x = op === Red.PROD
            ? randomArray(dtype, n + off, seed++, dtype === "int32" ? -1 : 0.9, dtype === "int32" ? 2 : 1.1)
            : randomArray(dtype, n + off, seed++, dtype === "int32" ? -3 : -3, 3);
          const outDtype: DType = op === Red.ARGMAX || op === Red.ARGMIN ? "int32" : dtype;
          const [want, got] = both([{ dtype, data: x }], outDtype, outer * inner, (be, [h], out) =>
            be.reduce(op, dtype, h, off, outer, axis, inner, out));
          const tol: [number, number] = dtype === "float32" && (op === Red.SUM || op === Red.PROD) ? [1e-4, 1e-5] : tolerance(outDtype);
          expectClose(got, want, outDtype, `${RED_NAMES[op]} ${dtype} [${outer},${axis},${inner}]`, tol);
        }
      });
    }
  }

  for (const dtype of FLOATS) {
    it(`NaN propagation MAX/MIN/ARGMAX/ARGMIN ${dtype}`, () => {
      for (const [outer, axis, inner] of [[1, 37, 1], [2, 9, 5], [1, 3, 1], [3, 20, 4], [1, 1023, 1]] as const) {
        const n = outer * axis * inner;
        const x = randomArray(dtype, n, 42 + axis);
        // NaNs at a few places, including two in one column/row (first one wins for ARG*)
        x[Math.floor(n / 2)] = NaN;
        x[Math.floor(n / 2) + 2 * inner] = NaN;
        x[n - 1] = NaN;
        x[0] = NaN;
        for (const op of [Red.MAX, Red.MIN, Red.ARGMAX, Red.ARGMIN, Red.SUM] as RedOp[]) {
          const outDtype: DType = op === Red.ARGMAX || op === Red.ARGMIN ? "int32" : dtype;
          const [want, got] = both([{ dtype, data: x }], outDtype, outer * inner, (be, [h], out) =>
            be.reduce(op, dtype, h, 0, outer, axis, inner, out));
          expectClose(got, want, outDtype, `${RED_NAMES[op]} ${dtype} NaN [${outer},${axis},${inner}]`);
        }
      }
      // infinities (inf - inf looks like NaN to the fast MAX/MIN check) and signed zeros
      for (const [outer, axis, inner] of [[1, 40, 1], [2, 33, 5], [1, 200, 1]] as const) {
        const n = outer * axis * inner;
        const y = randomArray(dtype, n, 7 + axis);
        y[3] = Infinity; y[n - 5] = -Infinity; y[n - 9] = Infinity; y[10] = -0; y[11] = 0; y[n - 1] = 1e30;
        for (const op of [Red.MAX, Red.MIN, Red.ARGMAX, Red.ARGMIN] as RedOp[]) {
          const outDtype: DType = op === Red.ARGMAX || op === Red.ARGMIN ? "int32" : dtype;
          const [want, got] = both([{ dtype, data: y }], outDtype, outer * inner, (be, [h], out) =>
            be.reduce(op, dtype, h, 0, outer, axis, inner, out));
          expectClose(got, want, outDtype, `${RED_NAMES[op]} ${dtype} inf [${outer},${axis},${inner}]`);
        }
      }
      const x = fromValues(dtype, [1, 5, NaN, 7, NaN]);
      expect(Array.from(run(wasm, [{ dtype, data: x }], "int32", 1, ([h], out) => wasm.reduce(Red.ARGMAX, dtype, h, 0, 1, 5, 1, out)))).toEqual([2]);
      expect(Number.isNaN(run(wasm, [{ dtype, data: x }], dtype, 1, ([h], out) => wasm.reduce(Red.MAX, dtype, h, 0, 1, 5, 1, out))[0])).toBe(true);
    });
  }

  it("float32 SUM across inner (a column sum) is the float64 sum rounded once, on both backends", () => {
    // fuzz seed 1, program 355: the wasm kernel summed columns in float32, in order; 67 copies of
    // -2.390866756439209 came to -160.18815613 (5 ulps off) where js (and PyTorch 1.13) give
    // -160.18807983, and a gradient of (x / x).sum() that is exactly 0 came out -0.0051
    const cases: [Float32Array, number, number, number][] = [[new Float32Array(67 * 3).fill(-2.390866756439209), 1, 67, 3]];
    for (const [outer, axis, inner] of [[1, 67, 67], [2, 1000, 5], [3, 17, 16], [1, 300, 35], [2, 9, 4]] as const) {
      const x = randomArray("float32", outer * axis * inner, 900 + inner) as Float32Array;
      for (let i = 0; i < x.length; i += 7) x[i] = x[i]! * 1e4; // cancellation for float32 accumulation to lose
      cases.push([x, outer, axis, inner]);
    }
    for (const [x, outer, axis, inner] of cases) {
      const want = new Float32Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let j = 0; j < inner; j++) {
          let s = 0;
          for (let k = 0; k < axis; k++) s += x[(o * axis + k) * inner + j]!;
          want[o * inner + j] = s;
        }
      }
      for (const be of [js, wasm] as Backend[]) {
        const got = run(be, [{ dtype: "float32", data: x }], "float32", outer * inner, ([h], out) => be.reduce(Red.SUM, "float32", h, 0, outer, axis, inner, out));
        expect(Array.from(got), `${be === js ? "js" : "wasm"} [${outer},${axis},${inner}]`).toEqual(Array.from(want));
      }
    }
  });

  it("float PROD along a row multiplies in the kernel's lanes on both backends: PyTorch's NaN when a lane overflows before a zero", () => {
    // fuzz seed 10, program 1170: js kept one running product, which a leading 0 held at 0,
    // where the wasm kernel's lanes (and PyTorch 1.13's vectorized loop) overflow to inf in
    // one lane and meet the 0 in another. PyTorch 1.13: torch.ones(64) with x[0] = 0 and
    // x[1] = x[17] = x[33] = 1e30 has prod() nan (float64 with 1e200: nan); 10 elements with
    // x[0] = 0, x[1] = x[2] = 1e30 (a short row, one running product): 0.
    for (const be of [js, wasm] as Backend[]) {
      for (const [dtype, big] of [["float32", 1e30], ["float64", 1e200]] as const) {
        const x = fromValues(dtype, Array.from({ length: 64 }, (_, i) => (i === 0 ? 0 : i === 1 || i === 17 || i === 33 ? big : 1)));
        const got = run(be, [{ dtype, data: x }], dtype, 1, ([h], out) => be.reduce(Red.PROD, dtype, h, 0, 1, 64, 1, out));
        expect(got[0], `${be === js ? "js" : "wasm"} ${dtype}`).toBeNaN();
      }
      const short = fromValues("float32", [0, 1e30, 1e30, 1, 1, 1, 1, 1, 1, 1]);
      expect(run(be, [{ dtype: "float32", data: short }], "float32", 1, ([h], out) => be.reduce(Red.PROD, "float32", h, 0, 1, 10, 1, out))[0]).toBe(0);
    }
    // and the same bits at every length around the lane counts, with values whose rounding shows the order
    const next = rng(77);
    for (const dtype of FLOATS) {
      for (const n of [1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023]) {
        const x = typedArrayFor(dtype, n);
        for (let i = 0; i < n; i++) x[i] = 0.5 + next() * 1.5;
        const [a, b] = both([{ dtype, data: x }], dtype, 1, (be, [h], out) => be.reduce(Red.PROD, dtype, h, 0, 1, n, 1, out));
        expect(Object.is(a[0], b[0]), `${dtype} n=${n}: js ${a[0]} wasm ${b[0]}`).toBe(true);
      }
    }
  });

  it("ARGMAX/ARGMIN pick the first of ties", () => {
    const x = fromValues("int32", [1, 3, 3, 0, 0, 3]);
    expect(Array.from(run(wasm, [{ dtype: "int32", data: x }], "int32", 1, ([h], out) => wasm.reduce(Red.ARGMAX, "int32", h, 0, 1, 6, 1, out)))).toEqual([1]);
    expect(Array.from(run(wasm, [{ dtype: "int32", data: x }], "int32", 1, ([h], out) => wasm.reduce(Red.ARGMIN, "int32", h, 0, 1, 6, 1, out)))).toEqual([3]);
    const y = fromValues("float32", [2, 1, 5, 1, 5, 0]); // [axis 3, inner 2]
    expect(Array.from(run(wasm, [{ dtype: "float32", data: y }], "int32", 2, ([h], out) => wasm.reduce(Red.ARGMAX, "float32", h, 0, 1, 3, 2, out)))).toEqual([1, 0]);
  });
});

// ------------------------------------------------------------------------------ matmul

/** Naive triple loop in float64 and the sum of |terms| (for a rounding-aware tolerance). */
function naiveMatmul(
  a: TypedArray, aOff: number, as: number[], b: TypedArray, bOff: number, bs: number[],
  batch: number, m: number, k: number, n: number,
): [Float64Array, Float64Array] {
  const out = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, t = 0;
        for (let p = 0; p < k; p++) {
          const v = a[aOff + bi * as[0]! + i * as[1]! + p * as[2]!]! * b[bOff + bi * bs[0]! + p * bs[1]! + j * bs[2]!]!;
          s += v; t += Math.abs(v);
        }
        out[(bi * m + i) * n + j] = s;
        mag[(bi * m + i) * n + j] = t;
      }
    }
  }
  return [out, mag];
}

describe("matmul", () => {
  const dims: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 7, 9], [4, 1, 16], [17, 15, 33], [8, 16, 4], [2, 3, 1], [1, 9, 1023], [64, 33, 65], [6, 0, 5],
  ];
  type Layout = "nn" | "tn" | "nt" | "tt";
  for (const dtype of FLOATS) {
    for (const layout of ["nn", "tn", "nt", "tt"] as Layout[]) {
      for (const [batch, aBatch, bBatch] of [[1, 1, 1], [3, 1, 3], [3, 3, 1], [2, 2, 2]] as const) {
        it(`${dtype} ${layout} batch=${batch} (a batch ${aBatch}, b batch ${bBatch})`, () => {
          let seed = 900;
          for (const [m, k, n] of dims) {
            const aOff = 2, bOff = 5;
            const aLen = aOff + aBatch * m * k, bLen = bOff + bBatch * k * n;
            const a = randomArray(dtype, aLen, seed++, -1, 1), b = randomArray(dtype, bLen, seed++, -1, 1);
            const aStr = layout[0] === "n" ? [m * k, k, 1] : [m * k, 1, m];
            const bStr = layout[1] === "n" ? [k * n, n, 1] : [k * n, 1, k];
            if (aBatch === 1) aStr[0] = 0;
            if (bBatch === 1) bStr[0] = 0;
            const [ref, mag] = naiveMatmul(a, aOff, aStr, b, bOff, bStr, batch, m, k, n);
            const [want, got] = both([{ dtype, data: a }, { dtype, data: b }], dtype, batch * m * n, (be, [ha, hb], out) =>
              be.matmul(dtype, ha, aOff, aStr, hb, bOff, bStr, out, batch, m, k, n));
            const eps = dtype === "float32" ? 1.2e-7 : 2.3e-16;
            for (let i = 0; i < ref.length; i++) {
              const tol = (2 * k + 4) * eps * mag[i]! + (dtype === "float32" ? 1e-6 : 1e-14);
              if (!(Math.abs(got[i]! - ref[i]!) <= tol)) throw new Error(`matmul ${dtype} ${layout} ${batch}x${m}x${k}x${n} [${i}]: got ${got[i]}, want ${ref[i]}`);
            }
            expectClose(got, want, dtype, `matmul ${dtype} ${layout} vs js ${batch}x${m}x${k}x${n}`, dtype === "float32" ? [1e-5, 1e-4] : [1e-12, 1e-12]);
          }
        });
      }
    }

    it(`${dtype} sliced operands (row stride larger than the row)`, () => {
      const [m, k, n] = [7, 6, 10];
      const a = randomArray(dtype, 3 + m * 9, 1, -1, 1), b = randomArray(dtype, 1 + k * 13, 2, -1, 1);
      const aStr = [0, 9, 1], bStr = [0, 13, 1];
      const [ref] = naiveMatmul(a, 3, aStr, b, 1, bStr, 1, m, k, n);
      const [want, got] = both([{ dtype, data: a }, { dtype, data: b }], dtype, m * n, (be, [ha, hb], out) =>
        be.matmul(dtype, ha, 3, aStr, hb, 1, bStr, out, 1, m, k, n));
      for (let i = 0; i < ref.length; i++) expect(Math.abs(got[i]! - ref[i]!)).toBeLessThan(1e-5);
      expectClose(got, want, dtype, "sliced vs js");
    });
  }
});

// ------------------------------------------------------------------------------ scans, sort, gather/scatter

/** Run `call` on each backend with uploaded inputs and `outs` fresh outputs; read the outputs back. */
function runMany(be: Backend, inputs: Input[], outs: Input[], call: (hs: Handle[], os: Handle[]) => unknown): { outs: TypedArray[]; ret: unknown } {
  const hs = inputs.map(({ dtype, data }) => { const h = be.alloc(dtype, data.length); be.write(h, dtype, data, 0); return h; });
  const os = outs.map(({ dtype, data }) => { const h = be.alloc(dtype, data.length); be.write(h, dtype, data, 0); return h; });
  const ret = call(hs, os);
  const got = outs.map(({ dtype, data }, i) => be.read(os[i], dtype, 0, data.length));
  inputs.forEach(({ dtype, data }, i) => be.free(hs[i], dtype, data.length));
  outs.forEach(({ dtype, data }, i) => be.free(os[i], dtype, data.length));
  return { outs: got, ret };
}
function bothMany(inputs: Input[], outs: Input[], call: (be: Backend, hs: Handle[], os: Handle[]) => unknown) {
  return [runMany(js, inputs, outs, (h, o) => call(js, h, o)), runMany(wasm, inputs, outs, (h, o) => call(wasm, h, o))] as const;
}

const BLOCKS: [number, number, number][] = [[1, 17, 1], [3, 5, 7], [2, 9, 4], [1, 1, 1], [4, 3, 16], [2, 100, 3], [5, 4, 1], [1, 0, 3]];

describe("scan", () => {
  for (const dtype of NUMERIC) {
    for (const op of [Scan.SUM, Scan.PROD] as ScanOp[]) {
      it(`${op === Scan.SUM ? "SUM" : "PROD"} ${dtype}, forward and reversed`, () => {
        let seed = 300 + op;
        for (const [outer, axis, inner] of BLOCKS) {
          const n = outer * axis * inner;
          const x = randomArray(dtype, n + 2, seed++, op === Scan.PROD ? -1.5 : -3, op === Scan.PROD ? 1.5 : 3);
          for (const reverse of [false, true]) {
            const [j, w] = bothMany([{ dtype, data: x }], [{ dtype, data: typedArrayFor(dtype, n) }],
              (be, [h], [o]) => be.scan(op, dtype, h, 2, outer, axis, inner, o, reverse));
            expect(w.ret, "overflow flag").toBe(j.ret);
            expectClose(w.outs[0]!, j.outs[0]!, dtype, `scan ${dtype} [${outer}, ${axis}, ${inner}] reverse=${reverse}`);
          }
        }
      });
    }
  }

  it("float32 accumulates in float64 on both backends", () => {
    const x = fromValues("float32", [1e8, 1, 1, 1, -1e8, 1, 1]);
    const [j, w] = bothMany([{ dtype: "float32", data: x }], [{ dtype: "float32", data: new Float32Array(7) }],
      (be, [h], [o]) => be.scan(Scan.SUM, "float32", h, 0, 1, 7, 1, o, false));
    expect(Array.from(j.outs[0]!)).toEqual([1e8, 1e8 + 1, 1e8 + 2, 1e8 + 3, 3, 4, 5].map(Math.fround));
    expect(Array.from(w.outs[0]!)).toEqual(Array.from(j.outs[0]!));
  });

  it("int32 outputs that do not fit are reported", () => {
    for (const [op, vals] of [[Scan.SUM, [2147483647, 1, -5]], [Scan.PROD, [65536, 65536, 0]], [Scan.SUM, [-2147483648, -1]]] as [ScanOp, number[]][]) {
      const x = fromValues("int32", vals);
      const [j, w] = bothMany([{ dtype: "int32", data: x }], [{ dtype: "int32", data: new Int32Array(vals.length) }],
        (be, [h], [o]) => be.scan(op, "int32", h, 0, 1, vals.length, 1, o, false));
      expect(j.ret).toBe(true);
      expect(w.ret).toBe(true);
    }
  });

  for (const dtype of FLOATS) {
    it(`cumprodBackward ${dtype}, zeros included`, () => {
      let seed = 900;
      for (const [outer, axis, inner] of BLOCKS) {
        const n = outer * axis * inner;
        const x = randomArray(dtype, n + 1, seed++, -2, 2);
        for (let i = 0; i < n; i += 5) x[i] = 0;
        const g = randomArray(dtype, n, seed++, -1, 1);
        const [j, w] = bothMany([{ dtype, data: x }, { dtype, data: g }], [{ dtype, data: typedArrayFor(dtype, n) }],
          (be, [hx, hg], [o]) => be.cumprodBackward(dtype, hx, 1, hg, 0, outer, axis, inner, o));
        expectClose(w.outs[0]!, j.outs[0]!, dtype, `cumprodBackward [${outer}, ${axis}, ${inner}]`, dtype === "float32" ? [1e-5, 1e-5] : undefined);
      }
    });
  }
});

describe("sort and topk", () => {
  for (const dtype of NUMERIC) {
    it(`sort and topk ${dtype} (shared algorithm; the wasm side reads from an offset)`, () => {
      let seed = 40;
      for (const [outer, axis, inner] of BLOCKS) {
        const n = outer * axis * inner;
        const x = randomArray(dtype, n + 3, seed++, -2, 2);
        for (const desc of [false, true]) {
          const [j, w] = bothMany([{ dtype, data: x }], [{ dtype, data: typedArrayFor(dtype, n) }, { dtype: "int32", data: new Int32Array(n) }],
            (be, [h], [v, i]) => be.sort(dtype, h, 3, outer, axis, inner, v, i, desc));
          expect(Array.from(w.outs[1]!)).toEqual(Array.from(j.outs[1]!));
          expectClose(w.outs[0]!, j.outs[0]!, dtype, "sort values");
        }
        const k = Math.min(axis, 3);
        const m = outer * k * inner;
        const [j, w] = bothMany([{ dtype, data: x }], [{ dtype, data: typedArrayFor(dtype, m) }, { dtype: "int32", data: new Int32Array(m) }],
          (be, [h], [v, i]) => be.topk(dtype, h, 3, outer, axis, inner, k, true, true, v, i));
        expect(Array.from(w.outs[1]!)).toEqual(Array.from(j.outs[1]!));
      }
    });
  }
});

describe("gather and scatter", () => {
  // x: [4, 5, 3] transposed to [5, 4, 3] view; index shapes smaller or equal, broadcast too
  const xShape = [5, 4, 3], xStrides = [3, 15, 1];
  const cases: { dim: number; ishape: number[]; istrides: number[] }[] = [
    { dim: 0, ishape: [6, 4, 3], istrides: [12, 3, 1] },
    { dim: 1, ishape: [5, 2, 3], istrides: [6, 3, 1] },
    { dim: 2, ishape: [2, 3, 7], istrides: [21, 7, 1] },
    { dim: 1, ishape: [5, 6, 3], istrides: [0, 1, 0] }, // index_select-style broadcast
    { dim: 0, ishape: [1, 1, 1], istrides: [0, 0, 0] },
  ];
  for (const dtype of ALL) {
    it(`gather and scatter ${dtype}: strided operands, broadcast index, bad indices`, () => {
      let seed = 7;
      for (const c of cases) {
        const n = prod(c.ishape);
        const x = randomArray(dtype, 60 + 1, seed++);
        const idx = randomArray("int32", 1 + c.ishape.reduce((a, d, i) => a + (d - 1) * c.istrides[i]!, 0), seed++, 0, xShape[c.dim]! - 1);
        const [j, w] = bothMany([{ dtype, data: x }, { dtype: "int32", data: idx }], [{ dtype, data: typedArrayFor(dtype, n) }],
          (be, [hx, hi], [o]) => be.gather(dtype, hx, 1, xStrides, hi, 0, c.istrides, o, c.ishape, c.dim, xShape[c.dim]!));
        expect(w.ret).toBe(-1);
        expect(j.ret).toBe(-1);
        expectClose(w.outs[0]!, j.outs[0]!, dtype, `gather dim ${c.dim}`);
        // scatter into a contiguous [5, 4, 3] copy of zeros; src the gathered values (contiguous)
        const src = randomArray(dtype, n, seed++);
        for (const add of dtype === "bool" ? [false] : [false, true]) {
          const [js2, w2] = bothMany([{ dtype: "int32", data: idx }, { dtype, data: src }], [{ dtype, data: typedArrayFor(dtype, 60) }],
            (be, [hi, hs], [o]) => be.scatter(add, dtype, o, 0, [12, 3, 1], hi, 0, c.istrides, hs, 0, contiguousStrides(c.ishape), c.ishape, c.dim, xShape[c.dim]!));
          expect(w2.ret).toBe(js2.ret);
          expectClose(w2.outs[0]!, js2.outs[0]!, dtype, `scatter add=${add} dim ${c.dim}`);
        }
        // a bad index at a known position is reported (before anything is written through it)
        const badIdx = idx.slice();
        badIdx[1] = xShape[c.dim]!;
        const [jb, wb] = bothMany([{ dtype, data: x }, { dtype: "int32", data: badIdx }], [{ dtype, data: typedArrayFor(dtype, n) }],
          (be, [hx, hi], [o]) => be.gather(dtype, hx, 1, xStrides, hi, 0, c.istrides, o, c.ishape, c.dim, xShape[c.dim]!));
        expect(wb.ret).toBe(jb.ret);
      }
    });
  }
});

// ------------------------------------------------------------------------------ memory

describe("wasm memory", () => {
  it("alloc(dtype, 0) works and free tolerates it", () => {
    for (const dtype of ALL) {
      const h = wasm.alloc(dtype, 0);
      expect(typeof h).toBe("number");
      expect(wasm.read(h, dtype, 0, 0).length).toBe(0);
      wasm.unary(Un.NEG, "float32", h, 0, h, 0);
      wasm.binary(Bin.ADD, "float32", h, 0, [1], h, 0, [1], h, [0]);
      wasm.free(h, dtype, 0);
    }
  });

  it("allocations are zero-filled, 16-byte aligned, and reuse returns zeroed memory", () => {
    const h1 = wasm.alloc("float32", 37) as number;
    expect(h1 % 16).toBe(0);
    expect(Array.from(wasm.read(h1, "float32", 0, 37)).every((x) => x === 0)).toBe(true);
    wasm.write(h1, "float32", randomArray("float32", 37, 1), 0);
    wasm.free(h1, "float32", 37);
    const h2 = wasm.alloc("float32", 37) as number;
    expect(h2).toBe(h1); // the block just freed is reused
    expect(Array.from(wasm.read(h2, "float32", 0, 37)).every((x) => x === 0)).toBe(true);
    wasm.free(h2, "float32", 37);
    // a block of another size handed out again is zeroed too
    const h3 = wasm.alloc("float64", 19) as number;
    wasm.write(h3, "float64", randomArray("float64", 19, 2), 0);
    wasm.free(h3, "float64", 19);
    const h4 = wasm.alloc("float64", 19) as number;
    expect(Array.from(wasm.read(h4, "float64", 0, 19)).every((x) => x === 0)).toBe(true);
    wasm.free(h4, "float64", 19);
  });

  it("grows memory, keeps earlier handles and refreshes views", async () => {
    const be = new WasmBackend(await instantiate(wasmModule));
    const before = be.heapBytes();
    const x = randomArray("float32", 1000, 7);
    const h = be.alloc("float32", 1000);
    be.write(h, "float32", x, 0);
    const bigs: Handle[] = [];
    for (let i = 0; i < 3; i++) bigs.push(be.alloc("float64", 2_000_000)); // 16 MB each
    expect(be.heapBytes()).toBeGreaterThan(before + 40_000_000);
    expect(Array.from(be.read(h, "float32", 0, 1000))).toEqual(Array.from(x));
    // writes and kernels after growth land in the live buffer
    be.write(bigs[2], "float64", fromValues("float64", [1, 2, 3]), 1_999_997);
    expect(Array.from(be.read(bigs[2], "float64", 1_999_996, 4))).toEqual([0, 1, 2, 3]);
    const out = be.alloc("float32", 1000);
    be.unary(Un.NEG, "float32", h, 0, out, 1000);
    expect(Array.from(be.read(out, "float32", 0, 1000))).toEqual(Array.from(x, (v) => -v));
    for (const b of bigs) be.free(b, "float64", 2_000_000);
    be.free(h, "float32", 1000);
    be.free(out, "float32", 1000);
  });

  it("allocator stress: random sizes across growth keep every block intact", async () => {
    const be = new WasmBackend(await instantiate(wasmModule));
    const r = rng(123);
    const live: { h: Handle; n: number; v: number }[] = [];
    const check = ({ h, n, v }: { h: Handle; n: number; v: number }) => {
      const head = be.read(h, "int32", 0, Math.min(n, 8)), tail = be.read(h, "int32", Math.max(0, n - 8), Math.min(n, 8));
      for (const x of head) if (x !== v) throw new Error(`block ${h as number} (${n}) head corrupted: ${x} != ${v}`);
      for (const x of tail) if (x !== v) throw new Error(`block ${h as number} (${n}) tail corrupted: ${x} != ${v}`);
    };
    for (let step = 0; step < 400; step++) {
      if (live.length > 0 && r() < 0.45) {
        const { h, n, v } = live.splice(Math.floor(r() * live.length), 1)[0]!;
        check({ h, n, v });
        be.free(h, "int32", n);
      } else {
        // mostly small, sometimes up to 2M elements (8 MB)
        const n = r() < 0.9 ? 1 + Math.floor(r() * 5000) : 1 + Math.floor(r() * 2_000_000);
        const h = be.alloc("int32", n);
        const z = be.read(h, "int32", 0, Math.min(n, 64));
        if (z.some((x) => x !== 0)) throw new Error("fresh block not zeroed");
        const v = step + 1;
        be.fill(h, "int32", v, 0, n);
        live.push({ h, n, v });
      }
      if (step % 50 === 0) live.forEach(check);
    }
    live.forEach(check);
    for (const b of live) be.free(b.h, "int32", b.n);
    // everything merged back: one allocation of most of the heap fits without growing
    const heap = be.heapBytes();
    const h = be.alloc("int32", Math.floor(heap / 4 / 3));
    expect(be.heapBytes()).toBe(heap);
    be.free(h, "int32", Math.floor(heap / 4 / 3));
  });

  it("throws PyTorch's message when out of memory and keeps working", async () => {
    expect(() => wasm.alloc("float32", 2 ** 31)).toThrow("not enough memory: you tried to allocate 8589934592 bytes");
    expect(() => wasm.alloc("float64", 2 ** 29)).toThrow("not enough memory: you tried to allocate 4294967296 bytes");
    const h = wasm.alloc("float32", 8);
    wasm.fill(h, "float32", 2, 0, 8);
    wasm.binary(Bin.MUL, "float32", h, 0, [1], h, 0, [1], h, [8]);
    expect(Array.from(wasm.read(h, "float32", 0, 8))).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    wasm.free(h, "float32", 8);

    // real exhaustion of the 4 GiB address space (fresh pages, never touched, so cheap)
    const be = new WasmBackend(await instantiate(wasmModule));
    const huge = be.alloc("float32", 1_050_000_000); // 4.2 GB of the 4.29 GB address space
    expect(be.heapBytes()).toBeGreaterThan(4.2e9);
    // a big request (own pages) and a TLSF-sized one both fail cleanly
    expect(() => be.alloc("float32", 300_000_000)).toThrow("not enough memory: you tried to allocate 1200000000 bytes");
    expect(() => be.alloc("float32", 30_000_000)).toThrow("not enough memory: you tried to allocate 120000000 bytes");
    const small = be.alloc("float32", 100);
    be.fill(small, "float32", 3, 0, 100);
    be.unary(Un.SQRT, "float32", small, 0, small, 100);
    expect(be.read(small, "float32", 0, 100)[99]).toBeCloseTo(Math.sqrt(3), 6);
    // after freeing, the space serves new requests again
    be.free(huge, "float32", 1_050_000_000);
    const again = be.alloc("float32", 1_000_000);
    expect(be.read(again, "float32", 999_990, 10).every((v) => v === 0)).toBe(true);
    be.free(again, "float32", 1_000_000);
    be.free(small, "float32", 100);
  });
});
