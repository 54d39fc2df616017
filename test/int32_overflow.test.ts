/**
 * int32 stands in for PyTorch's int64 (integer arange, index results, sums of int tensors),
 * so a computed int32 result that does not fit must raise, not wrap: PyTorch's int64 would
 * have held it. Checked on both backends, against exact BigInt arithmetic:
 *
 * 1. Through the Backend interface: unary/binary/reduce return true exactly when some exact
 *    result is outside int32, and write the same wrapped values on both backends, with the
 *    overflowing element in every SIMD lane and scalar tail (sizes 1..33), contiguous,
 *    broadcast and strided, and reductions along rows and across columns.
 * 2. Through the public API: the error names the op; the largest and smallest results fit
 *    and one more raises; a raise leaves no memory behind and an in-place target unchanged;
 *    number operands PyTorch's int64 holds but int32 does not; matmul.
 */
import { beforeAll, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { Bin, Red, Un, type Backend, type BinOp, type Handle, type RedOp, type UnOp } from "../src/backend/backend.js";
import { JsBackend } from "../src/backend/js/index.js";
import { WasmBackend, instantiate } from "../src/backend/wasm/index.js";
import { wasmBinary } from "../src/backend/wasm/binary.generated.js";
import { rng } from "./helpers/rng.js";

const MIN = -(2 ** 31), MAX = 2 ** 31 - 1;
const fits = (v: bigint) => v >= BigInt(MIN) && v <= BigInt(MAX);
const OVERFLOW = "the result does not fit in int32 (wasmgrad's stand-in for int64); convert to float64 first";

// ---------------------------------------------------------------- exact reference (BigInt)

function exactBin(op: BinOp, a: number, b: number): bigint {
  const x = BigInt(a), y = BigInt(b);
  switch (op) {
    case Bin.ADD: return x + y;
    case Bin.SUB: return x - y;
    case Bin.MUL: return x * y;
    default: { // POW, as PyTorch's integer pow; negative exponents truncate toward zero
      if (b < 0) return a === 1 ? 1n : a === -1 ? (b % 2 === 0 ? 1n : -1n) : 0n;
      if (a >= -1 && a <= 1 || b < 64) return x ** y;
      // |x|^y >= 2^64: far outside int32; the wrapped value by squaring modulo 2^32, moved out of range by 2^32
      let r = 1n, base = x, e = y;
      for (; e > 0n; e >>= 1n) {
        if (e & 1n) r = BigInt.asIntN(32, r * base);
        base = BigInt.asIntN(32, base * base);
      }
      return r + 2n ** 32n;
    }
  }
}
const exactUn = (op: UnOp, a: number): bigint => (op === Un.NEG ? -BigInt(a) : BigInt(a < 0 ? -a : a));

/** What a kernel must give: whether any result overflowed, and every result wrapped to int32. */
function expected(exact: bigint[]): { overflow: boolean; values: number[] } {
  return { overflow: exact.some((v) => !fits(v)), values: exact.map((v) => Number(BigInt.asIntN(32, v))) };
}

// ---------------------------------------------------------------- backend harness

let backends: [string, Backend][];
beforeAll(async () => {
  backends = [["js", new JsBackend()], ["wasm", new WasmBackend(await instantiate(wasmBinary))]];
});

/** Upload int32 inputs, run `call` into an n-element int32 output, free all; the flag and the output. */
function runInt(be: Backend, inputs: number[][], n: number, call: (hs: Handle[], out: Handle) => boolean): { overflow: boolean; values: number[] } {
  const hs = inputs.map((data) => {
    const h = be.alloc("int32", data.length);
    be.write(h, "int32", Int32Array.from(data), 0);
    return h;
  });
  const out = be.alloc("int32", n);
  const overflow = call(hs, out);
  const values = Array.from(be.read(out, "int32", 0, n));
  be.free(out, "int32", n);
  inputs.forEach((data, i) => be.free(hs[i], "int32", data.length));
  return { overflow, values };
}

const BIN_NAMES: Record<number, string> = { [Bin.ADD]: "ADD", [Bin.SUB]: "SUB", [Bin.MUL]: "MUL", [Bin.POW]: "POW" };

/** Operand pairs at and just past the int32 boundary of each op (the reference decides which fit). */
const EDGE_PAIRS: Record<number, [number, number][]> = {
  [Bin.ADD]: [[MAX - 1, 1], [MAX, 1], [MIN + 1, -1], [MIN, -1], [MAX, MIN], [MAX, MAX], [MIN, MIN], [-1, MIN]],
  [Bin.SUB]: [[MIN + 1, 1], [MIN, 1], [MAX - 1, -1], [MAX, -1], [0, MIN], [-1, MIN], [MAX, MAX], [MIN, MAX]],
  [Bin.MUL]: [[65536, -32768], [65536, 32768], [-65536, 32768], [-65536, -32768], [46340, 46340], [46341, 46341],
    [-1, MIN], [1, MIN], [MIN, 0], [-1, MAX], [2, MAX], [MIN, MIN]],
  [Bin.POW]: [[2, 30], [2, 31], [-2, 31], [-2, 32], [46340, 2], [46341, 2], [3, 19], [3, 20], [7, 11], [7, 12],
    [-1, MAX], [1, MAX], [0, MAX], [2, MAX], [MIN, 1], [MIN, 2], [65536, 2], [2, -1], [-1, -3]],
};

describe("kernels report int32 overflow exactly (Backend interface)", () => {
  for (const op of [Bin.ADD, Bin.SUB, Bin.MUL, Bin.POW] as BinOp[]) {
    test(`binary ${BIN_NAMES[op]}: each boundary pair in every lane and tail, sizes 1..33, contiguous, broadcast and strided`, () => {
      const r = rng(100 + op);
      const small = () => (op === Bin.POW ? Math.floor(r() * 4) : Math.floor(r() * 7) - 3);
      for (const [pa, pb] of EDGE_PAIRS[op]!) {
        for (let n = 1; n <= 33; n++) {
          for (let pos = 0; pos < n; pos++) {
            const a = Array.from({ length: n }, small), b = Array.from({ length: n }, small);
            a[pos] = pa; b[pos] = pb;
            const want = expected(a.map((x, i) => exactBin(op, x, b[i]!)));
            // b broadcast (stride 0): b[pos] everywhere
            const wantB = expected(a.map((x) => exactBin(op, x, pb)));
            // a read with stride 2 (every other element of a 2n buffer): the strided loop
            const a2 = a.flatMap((x) => [x, 5]);
            for (const [name, be] of backends) {
              const ctx = `${name} ${BIN_NAMES[op]}(${pa}, ${pb}) n=${n} at ${pos}`;
              expect(runInt(be, [a, b], n, ([ha, hb], out) => be.binary(op, "int32", ha, 0, [1], hb, 0, [1], out, [n])), ctx).toEqual(want);
              expect(runInt(be, [a, [pb]], n, ([ha, hb], out) => be.binary(op, "int32", ha, 0, [1], hb, 0, [0], out, [n])), ctx + " broadcast").toEqual(wantB);
              if (pos === 0 || pos === n - 1) {
                expect(runInt(be, [a2, b], n, ([ha, hb], out) => be.binary(op, "int32", ha, 0, [2], hb, 0, [1], out, [n])), ctx + " strided").toEqual(want);
              }
            }
          }
        }
      }
    });
  }

  test("binary: random operands full of extremes, 2-d with broadcast rows, against the exact results", () => {
    const r = rng(7);
    const pool = [MIN, MIN + 1, -65536, -46341, -32768, -2, -1, 0, 1, 2, 3, 32768, 46340, 46341, 65536, MAX - 1, MAX];
    const pick = () => (r() < 0.3 ? pool[Math.floor(r() * pool.length)]! : Math.floor(r() * 2001) - 1000);
    let raised = 0, passed = 0;
    for (let trial = 0; trial < 300; trial++) {
      const op = ([Bin.ADD, Bin.SUB, Bin.MUL, Bin.POW] as BinOp[])[trial % 4]!;
      const rows = 1 + Math.floor(r() * 3), cols = 1 + Math.floor(r() * 40);
      const a = Array.from({ length: rows * cols }, pick);
      const b = Array.from({ length: cols }, () => (op === Bin.POW ? Math.floor(r() * 12) - 1 : pick()));
      const want = expected(a.map((x, i) => exactBin(op, x, b[i % cols]!)));
      if (want.overflow) raised++; else passed++;
      for (const [name, be] of backends) {
        const got = runInt(be, [a, b], rows * cols, ([ha, hb], out) => be.binary(op, "int32", ha, 0, [cols, 1], hb, 0, [0, 1], out, [rows, cols]));
        expect(got, `${name} ${BIN_NAMES[op]} trial ${trial}`).toEqual(want);
      }
    }
    expect(raised).toBeGreaterThan(30); // both outcomes were exercised
    expect(passed).toBeGreaterThan(30);
  });

  test("unary NEG and ABS: -2^31 in every lane and tail, sizes 1..33", () => {
    for (const op of [Un.NEG, Un.ABS] as UnOp[]) {
      for (const special of [MIN, MIN + 1, MAX]) {
        for (let n = 1; n <= 33; n++) {
          for (let pos = 0; pos < n; pos++) {
            const x = Array.from({ length: n }, (_, i) => (i % 5) - 2);
            x[pos] = special;
            const want = expected(x.map((v) => exactUn(op, v)));
            expect(want.overflow).toBe(special === MIN);
            for (const [name, be] of backends) {
              expect(runInt(be, [x], n, ([h], out) => be.unary(op, "int32", h, 0, out, n)), `${name} ${op} ${special} n=${n} at ${pos}`).toEqual(want);
            }
          }
        }
      }
    }
  });

  /** SUM or PROD over [outer, axis, inner] of x, exactly. */
  function exactReduce(op: RedOp, x: number[], outer: number, axis: number, inner: number): bigint[] {
    const out: bigint[] = [];
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let acc = op === Red.SUM ? 0n : 1n;
        for (let k = 0; k < axis; k++) {
          const v = BigInt(x[(o * axis + k) * inner + j]!);
          acc = op === Red.SUM ? acc + v : acc * v;
        }
        out.push(acc);
      }
    }
    return out;
  }

  function checkReduce(op: RedOp, x: number[], outer: number, axis: number, inner: number, ctx: string): boolean {
    const want = expected(exactReduce(op, x, outer, axis, inner));
    for (const [name, be] of backends) {
      expect(runInt(be, [x], outer * inner, ([h], out) => be.reduce(op, "int32", h, 0, outer, axis, inner, out)), `${name} ${ctx}`).toEqual(want);
    }
    return want.overflow;
  }

  test("SUM along a row: exact however the partial sums wrap, overflow in every lane and tail, rows 1..33", () => {
    for (let n = 1; n <= 33; n++) {
      for (let pos = 0; pos < n; pos++) {
        const row = new Array<number>(n).fill(0);
        row[pos] = MAX;
        // MAX + 1 overflows; MAX + 1 - 1 does not, though a partial sum does
        if (n > 1) row[(pos + 1) % n] = 1;
        expect(checkReduce(Red.SUM, row, 1, n, 1, `SUM n=${n} MAX+1 at ${pos}`)).toBe(n > 1);
        if (n > 2) {
          row[(pos + 2) % n] = -1;
          expect(checkReduce(Red.SUM, row, 1, n, 1, `SUM n=${n} MAX+1-1 at ${pos}`)).toBe(false);
        }
        // MIN - 1 overflows; in the second of two rows, with MAX + 1 - 1 in the first, too
        const low = new Array<number>(n).fill(0);
        low[pos] = MIN;
        if (n > 1) low[(pos + n - 1) % n] = -1;
        expect(checkReduce(Red.SUM, low, 1, n, 1, `SUM n=${n} MIN-1 at ${pos}`)).toBe(n > 1);
        expect(checkReduce(Red.SUM, [...row, ...low], 2, n, 1, `SUM two rows n=${n} at ${pos}`)).toBe(n > 1);
      }
    }
  });

  test("SUM and PROD across columns (inner 1..33) and along rows, random extremes, against the exact results", () => {
    const r = rng(11);
    const pool = [MIN, -65536, -46341, -32768, -2, -1, 0, 1, 2, 32768, 46341, 65536, MAX];
    let raised = 0, passed = 0;
    for (const op of [Red.SUM, Red.PROD] as RedOp[]) {
      for (let inner = 1; inner <= 33; inner++) {
        for (const axis of [1, 2, 3, 5, 9]) {
          const outer = 1 + (inner % 2);
          const x = Array.from({ length: outer * axis * inner }, () => {
            if (op === Red.PROD) return r() < 0.15 ? pool[Math.floor(r() * pool.length)]! : Math.floor(r() * 5) - 2 || 1;
            return r() < 0.4 ? pool[Math.floor(r() * pool.length)]! : Math.floor(r() * 201) - 100;
          });
          if (checkReduce(op, x, outer, axis, inner, `${op} [${outer}, ${axis}, ${inner}]`)) raised++; else passed++;
          // the same numbers as rows (inner 1)
          if (checkReduce(op, x, outer * inner, axis, 1, `${op} rows [${outer * inner}, ${axis}]`)) raised++; else passed++;
        }
      }
    }
    expect(raised).toBeGreaterThan(30);
    expect(passed).toBeGreaterThan(30);
  });

  test("PROD: a zero anywhere makes the product 0, however large the other factors", () => {
    for (let n = 2; n <= 33; n++) {
      for (let pos = 0; pos < n; pos++) {
        const row = new Array<number>(n).fill(1);
        row[pos] = 65536;
        row[(pos + 1) % n] = 32768;
        expect(checkReduce(Red.PROD, row, 1, n, 1, `PROD n=${n} 2^16 2^15 at ${pos}`)).toBe(true);
        row[(pos + 1) % n] = -32768;
        expect(checkReduce(Red.PROD, row, 1, n, 1, `PROD n=${n} -2^31 at ${pos}`)).toBe(false);
        row[(pos + 1) % n] = 65536;
        if (n > 2) {
          row[(pos + 2) % n] = 0;
          expect(checkReduce(Red.PROD, row, 1, n, 1, `PROD n=${n} 2^32 * 0 at ${pos}`)).toBe(false);
          // across columns: column pos holds 2^16, 2^16, 0 down a 3-row axis
          const cols = new Array<number>(3 * n).fill(1);
          cols[pos] = 65536; cols[n + pos] = 65536; cols[2 * n + pos] = 0;
          expect(checkReduce(Red.PROD, cols, 1, 3, n, `PROD columns n=${n} 2^16 2^16 0 at ${pos}`)).toBe(false);
          cols[2 * n + pos] = 1;
          expect(checkReduce(Red.PROD, cols, 1, 3, n, `PROD columns n=${n} 2^16 2^16 1 at ${pos}`)).toBe(true);
        }
      }
    }
  });
});

