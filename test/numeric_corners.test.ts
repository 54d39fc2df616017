/**
 * Numeric corners against PyTorch 1.13, on both backends: signed zeros (compared with
 * Object.is), infinities, NaN and ties, in forward results and gradients.
 *
 * 1. test/golden/corners.json, recorded from PyTorch by scripts/oracle/corners.py: every case
 *    exactly as recorded, and the elementwise ones again tiled to a length where the SIMD
 *    main loops see every special value in every lane.
 * 2. Larger random tensors full of +-0, +-inf and NaN, checked against the tie rules the
 *    kernels document (a scalar loop in this file), so both backends agree bit for bit at
 *    sizes where PyTorch's own vectorized loops break ties by lane:
 *    maximum/minimum/clamp ties keep x (std::max / std::min), max()/min() over all elements
 *    take the last of tied extremes, max(dim)/min(dim) the first (with its index).
 */
import { afterAll, beforeEach, describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import * as torch from "../src/index.js";
import { rng } from "./helpers/rng.js";

type T = torch.Tensor;
type Enc = number | string | boolean;
type Arg = number | string | null;
interface Out { shape: number[]; dtype: string; data: Enc[] }
interface Case {
  family: string; args: Arg[]; dtype: string;
  inputs: { dtype: string; data: unknown }[];
  elementwise: boolean; gout: Enc[] | null;
  out: Out[]; grads: ({ shape: number[]; data: Enc[] } | null)[] | null;
}

const golden = JSON.parse(readFileSync(new URL("./golden/corners.json", import.meta.url), "utf8")) as { cases: Case[] };

function dec(v: Enc): number | boolean {
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (v === "-0") return -0;
  return v as number | boolean;
}
const decNested = (x: unknown): unknown => (Array.isArray(x) ? x.map(decNested) : dec(x as Enc));
/** Values as comparable strings/numbers: -0 and NaN visible in a failure's diff. */
const enc = (v: number | boolean): Enc =>
  typeof v === "boolean" ? v : Number.isNaN(v) ? "nan" : Object.is(v, -0) ? "-0" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : v;
const vals = (t: T): Enc[] => Array.from(t.toArray() as ArrayLike<number>, (v) => enc(typeof v === "boolean" ? +v : v));
const num = (a: Arg): number => dec(a as Enc) as number;
const optNum = (a: Arg): number | null => (a === null ? null : num(a));

const UNARY: Record<string, (x: T) => T> = {
  neg: (x) => x.neg(), abs: (x) => x.abs(), sign: (x) => x.sign(), relu: (x) => x.relu(),
  sqrt: (x) => x.sqrt(), exp: (x) => x.exp(), log: (x) => x.log(), tanh: (x) => x.tanh(),
  sigmoid: (x) => x.sigmoid(), sin: (x) => x.sin(), cos: (x) => x.cos(),
};
const BINARY: Record<string, (a: T, b: T) => T> = {
  add: (a, b) => a.add(b), sub: (a, b) => a.sub(b), mul: (a, b) => a.mul(b), div: (a, b) => a.div(b),
  pow: (a, b) => a.pow(b), maximum: (a, b) => a.maximum(b), minimum: (a, b) => a.minimum(b),
};
interface ValuesIndices { values: T; indices: T }
const pair = (r: ValuesIndices): T[] => [r.values, r.indices];

/** One function per family of scripts/oracle/corners.py. */
const FAMILIES: Record<string, (t: T[], a: Arg[]) => T | T[]> = {
  unary: ([x], [op]) => UNARY[op as string]!(x!),
  binary: ([a, b], [op]) => BINARY[op as string]!(a!, b!),
  pow_scalar: ([x], [e]) => x!.pow(num(e!)),
  clamp: ([x], [lo, hi]) => x!.clamp(optNum(lo!), optNum(hi!)),
  clamp_: ([x], [lo, hi]) => x!.clone().clamp_(optNum(lo!), optNum(hi!)),
  max_all: ([x]) => x!.max() as T,
  min_all: ([x]) => x!.min() as T,
  max_dim: ([x], [d]) => pair(x!.max(num(d!)) as ValuesIndices),
  min_dim: ([x], [d]) => pair(x!.min(num(d!)) as ValuesIndices),
  argmax: ([x], [d]) => x!.argmax(d === null ? undefined : num(d!)),
  argmin: ([x], [d]) => x!.argmin(d === null ? undefined : num(d!)),
  sum: ([x], [d]) => (d === null ? x!.sum() : x!.sum(num(d!))),
  mean: ([x], [d]) => (d === null ? x!.mean() : x!.mean(num(d!))),
  prod: ([x], [d]) => (d === null ? x!.prod() : x!.prod(num(d!))),
  norm: ([x], [p, d]) => (d === null ? x!.norm(num(p!)) : x!.norm(num(p!), num(d!))),
  where: ([c, a, b]) => torch.where(c!, a!, b!),
  logsumexp: ([x], [d]) => x!.logsumexp(num(d!)),
  softmax: ([x], [d]) => x!.softmax(num(d!)),
  log_softmax: ([x], [d]) => x!.logSoftmax(num(d!)),
  var: ([x]) => x!.var(),
  std: ([x]) => x!.std(),
};

const isFloat = (d: string) => d === "float32" || d === "float64";
const label = (c: Case) => {
  const data = JSON.stringify(c.inputs.map((i) => i.data));
  return `${c.family}(${c.args.map((a) => JSON.stringify(a)).join(", ")}) ${c.dtype} ${data.length > 90 ? data.slice(0, 87) + "..." : data}`;
};

/** Run a case on its inputs (data already decoded, flat or nested), returning outputs and grads. */
function run(c: Case, inputs: unknown[], gout: unknown | null, withGrad: boolean): { outs: T[]; grads: (T | null)[] } {
  const xs = inputs.map((data, i) => {
    const dtype = c.inputs[i]!.dtype as torch.DType;
    return torch.tensor(data, { dtype, requiresGrad: withGrad && isFloat(dtype) });
  });
  const r = FAMILIES[c.family]!(xs, c.args);
  const outs = Array.isArray(r) ? r : [r];
  if (!withGrad) return { outs, grads: [] };
  const y = outs[0]!;
  const g = gout === null ? torch.onesLike(y) : torch.tensor(gout, { dtype: y.dtype as torch.DType }).reshape(y.shape);
  y.backward(g);
  return { outs, grads: xs.map((x) => x.grad) };
}

const tile = <V>(a: V[], n: number): V[] => Array.from({ length: a.length * n }, (_, i) => a[i % a.length]!);
const TILES = 13; // odd: successive copies start in different SIMD lanes

for (const backend of ["wasm", "js"] as const) {
  describe(`numeric corners vs PyTorch [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); });
    afterAll(() => { torch.setBackend("wasm"); });

    test("the golden file has cases for every family", () => {
      expect(new Set(golden.cases.map((c) => c.family))).toEqual(new Set(Object.keys(FAMILIES)));
    });

    for (const c of golden.cases) {
      test(label(c), () => {
        const withGrad = c.grads !== null;
        const { outs, grads } = run(c, c.inputs.map((i) => decNested(i.data)), c.gout === null ? null : c.gout.map(dec), withGrad);
        expect(outs.length).toBe(c.out.length);
        c.out.forEach((o, k) => {
          expect(outs[k]!.shape).toEqual(o.shape);
          expect(outs[k]!.dtype).toBe(o.dtype);
          expect(vals(outs[k]!), `output ${k}`).toEqual(o.data.map((v) => enc(dec(v))));
        });
        if (withGrad) {
          c.grads!.forEach((g, k) => {
            if (g === null) { expect(grads[k]).toBeNull(); return; }
            expect(grads[k]!.shape).toEqual(g.shape);
            expect(vals(grads[k]!), `grad of input ${k}`).toEqual(g.data.map((v) => enc(dec(v))));
          });
        }
        if (!c.elementwise) return;
        // again with every input broadcast to the output's shape, flattened and tiled
        const shape = c.out[0]!.shape;
        const flatIn = c.inputs.map((i) => {
          const t = torch.tensor(decNested(i.data), { dtype: i.dtype as torch.DType });
          return tile(Array.from(t.expand(shape).contiguous().toArray() as ArrayLike<number>), TILES);
        });
        const noBroadcast = c.inputs.every((i) => JSON.stringify(torch.tensor(decNested(i.data)).shape) === JSON.stringify(shape));
        const gradTiled = withGrad && noBroadcast;
        const gout = c.gout === null ? null : tile(c.gout.map(dec), TILES);
        const tiled = run(c, flatIn, gout, gradTiled);
        expect(vals(tiled.outs[0]!), "tiled output").toEqual(tile(c.out[0]!.data.map((v) => enc(dec(v))), TILES));
        if (gradTiled) {
          c.grads!.forEach((g, k) => {
            if (g !== null) expect(vals(tiled.grads[k]!), `tiled grad of input ${k}`).toEqual(tile(g.data.map((v) => enc(dec(v))), TILES));
          });
        }
      });
    }
  });
}

// ---- 2. the tie rules at sizes where PyTorch's lanes decide: a scalar reference ---------------

const SPECIAL = [0, -0, 0, -0, 1, -1, 2, -2, NaN, Infinity, -Infinity];
/** n values drawn from `pool`, NaN only with probability nanRate (else no result but NaN). */
function draw(next: () => number, n: number, nanRate: number, pool = SPECIAL): number[] {
  const noNan = pool.filter((v) => !Number.isNaN(v));
  return Array.from({ length: n }, () => (next() < nanRate ? NaN : noNan[Math.floor(next() * noNan.length)]!));
}
const f32 = (v: number[]): number[] => Array.from(Float32Array.from(v));

/** std::max(a, b) with NaN from either side (torch.maximum), and its mirror. */
const maxRef = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? b : a);
const minRef = (a: number, b: number) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : b < a ? b : a);
/** std::min(std::max(x, lo), hi); two bounds with a NaN among them: NaN; one NaN bound: x. */
function clampRef(x: number, lo: number | null, hi: number | null): number {
  if (lo !== null && hi !== null && (Number.isNaN(lo) || Number.isNaN(hi))) return NaN;
  let r = x;
  if (lo !== null && !Number.isNaN(lo) && r < lo) r = lo;
  if (hi !== null && !Number.isNaN(hi) && hi < r) r = hi;
  return r;
}
/** Over all elements: NaN if any, else the last element equal to the extreme. */
function allRef(xs: number[], isMax: boolean): number {
  if (xs.some(Number.isNaN)) return NaN;
  let r = xs[0]!;
  for (const v of xs) if (isMax ? v >= r : v <= r) r = v;
  return r;
}
/** Along a dim: the first NaN, else the first element equal to the extreme; and its index. */
function firstRef(xs: number[], isMax: boolean): [number, number] {
  let r = xs[0]!, at = 0;
  for (let i = 0; i < xs.length && !Number.isNaN(r); i++) {
    const v = xs[i]!;
    if (Number.isNaN(v) || (isMax ? v > r : v < r)) { r = v; at = i; }
  }
  return [r, at];
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 129, 1031];

for (const backend of ["wasm", "js"] as const) {
  describe(`tie rules at every size [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); });
    afterAll(() => { torch.setBackend("wasm"); });

    for (const dtype of ["float32", "float64"] as const) {
      const round = dtype === "float32" ? f32 : (v: number[]) => v;

      test(`maximum/minimum keep the first operand on ties, NaN from either (${dtype})`, () => {
        const next = rng(11);
        for (const n of SIZES) {
          for (const nanRate of [0, 0.05]) {
            const a = draw(next, n, nanRate), b = draw(next, n, nanRate);
            const ta = torch.tensor(a, { dtype }), tb = torch.tensor(b, { dtype });
            expect(vals(ta.maximum(tb)), `n=${n}`).toEqual(a.map((v, i) => enc(maxRef(v, b[i]!))));
            expect(vals(ta.minimum(tb)), `n=${n}`).toEqual(a.map((v, i) => enc(minRef(v, b[i]!))));
            // a broadcast operand takes the other kernel path
            const s = b[0]!;
            expect(vals(ta.maximum(torch.tensor(s, { dtype }))), `n=${n} scalar ${s}`).toEqual(a.map((v) => enc(maxRef(v, s))));
            expect(vals(torch.tensor(s, { dtype }).minimum(ta)), `n=${n} scalar ${s}`).toEqual(a.map((v) => enc(minRef(s, v))));
          }
        }
      });

      test(`clamp keeps x on ties; NaN bounds as PyTorch (${dtype})`, () => {
        const next = rng(12);
        const bounds: [number | null, number | null][] = [[0, null], [-0, null], [null, 0], [null, -0], [-0, 0], [0, -0], [-1, 1], [1, -1], [NaN, null], [null, NaN], [NaN, 1], [0, NaN]];
        for (const n of SIZES) {
          const x = draw(next, n, 0.05);
          for (const [lo, hi] of bounds) {
            expect(vals(torch.tensor(x, { dtype }).clamp(lo, hi)), `n=${n} clamp(${lo}, ${hi})`).toEqual(x.map((v) => enc(clampRef(v, lo, hi))));
          }
        }
      });

      test(`max()/min() over all elements take the last tied extreme (${dtype})`, () => {
        const next = rng(13);
        for (const n of SIZES) {
          for (const pool of [[0, -0], [0, -0, -1, -2], [0, -0, 1, 2], SPECIAL]) {
            for (const nanRate of [0, 0.5 / n]) {
              const x = round(draw(next, n, nanRate, pool));
              const t = torch.tensor(x, { dtype });
              expect(vals(t.max() as T), `n=${n} ${JSON.stringify(x.map(enc))}`).toEqual([enc(allRef(x, true))]);
              expect(vals(t.min() as T), `n=${n} ${JSON.stringify(x.map(enc))}`).toEqual([enc(allRef(x, false))]);
            }
          }
        }
      });

      test(`max(dim)/min(dim) take the first tied extreme and its index, rows and columns (${dtype})`, () => {
        const next = rng(14);
        for (const [r, c] of [[3, 1], [1, 40], [5, 17], [40, 3], [9, 8], [33, 5], [2, 70]] as const) {
          for (const pool of [[0, -0], [0, -0, -1], SPECIAL]) {
            const x = round(draw(next, r * c, 0.02, pool));
            const t = torch.tensor(x, { dtype }).reshape([r, c]);
            for (const dim of [0, 1]) {
              const lines = dim === 1
                ? Array.from({ length: r }, (_, i) => x.slice(i * c, (i + 1) * c))
                : Array.from({ length: c }, (_, j) => Array.from({ length: r }, (_, i) => x[i * c + j]!));
              for (const isMax of [true, false]) {
                const got = (isMax ? t.max(dim) : t.min(dim)) as ValuesIndices;
                const want = lines.map((l) => firstRef(l, isMax));
                const what = `[${r}, ${c}] dim ${dim} ${isMax ? "max" : "min"}`;
                expect(vals(got.values), what).toEqual(want.map(([v]) => enc(v)));
                expect(vals(got.indices), what).toEqual(want.map(([, i]) => i));
                expect(vals(isMax ? t.argmax(dim) : t.argmin(dim)), what).toEqual(want.map(([, i]) => i));
              }
            }
          }
        }
      });

      test(`sums of -0 are +0 at every size and layout (${dtype})`, () => {
        for (const n of SIZES) {
          const t = torch.full([n], -0, { dtype });
          expect(vals(t.sum()), `n=${n}`).toEqual([0]);
          expect(vals(t.reshape([1, n]).sum(1)), `n=${n}`).toEqual([0]);
          expect(vals(t.reshape([n, 1]).expand([n, 6]).contiguous().sum(0)), `n=${n}`).toEqual(Array(6).fill(0));
          expect(vals(t.mean()), `n=${n}`).toEqual([0]);
        }
      });

      test(`pow with 0.5, -0.5, -1, 2, 3, -2 is sqrt, 1/sqrt, 1/x, x*x, x*x*x, 1/(x*x) bit for bit (${dtype})`, () => {
        const next = rng(15);
        const x = round(draw(next, 203, 0.05, [...SPECIAL, 0.3, -7.1, 1e-20, 3e19, 123.456]));
        const fr = dtype === "float32" ? Math.fround : (v: number) => v;
        const refs: [number, (v: number) => number][] = [
          [0.5, (v) => fr(Math.sqrt(v))],
          [-0.5, (v) => fr(1 / fr(Math.sqrt(v)))],
          [-1, (v) => fr(1 / v)],
          [2, (v) => fr(v * v)],
          [3, (v) => fr(fr(v * v) * v)],
          [-2, (v) => fr(1 / fr(v * v))],
        ];
        const t = torch.tensor(x, { dtype });
        for (const [e, f] of refs) expect(vals(t.pow(e)), `pow ${e}`).toEqual(x.map((v) => enc(f(v))));
      });
    }
  });
}