// ---------------------------------------------------------------- public API, both backends

const I = (data: number[] | number[][]) => torch.tensor(data, { dtype: "int32" });
const values = (t: torch.Tensor) => Array.from(t.toArray() as Int32Array);

/** fn(...inputs) raises the overflow error naming `op` and leaves no tensor or byte behind
 *  (the inputs are made before and disposed after). */
function raises<A extends torch.Tensor[]>(op: string, inputs: [...A], fn: (...t: A) => unknown): void {
  const before = torch.memory();
  expect(() => fn(...inputs)).toThrow(`${op}(): ${OVERFLOW}`);
  const after = torch.memory();
  expect(after.tensors, `${op}: tensors left behind`).toBe(before.tensors);
  expect(after.bytesInUse, `${op}: bytes left behind`).toBe(before.bytesInUse);
  torch.dispose(inputs);
}

for (const backend of ["wasm", "js"] as const) {
  describe(`int32 results that do not fit raise [${backend}]`, () => {
    beforeAll(() => torch.setBackend(backend));

    test("arange sums: 0 + ... + 65536 fits in int32, 0 + ... + 65537 does not", () => {
      // n (n - 1) / 2: PyTorch 1.13 (int64) gives 2147385345, 2147450880, 2147516416 and
      // 2449965000 for arange(65535 | 65536 | 65537 | 70000).sum(); int32 ends at 2147483647
      for (const n of [65535, 65536]) {
        const x = torch.arange(n);
        expect(x.dtype).toBe("int32");
        expect(x.sum().item()).toBe((n * (n - 1)) / 2);
        x.dispose();
      }
      for (const n of [65537, 70000]) {
        raises("sum", [torch.arange(n)], (x) => x.sum());
        expect(torch.arange(n).double().sum().item()).toBe((n * (n - 1)) / 2);
      }
      // -1 - 2 - ... - 65535 fits, down to -65536 it does not
      expect(torch.arange(-65535, 0).sum().item()).toBe(-(65535 * 65536) / 2);
      raises("sum", [torch.arange(-65536, 0)], (x) => x.sum());
      // per row the sums fit, over everything they do not (rows, then across columns)
      const x = torch.arange(70000).reshape(2, 35000);
      expect(values(x.sum(1))).toEqual([(35000 * 34999) / 2, (35000 * 34999) / 2 + 35000 * 35000]);
      raises("sum", [x], (t) => t.sum());
      expect(values(torch.arange(70000).reshape(35000, 2).sum(0))).toEqual([34999 * 35000, 34999 * 35000 + 35000]);
      raises("sum", [torch.arange(140000).reshape(70000, 2)], (t) => t.sum(0));
      raises("sum", [torch.arange(70000).reshape(2, 35000).t()], (t) => t.sum()); // a transposed input
    });

    test("a sum fits when the final result does, however the partial sums go", () => {
      expect(I([MAX, 1, -1]).sum().item()).toBe(MAX);
      expect(I([MIN, -1, 1]).sum().item()).toBe(MIN);
      raises("sum", [I([MAX, 1])], (x) => x.sum());
      raises("sum", [I([MIN, -1])], (x) => x.sum());
      expect(torch.tensor([true, true, true]).sum().item()).toBe(3); // bools count in int32
    });

    test("prod: -2^31 fits, 2^31 does not; a zero anywhere gives 0", () => {
      expect(I([65536, -32768]).prod().item()).toBe(MIN);
      expect(I([MAX, -1, 1]).prod().item()).toBe(-MAX);
      raises("prod", [I([65536, 32768])], (x) => x.prod());
      raises("prod", [I([MIN, -1])], (x) => x.prod());
      expect(I([65536, 65536, 0]).prod().item()).toBe(0);
      // 12! fits, 13! does not
      expect(torch.arange(1, 13).prod().item()).toBe(479001600);
      raises("prod", [torch.arange(1, 14)], (x) => x.prod());
      raises("prod", [I([[65536, 1], [65536, 1]])], (x) => x.prod(0));
      expect(values(I([[65536, 1], [65536, 1], [0, 1]]).prod(0))).toEqual([0, 1]);
    });

    test("mean, var and std of int32 raise as in PyTorch (no int32 accumulation to overflow)", () => {
      const x = torch.arange(70000);
      expect(() => x.mean()).toThrow("mean(): could not infer output dtype");
      expect(() => x.var()).toThrow("std and var only support floating point and complex dtypes");
      expect(() => x.std()).toThrow("std and var only support floating point and complex dtypes");
      x.dispose();
    });

    test("elementwise: the largest and smallest results fit, one more raises", () => {
      expect(values(I([MAX - 1, MIN + 1]).add(I([1, -1])))).toEqual([MAX, MIN]);
      raises("add", [I([MAX]), I([1])], (a, b) => a.add(b));
      raises("add", [I([MIN])], (a) => a.add(-1));
      expect(values(I([MIN + 1, MAX - 1]).sub(I([1, -1])))).toEqual([MIN, MAX]);
      raises("sub", [I([MIN])], (a) => a.sub(1));
      raises("sub", [I([0]), I([MIN])], (a, b) => a.sub(b));
      expect(values(I([65536, 46340]).mul(I([-32768, 46340])))).toEqual([MIN, 46340 * 46340]);
      raises("mul", [I([65536])], (a) => a.mul(32768));
      raises("mul", [I([46341]), I([46341])], (a, b) => a.mul(b));
      raises("mul", [I([-1]), I([MIN])], (a, b) => a.mul(b));
      expect(values(I([-2, 2, 3]).pow(I([31, 30, 19])))).toEqual([MIN, 2 ** 30, 3 ** 19]);
      raises("pow", [I([2])], (a) => a.pow(31));
      raises("pow", [I([3]), I([20])], (a, b) => a.pow(b));
      raises("pow", [I([46341])], (a) => a.pow(2));
      expect(values(I([MIN + 1]).neg())).toEqual([MAX]);
      expect(values(I([MIN + 1]).abs())).toEqual([MAX]);
      raises("neg", [I([1, MIN])], (a) => a.neg());
      raises("abs", [I([MIN, 1, 2, 3, 4])], (a) => a.abs());
      // as PyTorch's int64: 2 * 1.5e9 - 1e9 fits, though 2 * 1.5e9 alone does not fit in int32
      expect(values(I([-1e9]).add(I([1.5e9]), { alpha: 2 }))).toEqual([2e9]);
      expect(values(I([1e9]).sub(I([1.5e9]), { alpha: 2 }))).toEqual([-2e9]);
      raises("add", [I([1e9]), I([1.5e9])], (a, b) => a.add(b, { alpha: 2 }));
      raises("sub", [I([-1e9]), I([1.5e9])], (a, b) => a.sub(b, { alpha: 2 }));
      raises("add", [I([5])], (a) => a.add(1e9, { alpha: 3 }));
      // bool + an int number is int32
      raises("add", [torch.tensor([true])], (a) => a.add(MAX));
    });

    test("every SIMD lane and tail through the public API, sizes 1..33", () => {
      for (let n = 1; n <= 33; n++) {
        for (let pos = 0; pos < n; pos++) {
          const data = Array.from({ length: n }, (_, i) => i - 3);
          data[pos] = MAX;
          raises("add", [I(data)], (x) => x.add(1));
          raises("add", [I(data)], (x) => x.add(x));
          const base = I(data);
          raises("mul", [base.reshape(1, n).expand(3, n)], (x) => x.mul(2)); // rows broadcast
          base.dispose();
          const x = I(data);
          expect(values(x.sub(1))[pos]).toBe(MAX - 1);
          x.dispose();
        }
      }
    });

    test("in place: the target is unchanged when the op raises (contiguous and strided views)", () => {
      const x = I([[1, MAX], [3, 4]]);
      const before = values(x);
      const check = (op: string, fn: (t: torch.Tensor) => unknown) => {
        const mem = torch.memory();
        expect(() => fn(x)).toThrow(`${op}(): ${OVERFLOW}`);
        expect(torch.memory().tensors).toBe(mem.tensors);
        expect(torch.memory().bytesInUse).toBe(mem.bytesInUse);
        expect(values(x), op).toEqual(before);
      };
      const ones = I([[-1, -1], [-1, -1]]), big = I([1e9, 1e9]);
      check("add_", (t) => t.add_(1));
      check("sub_", (t) => t.sub_(ones));
      check("mul_", (t) => t.mul_(2));
      check("add_", (t) => t.add_(big, { alpha: 2 }));
      check("add_", (t) => t.add_(3e9));
      check("clamp_", (t) => t.clamp_(3e9));
      check("clamp_", (t) => t.clamp_(0, -3e9));
      const xt = x.t(), col = x.index(null, 1); // a transposed target, a strided view [MAX, 4]
      check("add_", () => xt.add_(1));
      check("mul_", () => col.mul_(2));
      // a result that fits is written
      x.add_(I([[0, -1], [0, 0]]));
      expect(values(x)).toEqual([1, MAX - 1, 3, 4]);
      expect(values(x.clamp_(0, 3e9))).toEqual([1, MAX - 1, 3, 4]);
      torch.dispose([x, ones, big, xt, col]);
    });

    test("number operands that PyTorch's int64 holds but int32 does not", () => {
      expect(values(I([-1e9, MIN]).add(3e9))).toEqual([2e9, 3e9 + MIN]);
      raises("add", [I([-1e9, 0])], (a) => a.add(3e9));
      expect(values(I([MAX, 1e9]).sub(3e9))).toEqual([MAX - 3e9, 1e9 - 3e9]);
      expect(values(I([0, 0]).mul(3e9))).toEqual([0, 0]);
      expect(values(I([0, -1]).mul(2 ** 31))).toEqual([0, MIN]);
      raises("mul", [I([1])], (a) => a.mul(3e9));
      // comparisons against the number itself, not its int32 wrap (3e9 wraps to -1294967296)
      expect(values(I([1, MIN, MAX]).lt(3e9))).toEqual([1, 1, 1]);
      expect(values(I([1, MIN]).gt(-3e9))).toEqual([1, 1]);
      expect(values(I([1, -1]).eq(2 ** 32 + 1))).toEqual([0, 0]);
      expect(values(I([1, -1]).ne(2 ** 32 - 1))).toEqual([1, 1]);
      // pow with an exponent outside int32: 0, 1 and -1 stay small
      expect(values(I([0, 1, -1, -1]).pow(3e9))).toEqual([0, 1, 1, 1]);
      expect(values(I([-1]).pow(3e9 + 1))).toEqual([-1]);
      raises("pow", [I([2])], (a) => a.pow(3e9));
      // clamp and where: the result must fit
      expect(values(I([1, -5]).clamp(-3e9, 3e9))).toEqual([1, -5]);
      raises("clamp", [I([1])], (a) => a.clamp(3e9));
      expect(values(torch.where(torch.tensor([true, true]), I([1, 2]), 3e9))).toEqual([1, 2]);
      raises("where", [torch.tensor([true, false]), I([1, 2])], (c, a) => torch.where(c, a, 3e9));
      // a number first, or a fill, is made into an int32 tensor: it must fit
      expect(() => torch.add(3e9, I([1]))).toThrow("value cannot be converted to type int32 without overflow");
      expect(() => I([1]).fill_(3e9)).toThrow("value cannot be converted to type int without overflow"); // PyTorch: fill_ says "type int"
    });

    test("matmul and mm of int32: exact results, 2^31 - 1 fits and 2^31 raises", () => {
      expect(values(I([[65536, 1]]).matmul(I([[32767], [65535]])))).toEqual([MAX]);
      expect(values(I([[65536, -1]]).mm(I([[-32768], [0]])))).toEqual([MIN]);
      raises("matmul", [I([[65536, 1]]), I([[32768], [0]])], (a, b) => a.matmul(b));
      raises("mm", [I([[65536, 1]]), I([[32768], [0]])], (a, b) => a.mm(b));
      raises("matmul", [I([65536, 1]), I([32768, 0])], (a, b) => a.matmul(b)); // dot
      raises("matmul", [torch.full([2, 3, 4], 40000, { dtype: "int32" }), torch.full([4, 5], 40000, { dtype: "int32" })], (a, b) => a.matmul(b));
      // partial sums past 2^53 that cancel (float64 would round 2^60 + 1 to 2^60): exact, as PyTorch's int64
      expect(values(I([[2 ** 30, 1, -(2 ** 30)]]).matmul(I([[2 ** 30], [1], [2 ** 30]])))).toEqual([1]);
      expect(values(I([[MIN, MIN, 1]]).matmul(I([[MAX], [-MAX], [MAX]])))).toEqual([MAX]);
      raises("matmul", [I([[MIN, MIN, 1, 1]]), I([[MAX], [-MAX], [MAX], [1]])], (a, b) => a.matmul(b));
      raises("matmul", [I([[2 ** 30, 2, -(2 ** 30)]]), I([[2 ** 30], [2 ** 30], [2 ** 30]])], (a, b) => a.matmul(b));
      // against exact arithmetic at sizes through the SIMD tiles and tails, with results on both sides of 2^31
      const r = rng(3);
      let raised = 0;
      for (const [m, k, n] of [[1, 1, 1], [5, 7, 9], [4, 33, 17], [9, 3, 33], [6, 2, 5]] as const) {
        for (const scale of [2 ** 12, 2 ** 15, 2 ** 17]) {
          const a = Array.from({ length: m * k }, () => Math.floor(r() * 2 * scale) - scale);
          const b = Array.from({ length: k * n }, () => Math.floor(r() * 2 * scale) - scale);
          const want: bigint[] = [];
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < n; j++) {
              let s = 0n;
              for (let p = 0; p < k; p++) s += BigInt(a[i * k + p]!) * BigInt(b[p * n + j]!);
              want.push(s);
            }
          }
          const ta = I(a).reshape(m, k), tb = I(b).reshape(k, n);
          if (want.every(fits)) expect(values(ta.matmul(tb)), `${m}x${k}x${n} ${scale}`).toEqual(want.map(Number));
          else { raised++; raises("matmul", [ta, tb], (x, y) => x.matmul(y)); }
        }
      }
      expect(raised).toBeGreaterThan(0);
    });

    test("float paths are untouched: float32 and float64 go past 2^31 as before", () => {
      expect(torch.arange(70000, { dtype: "float64" }).sum().item()).toBe(2449965000);
      expect(torch.tensor([MAX], { dtype: "float64" }).add(1).item()).toBe(2 ** 31);
      expect(torch.tensor([MIN], { dtype: "float32" }).neg().item()).toBe(2 ** 31);
    });
  });
}