// Layer norm of rows whose elements are all equal. PyTorch 1.13's CPU kernel computes
// (x * rstd + (-rstd * mean)) * w + b with both multiply-adds fused (its compiled loops), so a
// constant row (mean exactly its value) gives the rounding error of rstd * mean, not 0, and an
// infinite weight turns that into +-inf with its sign, not NaN. Values recorded from PyTorch
// 1.13.1 (Debian python3-torch, x86-64) with F.layer_norm on these inputs.
for (const backend of ["wasm", "js"] as const) {
  describe(`layerNorm of constant rows vs PyTorch [${backend}]`, () => {
    beforeEach(() => { torch.setBackend(backend); });
    afterAll(() => { torch.setBackend("wasm"); });
    const F = torch.nn.functional;
    const bits = (a: ArrayLike<number>) => Array.from(a, (v) => (Object.is(v, -0) ? "-0" : String(v)));

    test("float64: an expand()ed [4, 1] input with a weight holding -inf and -0 (fuzz seed 1, program 656)", () => {
      const x = torch.tensor([0.7390613294430941, -0.8149487510057914, 0.1783582277623135, 0.5363596182589446], { dtype: "float64" }).reshape([4, 1]).expand([4, 14]);
      const w = torch.tensor([-1.4322253068442727, -0.23295505367352332, -0.9521775228168231, -0.8106173245095878, -0.38950630886496385, -1.3053017315085407,
        -0, -0.6299284761721583, -1.8668223709860061, 0.4631652300415461, -Infinity, -0, 1.203790547063368, -0.558987247319411], { dtype: "float64" });
      const y = F.layerNorm(x, [14], w, null);
      // columns 0, 6, 10 and 11 of each row (the others are column 0's scaled by their weight)
      const cols = y.toArray() as Float64Array;
      const picked = [0, 1, 2, 3].flatMap((r) => [0, 6, 10, 11].map((c) => cols[r * 14 + c]!));
      expect(bits(picked)).toEqual(bits([
        -1.7849284536456854e-14, 0, -Infinity, 0,
        2.8337064254165595e-14, 0, Infinity, 0,
        -1.2165179310557614e-15, 0, -Infinity, 0,
        1.0112138102147037e-14, 0, Infinity, 0,
      ]));
    });

    test("float32: no affine, weight only, weight and bias, bias only", () => {
      const x = torch.tensor([0.7390613294430941, -0.8149487510057914, 3, -1e-3]).reshape([4, 1]).expand([4, 6]);
      const w = torch.tensor([2, -Infinity, Infinity, -0, 1, 0.5]), b = torch.tensor([0, 1, -0, 0, -0, 0.25]);
      const a = 3.1725503504276276e-06, c = 9.416500688530505e-06, d = -4.529596253632917e-09;
      expect(bits(F.layerNorm(x, [6]).toArray() as Float32Array)).toEqual(bits([a, a, a, a, a, a, c, c, c, c, c, c, 0, 0, 0, 0, 0, 0, d, d, d, d, d, d]));
      expect(bits(F.layerNorm(x, [6], w).toArray() as Float32Array)).toEqual(bits([
        6.345100700855255e-06, -Infinity, Infinity, 0, a, 1.5862751752138138e-06,
        1.883300137706101e-05, -Infinity, Infinity, 0, c, 4.708250344265252e-06,
        0, NaN, NaN, 0, 0, 0,
        -9.059192507265834e-09, Infinity, -Infinity, 0, d, -2.2647981268164585e-09,
      ]));
      expect(bits(F.layerNorm(x, [6], w, b).toArray() as Float32Array)).toEqual(bits([
        6.345100700855255e-06, -Infinity, Infinity, 0, a, 0.25000157952308655,
        1.883300137706101e-05, -Infinity, Infinity, 0, c, 0.25000470876693726,
        0, NaN, NaN, 0, 0, 0.25,
        -9.059192507265834e-09, Infinity, -Infinity, 0, d, 0.25,
      ]));
      expect(bits(F.layerNorm(x, [6], null, b).toArray() as Float32Array)).toEqual(bits([
        a, 1.0000032186508179, a, a, a, 0.2500031590461731,
        c, 1.0000094175338745, c, c, c, 0.2500094175338745,
        0, 1, 0, 0, 0, 0.25,
        d, 1, d, d, d, 0.25,
      ]));
    });
  });
}
