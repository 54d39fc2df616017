/**
 * Differential fuzz test: random programs run on the "wasm" and the "js" backend must agree.
 *
 * Each program is generated (from this file's own seeded PRNG, not torch.manualSeed) while it
 * runs on the wasm backend: every op is chosen from the shapes/dtypes the previous ops
 * produced, and recorded (inputs as the exact JS data, op, arguments, results, error
 * messages). The recording is then replayed on the js backend and compared step by step:
 *   - shape, dtype and values of every op's results (NaN matches NaN, infinities exactly,
 *     float32 |a-b| <= 1e-4 * max(1, |b|, S), float64 1e-10 * max(1, |b|, S), where S is the
 *     op's conditioning scale: sum |x| for sums, (|A| @ |B|) for matmul, ...; int/bool exact);
 *   - every live tensor after every step (in-place ops on views change their bases);
 *   - an op that throws must throw on both backends with the same message;
 *   - a step must not change any tensor it does not write (catches out-of-bounds writes);
 *   - at the end of a float program: `.sum().backward()` and every leaf's `.grad`;
 *   - each program runs inside torch.tidy, and torch.memory() tensors/bytes must be back to
 *     their values from before the program, on each backend.
 * After a step agrees, the js tensors' storages are overwritten with the wasm values, so the
 * next step sees bit-identical inputs on both backends: rounding differences do not compound
 * (and cannot flip a later sign/compare/argmax), and the tolerances can stay tight.
 *
 * Environment: WASMGRAD_FUZZ_SEED (default below), WASMGRAD_FUZZ_N (programs),
 * WASMGRAD_FUZZ_ONLY ("17" or "3,17": run just those program indices, for reproducing),
 * WASMGRAD_FUZZ_VERBOSE=1 (print every program), WASMGRAD_FUZZ_SLOW=ms (print programs slower
 * than that), WASMGRAD_FUZZ_DUMP=dir (write each failing
 * program there in full, with all its input data, as a TypeScript snippet).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { memoryCache } from "../src/storage.js";
import { backendByName } from "../src/backend/registry.js";

const linearMemory = () => memoryCache(backendByName("wasm"));

type T = torch.Tensor;
type DType = "float32" | "float64" | "int32" | "bool";
type TA = Float32Array | Float64Array | Int32Array | Uint8Array;

const DEFAULT_SEED = 0x5eed2024;
const SEED = process.env.WASMGRAD_FUZZ_SEED !== undefined ? Number(process.env.WASMGRAD_FUZZ_SEED) : DEFAULT_SEED;
const N = process.env.WASMGRAD_FUZZ_N !== undefined ? Number(process.env.WASMGRAD_FUZZ_N) : 1500;
const ONLY = process.env.WASMGRAD_FUZZ_ONLY?.split(",").map(Number) ?? null;
const VERBOSE = process.env.WASMGRAD_FUZZ_VERBOSE === "1";
/** A directory: each failing program is also written there in full (all input data) as TypeScript. */
const DUMP = process.env.WASMGRAD_FUZZ_DUMP;
/** Failures reported in full (the rest are counted). */
const MAX_REPORTED = 12;

// ---- PRNG: xoshiro128** seeded through splitmix32 --------------------------------------------

class Rng {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if ((this.s[0]! | this.s[1]! | this.s[2]! | this.s[3]!) === 0) this.s[0] = 1;
  }
  u32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
    const t = s[1]! << 9;
    s[2]! ^= s[0]!; s[3]! ^= s[1]!; s[1]! ^= s[2]!; s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }
  float(): number { return this.u32() / 4294967296; }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.float() < p; }
  pick<X>(xs: readonly X[]): X { return xs[Math.floor(this.float() * xs.length)]!; }
  weighted<X>(pairs: readonly (readonly [X, number])[]): X {
    let total = 0;
    for (const [, w] of pairs) total += w;
    let r = this.float() * total;
    for (const [x, w] of pairs) { if ((r -= w) < 0) return x; }
    return pairs[pairs.length - 1]![0];
  }
  normal(): number {
    const u = 1 - this.float(), v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  shuffle<X>(xs: X[]): X[] {
    for (let i = xs.length - 1; i > 0; i--) { const j = this.int(0, i); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
    return xs;
  }
}
function rotl(x: number, k: number): number { return ((x << k) | (x >>> (32 - k))) >>> 0; }

/** The seed of program `i` (each program reproducible on its own). */
function programSeed(seed: number, i: number): number {
  return (Math.imul(seed ^ 0x2545f491, 0x9e3779b1) + Math.imul(i + 1, 0x6c8e9cf5)) >>> 0;
}

// ---- programs ---------------------------------------------------------------------------------

/** A reference to the tensor in slot `$` inside an op's argument list. */
interface Ref { $: number }
const isRef = (x: unknown): x is Ref => typeof x === "object" && x !== null && "$" in x && Object.keys(x).length === 1;

interface Step {
  /** "input" | "method" | "torch" | "F" (torch.nn.functional) | "backward" */
  kind: string;
  /** method / function name */
  name: string;
  /** receiver slot for methods */
  self: number;
  /** arguments, with Refs for tensors */
  args: unknown[];
  /** output slots (empty when the op threw) */
  outs: number[];
  // ---- what the wasm run recorded ----
  err?: string;
  /** values of every live slot after the step (null: no tensor, e.g. a null .grad) */
  vals?: (Snap | null)[];
  /** full storage contents after the step, per slot, for the js sync */
  stores?: Map<number, TA>;
  /** the per-element tolerance scale, computed from the inputs before the step */
  scale?: ((out: Snap, k: number) => Float64Array | number) | null;
  /** relative tolerance overriding the result dtype's (gradients that went through float32) */
  rtol?: number;
}

interface Snap { shape: number[]; dtype: DType; data: TA }

// (F.batchNorm in training mode updates its running statistics in place)
const INPLACE = new Set(["add_", "sub_", "mul_", "div_", "fill_", "zero_", "copy_", "clamp_", "batchNorm"]);

function typedFor(dtype: DType, n: number): TA {
  switch (dtype) {
    case "float32": return new Float32Array(n);
    case "float64": return new Float64Array(n);
    case "int32": return new Int32Array(n);
    case "bool": return new Uint8Array(n);
  }
}
const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const isFloat = (d: DType) => d === "float32" || d === "float64";

function resolve(x: unknown, slots: (T | null)[]): unknown {
  if (isRef(x)) return slots[x.$];
  if (Array.isArray(x)) return x.map((v) => resolve(v, slots));
  if (typeof x === "object" && x !== null && !ArrayBuffer.isView(x)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = resolve(v, slots);
    return o;
  }
  return x;
}

/** Run one step on the tensors in `slots`; returns its results (a null entry: no tensor). */
function runStep(st: Step, slots: (T | null)[]): (T | null)[] {
  const args = resolve(st.args, slots) as unknown[];
  switch (st.kind) {
    case "input": {
      const [data, shape, rg] = args as [TA, number[], boolean];
      return [torch.fromArray(data.slice() as TA, shape, { requiresGrad: rg })];
    }
    case "method": {
      const self = slots[st.self]!;
      const f = (self as unknown as Record<string, (...a: unknown[]) => unknown>)[st.name]!;
      return asOutputs(f.apply(self, args));
    }
    case "torch": {
      const f = (torch as unknown as Record<string, (...a: unknown[]) => unknown>)[st.name]!;
      return asOutputs(f(...args));
    }
    case "F": {
      const f = (torch.nn.functional as unknown as Record<string, (...a: unknown[]) => unknown>)[st.name]!;
      return asOutputs(f(...args));
    }
    case "backward": {
      const root = slots[st.self]!;
      root.sum().backward();
      return (args as T[]).map((leaf) => leaf.grad);
    }
  }
  throw new Error(`unknown step kind ${st.kind}`);
}

function asOutputs(r: unknown): (T | null)[] {
  if (r instanceof torch.Tensor) return [r];
  if (Array.isArray(r) && r.every((t) => t instanceof torch.Tensor)) return r as T[]; // split, chunk, unbind
  if (typeof r === "object" && r !== null && "values" in r && "indices" in r) {
    const o = r as { values: T; indices: T };
    return [o.values, o.indices];
  }
  throw new Error(`unexpected op result ${String(r)}`);
}

// ---- rendering (the program as TypeScript the lead can paste) ---------------------------------

function num(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (Object.is(x, -0)) return "-0";
  return String(x);
}
let fullData = false;
function lit(x: unknown): string {
  if (x === undefined) return "undefined";
  if (x === null) return "null";
  if (typeof x === "number") return num(x);
  if (typeof x === "boolean" || typeof x === "string") return JSON.stringify(x);
  if (isRef(x)) return `v${x.$}`;
  if (ArrayBuffer.isView(x)) {
    const a = x as TA;
    const kind = a.constructor.name;
    if (a.length > 120 && !fullData) return `/* ${a.length} values: rerun with WASMGRAD_FUZZ_ONLY to regenerate */ new ${kind}(${a.length})`;
    return `new ${kind}([${Array.from(a, num).join(", ")}])`;
  }
  if (Array.isArray(x)) return `[${x.map(lit).join(", ")}]`;
  if (typeof x === "object") return `{ ${Object.entries(x).map(([k, v]) => `${k}: ${lit(v)}`).join(", ")} }`;
  return String(x);
}
function describeSnap(s: Snap | null | undefined): string {
  if (!s) return "null";
  return `[${s.shape.join(", ")}] ${s.dtype}`;
}
function renderStep(st: Step): string {
  const lhs = st.outs.length === 0 ? "" : st.outs.length === 1 ? `const v${st.outs[0]} = ` : "";
  let rhs: string;
  switch (st.kind) {
    case "input": {
      const [data, shape, rg] = st.args as [TA, number[], boolean];
      rhs = `torch.fromArray(${lit(data)}, ${lit(shape)}${rg ? ", { requiresGrad: true }" : ""})`;
      break;
    }
    case "method": rhs = `v${st.self}.${st.name}(${st.args.map(lit).join(", ")})`; break;
    case "torch": rhs = `torch.${st.name}(${st.args.map(lit).join(", ")})`; break;
    case "F": rhs = `torch.nn.functional.${st.name}(${st.args.map(lit).join(", ")})`; break;
    case "backward": {
      const grads = st.args.map((a) => `${lit(a)}.grad`).join(", ");
      rhs = `v${st.self}.sum().backward();${st.outs.length ? ` const [${st.outs.map((o) => `v${o}`).join(", ")}] = [${grads}];` : ` // grads of ${grads}`}`;
      break;
    }
    default: rhs = "?";
  }
  let line: string;
  if (st.kind === "backward") line = rhs;
  else if (st.outs.length === 2) line = `const { values: v${st.outs[0]}, indices: v${st.outs[1]} } = ${rhs};`;
  else line = `${lhs}${rhs};`;
  let note = "";
  if (st.err !== undefined) note = ` // throws ${st.err}`;
  else if (st.vals && st.kind !== "backward") note = ` // ${st.outs.map((o) => describeSnap(st.vals![o])).join(", ")}`;
  return line + note;
}
/** The program as a script that runs it on both backends and prints the tensor that differs. */
function renderScript(prog: Step[], failure: string): string {
  const show = /(v\d+)(?: \(not an output[^)]*\))? differs/.exec(failure)?.[1];
  const lines = prog.map((st) => {
    const code = renderStep(st);
    return st.err === undefined ? code : `try { ${code.replace(/ \/\/ throws .*$/, "")} } catch (e) { console.log(backend, "threw:", (e as Error).message); }`;
  });
  return [
    `// ${failure.split("\n")[0]}`,
    `import * as torch from "wasmgrad";`,
    `for (const backend of ["wasm", "js"] as const) {`,
    `  torch.setBackend(backend);`,
    ...lines.map((l) => `  ${l}`),
    show ? `  console.log(backend, String(${show}));` : "",
    `}`,
    "",
  ].join("\n");
}

function renderProgram(prog: Step[], mark?: number): string {
  return prog.map((st, i) => `${i === mark ? ">>" : "  "} ${renderStep(st)}`).join("\n");
}

// ---- snapshots and comparison ------------------------------------------------------------------

function snap(t: T | null): Snap | null {
  if (t === null || t === undefined) return null;
  return { shape: t.shape.slice(), dtype: t.dtype as DType, data: t.toArray() as TA };
}

interface RawStorage { backend: { write(h: unknown, d: DType, src: TA, off: number): void; read(h: unknown, d: DType, off: number, n: number): TA }; dtype: DType; handle: unknown; numel: number }
const storageOf = (t: T) => (t as unknown as { _storage: RawStorage })._storage;

function sameBytes(a: TA, b: TA): boolean {
  if (a.length !== b.length || a.constructor !== b.constructor) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength), y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function multiIndex(shape: number[], flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) { idx.unshift(flat % shape[d]!); flat = Math.floor(flat / shape[d]!); }
  return `[${idx.join(", ")}]`;
}

/** The first difference between the wasm (w) and js (j) result, or null. */
function firstDiff(w: Snap | null, j: Snap | null, scale: Float64Array | number, rtolOverride?: number): string | null {
  if (w === null || j === null) return w === j ? null : `wasm ${describeSnap(w)} vs js ${describeSnap(j)}`;
  if (w.shape.length !== j.shape.length || w.shape.some((d, i) => d !== j.shape[i])) {
    return `shape: wasm [${w.shape.join(", ")}] vs js [${j.shape.join(", ")}]`;
  }
  if (w.dtype !== j.dtype) return `dtype: wasm ${w.dtype} vs js ${j.dtype}`;
  const float = isFloat(w.dtype);
  const rtol = rtolOverride ?? (w.dtype === "float64" ? 1e-10 : 1e-4);
  for (let i = 0; i < w.data.length; i++) {
    const a = w.data[i]!, b = j.data[i]!;
    let ok: boolean;
    let tol = 0;
    if (!float) ok = a === b;
    else if (Number.isNaN(a) || Number.isNaN(b)) ok = Number.isNaN(a) && Number.isNaN(b);
    else if (!Number.isFinite(a) || !Number.isFinite(b)) ok = a === b;
    else {
      const s = typeof scale === "number" ? scale : scale[i]!;
      tol = rtol * Math.max(1, Math.abs(a), Math.abs(b), Number.isFinite(s) ? s : 0);
      ok = Math.abs(a - b) <= tol;
    }
    if (!ok) {
      return `element ${multiIndex(w.shape, i)} (flat ${i}): wasm ${num(a)} vs js ${num(b)}` +
        (tol > 0 ? ` (|diff| ${Math.abs(a - b).toExponential(3)} > tol ${tol.toExponential(3)})` : "");
    }
  }
  return null;
}

// ---- tolerance scales: how much rounding an op may legitimately accumulate ---------------------

function normDims(ndim: number, dim: unknown): number[] {
  if (dim === undefined || dim === null || (Array.isArray(dim) && dim.length === 0)) return [...Array(ndim).keys()];
  const list = (Array.isArray(dim) ? dim : [dim]) as number[];
  if (ndim === 0) return [];
  return [...new Set(list.map((d) => (d < 0 ? d + ndim : d)))].sort((a, b) => a - b);
}

/** For each input element, the index of the output element it reduces into (dims removed). */
function reduceMap(shape: number[], dims: number[]): { outN: number; map: Int32Array } {
  const n = numel(shape), nd = shape.length;
  const keep = [...Array(nd).keys()].filter((d) => !dims.includes(d));
  const outShape = keep.map((d) => shape[d]!);
  const outStr = new Array<number>(nd).fill(0);
  let s = 1;
  for (let k = keep.length - 1; k >= 0; k--) { outStr[keep[k]!] = s; s *= outShape[k]!; }
  const map = new Int32Array(n);
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let d = 0; d < nd; d++) o += idx[d]! * outStr[d]!;
    map[i] = o;
    for (let d = nd - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
  }
  return { outN: numel(outShape), map };
}
const fin = (x: number) => (Number.isFinite(x) ? Math.abs(x) : 0);

function reduceScale(x: Snap, dims: number[], f: (acc: number, v: number) => number, post?: (acc: number, count: number) => number): Float64Array {
  const { outN, map } = reduceMap(x.shape, dims);
  const acc = new Float64Array(outN);
  const cnt = new Float64Array(outN);
  for (let i = 0; i < map.length; i++) { acc[map[i]!] = f(acc[map[i]!]!, fin(x.data[i]!)); cnt[map[i]!]!++; }
  if (post) for (let o = 0; o < outN; o++) acc[o] = post(acc[o]!, cnt[o]!);
  return acc;
}

/** sum over k of |a_ik| |b_kj| (finite parts), laid out as torch.matmul(a, b)'s result. */
function matmulScale(a: Snap, b: Snap): Float64Array {
  const as = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bs = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const m = as[as.length - 2]!, k = as[as.length - 1]!, n = bs[bs.length - 1]!;
  const ab = as.slice(0, -2), bb = bs.slice(0, -2);
  const nb = Math.max(ab.length, bb.length);
  const batch: number[] = [];
  for (let i = 0; i < nb; i++) {
    const x = ab[ab.length - nb + i] ?? 1, y = bb[bb.length - nb + i] ?? 1;
    batch.push(x === 1 ? y : x);
  }
  const B = numel(batch);
  const out = new Float64Array(B * m * n);
  const batchOffset = (shape: number[], bi: number, mat: number) => {
    // offset of batch index bi (over `batch`) in an operand with batch dims `shape`
    let off = 0, rem = bi, stride = mat;
    const strides: number[] = [];
    for (let d = shape.length - 1; d >= 0; d--) { strides.unshift(stride); stride *= shape[d]!; }
    for (let d = nb - 1; d >= 0; d--) {
      const size = batch[d]!, id = rem % size; rem = Math.floor(rem / size);
      const j = d - (nb - shape.length);
      if (j >= 0 && shape[j] !== 1) off += id * strides[j]!;
    }
    return off;
  };
  for (let bi = 0; bi < B; bi++) {
    const ao = batchOffset(ab, bi, m * k), bo = batchOffset(bb, bi, k * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += fin(a.data[ao + i * k + q]!) * fin(b.data[bo + q * n + j]!);
      out[bi * m * n + i * n + j] = s;
    }
  }
  return out;
}

interface ConvOpts { stride?: number | number[]; padding?: number | number[] | string; dilation?: number | number[]; groups?: number }

/** sum |x| |w| (+ |b|) over each output's terms: torch.nn.functional.conv1d/conv2d of the absolute
 *  values, computed naively (1-D as height 1; batched input only, as the generator makes it). */
function convScale(x: Snap, w: Snap, b: Snap | null, o: ConvOpts): Float64Array {
  const two = w.shape.length === 4;
  const xs = two ? x.shape : [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!];
  const ws = two ? w.shape : [w.shape[0]!, w.shape[1]!, 1, w.shape[2]!];
  const pair = (v: number | number[] | undefined, dflt: number): [number, number] => {
    const a = v === undefined ? [dflt] : Array.isArray(v) ? v : [v];
    return two ? [a[0]!, a[a.length - 1]!] : [dflt === 1 ? 1 : 0, a[0]!];
  };
  const [N, C, H, W] = xs as [number, number, number, number];
  const [CO, CG, KH, KW] = ws as [number, number, number, number];
  const [sh, sw] = pair(o.stride, 1), [dh, dw] = pair(o.dilation, 1);
  let [ph, pw] = typeof o.padding === "string" ? [0, 0] : pair(o.padding as number | number[] | undefined, 0);
  let [eh, ew] = [ph, pw];
  if (o.padding === "same") {
    const th = dh * (KH - 1), tw = dw * (KW - 1);
    [ph, pw] = [Math.floor(th / 2), Math.floor(tw / 2)];
    [eh, ew] = [th - ph, tw - pw];
  }
  const G = o.groups ?? 1, COG = CO / G;
  const HO = Math.floor((H + ph + eh - dh * (KH - 1) - 1) / sh) + 1, WO = Math.floor((W + pw + ew - dw * (KW - 1) - 1) / sw) + 1;
  const out = new Float64Array(N * CO * HO * WO);
  for (let n = 0; n < N; n++) for (let co = 0; co < CO; co++) for (let oh = 0; oh < HO; oh++) for (let ow = 0; ow < WO; ow++) {
    let s = b ? fin(b.data[co]!) : 0;
    const g = Math.floor(co / COG);
    for (let ci = 0; ci < CG; ci++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const ih = oh * sh - ph + kh * dh, iw = ow * sw - pw + kw * dw;
      if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
      s += fin(x.data[((n * C + g * CG + ci) * H + ih) * W + iw]!) * fin(w.data[((co * CG + ci) * KH + kh) * KW + kw]!);
    }
    out[((n * CO + co) * HO + oh) * WO + ow] = s;
  }
  return out;
}

/** The tolerance scale of a step, from the (wasm) values of its inputs before it ran. */
function scaleFor(st: Step, before: (Snap | null)[]): Step["scale"] {
  const self = st.kind === "method" ? before[st.self] : null;
  const ref = (x: unknown) => (isRef(x) ? before[x.$] ?? null : null);
  switch (st.name) {
    case "sum": case "mean": case "var": case "std": case "logsumexp": {
      if (!self || st.kind !== "method") return null;
      const dims = normDims(self.shape.length, st.args[0]);
      if (st.name === "sum") return () => reduceScale(self, dims, (a, v) => a + v);
      if (st.name === "mean") return () => reduceScale(self, dims, (a, v) => a + v, (a, c) => a / Math.max(c, 1));
      if (st.name === "logsumexp") return () => reduceScale(self, dims, (a, v) => Math.max(a, v), (a, c) => 4 * (a + Math.log(Math.max(c, 1))));
      const v = (a: number, c: number) => (4 * a) / Math.max(c - 1, 1);
      if (st.name === "var") return () => reduceScale(self, dims, (a, x) => a + x * x, v);
      return () => reduceScale(self, dims, (a, x) => a + x * x, (a, c) => Math.sqrt(v(a, c)));
    }
    case "logSoftmax": {
      if (!self) return null;
      const d = (st.args[0] as number) < 0 ? (st.args[0] as number) + self.shape.length : (st.args[0] as number);
      return () => {
        if (self.shape.length === 0) return 0;
        const r = reduceScale(self, [d], (a, v) => Math.max(a, v));
        const { map } = reduceMap(self.shape, [d]);
        return Float64Array.from(map, (o) => 2 * r[o]!);
      };
    }
    case "einsum": {
      // a sum of products of the operands' elements: bounded by the product of their sums of |x|
      const ops = st.args.slice(1).map(ref);
      if (ops.some((o) => !o)) return null;
      return () => ops.reduce((acc, o) => acc * Math.max(1, o!.data.reduce((t, v) => t + fin(v), 0)), 1);
    }
    case "matmul": case "mm": case "bmm": case "dot": {
      const a = st.kind === "method" ? self : ref(st.args[0]);
      const b = st.kind === "method" ? ref(st.args[0]) : ref(st.args[1]);
      if (!a || !b || a.shape.length === 0 || b.shape.length === 0) return null;
      return () => matmulScale(a, b);
    }
    case "conv1d": case "conv2d": {
      const [x, w, b] = [ref(st.args[0]), ref(st.args[1]), ref(st.args[2])];
      if (!x || !w || !isFloat(x.dtype)) return null;
      const o = (st.kind === "F" ? st.args[3] : { stride: st.args[3], padding: st.args[4], dilation: st.args[5], groups: st.args[6] }) as ConvOpts | undefined;
      return () => convScale(x, w, b, o ?? {});
    }
    case "layerNorm": {
      // (x - mean) * rstd * w + b, rstd up to 1 / sqrt(eps): a rounding difference in the mean
      // comes out scaled by it
      const [x, w, b] = [ref(st.args[0]), ref(st.args[2]), ref(st.args[3])];
      if (!x) return null;
      const eps = (st.args[4] as number | undefined) ?? 1e-5;
      const top = (t: Snap | null) => { let m = 0; if (t) for (let i = 0; i < t.data.length; i++) m = Math.max(m, fin(t.data[i]!)); return m; };
      return () => top(x) / Math.sqrt(eps) * Math.max(1, top(w)) + top(b);
    }
    case "maxPool2d": case "avgPool2d": case "adaptiveAvgPool2d": {
      const x = ref(st.args[0]);
      if (!x) return null;
      return () => { let m = 0; for (let i = 0; i < x.data.length; i++) m = Math.max(m, fin(x.data[i]!)); return m; };
    }
    case "backward": {
      // Gradients went through a whole chain of ops that the sync does not cover, so rounding
      // differences add up (and cancel badly next to large values): compare them normwise,
      // against the largest gradient entry and the largest float value in the program.
      let big = 0;
      for (const v of before) if (v && isFloat(v.dtype)) for (let i = 0; i < v.data.length; i++) big = Math.max(big, fin(v.data[i]!));
      return (out) => {
        let m = big;
        for (let i = 0; i < out.data.length; i++) m = Math.max(m, fin(out.data[i]!));
        return m;
      };
    }
  }
  return null;
}

// ---- generating programs (on the wasm backend) ----------------------------------------------------

const SIZES = [0, 1, 1, 2, 3, 4, 4, 5, 7, 8, 9] as const;
const HUGE = [262147, 1 << 18];
const MEDIUM_SIZES = [15, 16, 17, 31, 32, 33, 37, 64, 67] as const;
const LARGE_SHAPES: number[][] = [[5003], [71, 73], [3, 41, 43], [2, 1, 2503], [9, 9, 9, 9], [65, 80], [5, 1031]];
const UNARY = [
  "neg", "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "sign",
  "log1p", "expm1", "rsqrt", "reciprocal", "square", "erf", "floor", "ceil", "round", "trunc", "silu", "logSigmoid",
] as const;
const BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge"] as const;

/** Whether some group of elements reduced together (over `dims`) holds one repeated finite value. */
function constantGroup(x: Snap | null | undefined, dims: unknown): boolean {
  if (!x || !isFloat(x.dtype)) return false;
  const nd = x.shape.length;
  if (Array.isArray(dims) ? dims.some((d) => typeof d !== "number" || d >= nd || d < -Math.max(nd, 1)) : typeof dims === "number" && (dims >= Math.max(nd, 1) || dims < -Math.max(nd, 1))) return false;
  const { outN, map } = reduceMap(x.shape, normDims(nd, dims));
  const first = new Float64Array(outN).fill(NaN), same = new Uint8Array(outN).fill(1), count = new Uint32Array(outN);
  for (let i = 0; i < map.length; i++) {
    const o = map[i]!, v = x.data[i]!;
    if (count[o]++ === 0) first[o] = v;
    else if (!(v === first[o])) same[o] = 0;
  }
  for (let o = 0; o < outN; o++) if (same[o] && count[o]! > 1 && Number.isFinite(first[o]!)) return true;
  return false;
}

/** Whether the broadcast of these shapes stays affordable (incompatible ones are: they throw). */
function fits(...shapes: readonly number[][]): boolean {
  const nd = Math.max(...shapes.map((s) => s.length));
  let n = 1;
  for (let i = 0; i < nd; i++) {
    let d = 1;
    for (const s of shapes) { const k = s[s.length - nd + i] ?? 1; if (k !== 1) { if (d !== 1 && d !== k) return true; d = k; } }
    n *= d;
  }
  return n <= 400_000;
}

class Generator {
  readonly prog: Step[] = [];
  readonly slots: (T | null)[] = [];
  /** wasm values of every slot after the latest step */
  cur: (Snap | null)[] = [];
  readonly problems: string[] = [];
  constructor(readonly rng: Rng) {}

  // ---- running ----
  /** Run `st` on wasm, record what happened; returns the output slots or null if it threw. */
  exec(st: Omit<Step, "outs">): number[] | null {
    const step: Step = { ...st, outs: [] };
    step.scale = scaleFor(step, this.cur);
    this.prog.push(step);
    let outs: (T | null)[];
    try {
      outs = runStep(step, this.slots);
    } catch (e) {
      step.err = errText(e);
      this.afterStep(step);
      return null;
    }
    for (const t of outs) { step.outs.push(this.slots.length); this.slots.push(t); }
    this.afterStep(step);
    return step.outs;
  }

  private afterStep(step: Step): void {
    const idx = this.prog.length - 1;
    probe(this.slots);
    const now = this.slots.map(snap);
    // a step writes only its outputs (in place: its target and everything sharing storage)
    if (!INPLACE.has(step.name) || step.err !== undefined) {
      for (let s = 0; s < this.cur.length; s++) {
        const a = this.cur[s], b = now[s];
        if (a && b && !sameBytes(a.data, b.data)) {
          this.problems.push(`wasm: step ${idx} changed v${s}, which it does not write`);
        }
      }
    }
    this.cur = now;
    step.vals = now;
    // storages the js replay copies in (after the step compared equal)
    const written = INPLACE.has(step.name) ? this.slots.map((_, s) => s) : step.outs;
    const stores = new Map<number, TA>();
    const seen = new Set<RawStorage>();
    for (const s of written) {
      const t = this.slots[s];
      if (!t) continue;
      const st = storageOf(t);
      if (seen.has(st)) continue;
      seen.add(st);
      stores.set(s, st.backend.read(st.handle, st.dtype, 0, st.numel));
    }
    step.stores = stores;
  }

  t(s: number): T { return this.slots[s]!; }
  live(): number[] { return this.slots.map((t, i) => (t ? i : -1)).filter((i) => i >= 0); }

  // ---- values ----
  data(shape: number[], dtype: DType): TA {
    const n = numel(shape), r = this.rng;
    const out = typedFor(dtype, n);
    const special = r.weighted([[0, 6], [0.05, 2], [0.25, 1]] as const);
    const scale = r.weighted([[1, 5], [3, 1], [0.1, 1], [100, 1]] as const);
    const intRange = r.weighted([[9, 6], [1000, 1], [2147483647, special > 0 ? 1 : 0]] as const);
    for (let i = 0; i < n; i++) {
      if (dtype === "bool") { out[i] = r.chance(0.5) ? 1 : 0; continue; }
      if (dtype === "int32") {
        out[i] = r.chance(special) ? r.pick([0, 1, -1, 2147483647, -2147483648, 65536]) : r.int(-Math.min(intRange, 9), Math.min(intRange, 9)) * (intRange > 9 && r.chance(0.3) ? r.int(1, intRange / 9) : 1);
        continue;
      }
      out[i] = r.chance(special) ? r.pick([0, -0, NaN, Infinity, -Infinity, 1e4, -1e4, 65504, 1e-30, 3]) : r.normal() * scale;
      if (r.chance(0.05)) out[i] = Math.round(out[i]!); // exact ties for max/argmax/eq
    }
    // one lone special value, often in the last few elements (the kernels' scalar tails)
    if (isFloat(dtype) && n > 0 && r.chance(0.15)) {
      out[r.chance(0.5) ? n - 1 - r.int(0, Math.min(n - 1, 3)) : r.int(0, n - 1)] = r.pick([NaN, NaN, Infinity, -Infinity, -0, 1e4]);
    }
    return out;
  }
  number(dtype?: DType): number | boolean {
    const r = this.rng;
    const k = r.weighted([["normal", 5], ["int", 3], ["special", 1], ["bool", dtype === "bool" ? 2 : 0.2]] as const);
    if (k === "normal") return Math.round(r.normal() * 3 * 1000) / 1000;
    if (k === "int") return r.int(-4, 4);
    if (k === "bool") return r.chance(0.5);
    return r.pick([0, -0, NaN, Infinity, -Infinity, 0.5, 1e4, -1e4]);
  }
  dtype(): DType { return this.rng.weighted([["float32", 10], ["float64", 3], ["int32", 2], ["bool", 1]] as const); }

  shape(allowLarge = true): number[] {
    const r = this.rng;
    if (allowLarge && r.chance(0.003)) return [r.pick(HUGE)]; // 1 MiB: wasm memory grows mid-program
    if (allowLarge && r.chance(0.025)) return r.pick(LARGE_SHAPES).slice();
    const rank = r.weighted([[0, 1], [1, 3], [2, 3], [3, 2], [4, 1]] as const);
    return Array.from({ length: rank }, () => this.size(rank));
  }
  size(rank = 1): number {
    // now and then a row long enough for the kernels' unrolled multi-vector loops (and their tails)
    if (rank <= 2 && this.rng.chance(0.08)) return this.rng.pick(MEDIUM_SIZES);
    const s = this.rng.pick(SIZES);
    return s === 0 && this.rng.chance(0.6) ? 1 : rank >= 4 && s > 5 && this.rng.chance(0.5) ? 3 : s;
  }

  /** A fresh leaf. */
  input(shape: number[], dtype: DType): number {
    // keep partners of the rare 1 MiB tensors affordable (the shapes may then not fit: both throw)
    while (numel(shape) > 1_100_000 || (numel(shape) > 300_000 && !HUGE.includes(shape[0]!))) { const i = shape.indexOf(Math.max(...shape)); shape = shape.slice(); shape[i] = Math.ceil(shape[i]! / 8); }
    const rg = isFloat(dtype) && this.rng.chance(0.5);
    const outs = this.exec({ kind: "input", name: "input", self: -1, args: [this.data(shape, dtype), shape, rg] });
    return outs![0]!;
  }

  /** An int32 index tensor of `shape` with entries in [0, high) (negative ones too with `negative`),
   *  now and then one out of range. */
  indexInput(shape: number[], high: number, negative: boolean): number {
    const r = this.rng, n = numel(shape);
    const data = new Int32Array(n);
    for (let i = 0; i < n; i++) data[i] = high === 0 ? 0 : negative && r.chance(0.3) ? -r.int(1, high) : r.int(0, high - 1);
    if (n > 0 && r.chance(0.05)) data[r.int(0, n - 1)] = r.pick([high, -high - 1, 1000]);
    const outs = this.exec({ kind: "input", name: "input", self: -1, args: [data, shape, false] });
    return outs![0]!;
  }

  /** A tensor of `shape`, reached by a random route: direct, transposed, permuted, expanded, sliced. */
  operand(shape: number[], dtype: DType): number {
    const r = this.rng, nd = shape.length;
    const route = r.weighted([["direct", 4], ["transpose", nd >= 2 ? 2 : 0], ["permute", nd >= 2 ? 1 : 0], ["expand", 2], ["slice", 2]] as const);
    const via = (base: number[], step: Omit<Step, "outs" | "self" | "kind">): number => {
      const b = this.input(base, dtype);
      const o = this.exec({ kind: "method", self: b, ...step });
      return o ? o[0]! : b;
    };
    switch (route) {
      case "transpose": {
        const i = r.int(0, nd - 1), j = r.int(0, nd - 1);
        const base = shape.slice(); [base[i], base[j]] = [base[j]!, base[i]!];
        return via(base, { name: "transpose", args: [i - (r.chance(0.3) ? nd : 0), j] });
      }
      case "permute": {
        const p = r.shuffle([...Array(nd).keys()]);
        const base = new Array<number>(nd);
        p.forEach((src, i) => { base[src] = shape[i]!; });
        return via(base, { name: "permute", args: [p] });
      }
      case "expand": {
        const lead = r.int(0, nd);
        const base = shape.slice(lead).map((d) => (r.chance(0.5) ? 1 : d));
        return via(base, { name: "expand", args: [shape.map((d, i) => (i >= lead && base[i - lead] === d && r.chance(0.3) ? -1 : d))] });
      }
      case "slice": {
        const base: number[] = [], idx: unknown[] = [];
        const extra = r.chance(0.3);
        if (extra) { const n = r.int(1, 4); base.push(n); idx.push(r.int(-n, n - 1)); }
        for (const d of shape) {
          const step = r.pick([1, 1, 2, 3]), start = r.int(0, 2);
          const len = d === 0 ? start + r.int(0, 2) : start + (d - 1) * step + 1 + r.int(0, step - 1);
          base.push(len);
          if (d === 0) { idx.push([start, start]); continue; }
          const neg = r.chance(0.3);
          const lo = neg ? start - len : start;
          const hi = r.chance(0.5) ? null : start + d * step > len ? null : neg ? start + d * step - len : start + d * step;
          idx.push(step === 1 && r.chance(0.5) ? [lo, hi] : [lo, hi, step]);
        }
        return via(base, { name: "index", args: idx });
      }
      default:
        return this.input(shape, dtype);
    }
  }

  /** A shape that broadcasts with `shape` (the result may be bigger); `into`: broadcasts *to* it. */
  bshape(shape: number[], into = false): number[] {
    const r = this.rng;
    if (!into && r.chance(0.04)) { // incompatible on purpose: both backends must raise the same error
      const s = shape.slice();
      const i = s.findIndex((d) => d > 1);
      if (i >= 0) { s[i] = s[i]! + 1; return s; }
    }
    let s = shape.slice(r.chance(0.3) ? r.int(0, shape.length) : 0);
    s = s.map((d) => (r.chance(0.25) ? 1 : d));
    if (!into && r.chance(0.2)) {
      s = s.map((d, i) => (d === 1 && shape[shape.length - s.length + i] === 1 && r.chance(0.5) ? this.size() : d));
      if (r.chance(0.5)) s = [this.size(), ...s].slice(0, 4 + (s.length >= 4 ? 0 : 1));
    }
    return s;
  }

  /** A random slot, most likely a recent one. */
  pickSlot(filter: (t: T, s: number) => boolean = () => true): number | null {
    const r = this.rng;
    const ok = this.live().filter((s) => filter(this.t(s), s));
    if (ok.length === 0) return null;
    if (r.chance(0.65)) return ok[ok.length - 1 - Math.min(ok.length - 1, r.int(0, 2))]!;
    return r.pick(ok);
  }

  dimArg(nd: number): number {
    const r = this.rng;
    if (nd === 0) return r.pick([0, -1]);
    if (r.chance(0.02)) return nd; // out of range
    const d = r.int(0, nd - 1);
    return r.chance(0.3) ? d - nd : d;
  }
  dimsArg(nd: number): number | number[] | undefined {
    const r = this.rng;
    const k = r.weighted([["none", 3], ["one", 4], ["list", 3], ["empty", 0.3], ["dup", nd > 0 ? 0.2 : 0]] as const);
    if (k === "none") return undefined;
    if (k === "one") return this.dimArg(nd);
    if (k === "empty") return [];
    if (k === "dup") { const d = r.int(0, nd - 1); return [d, d - nd]; }
    if (nd === 0) return [0];
    const ds = r.shuffle([...Array(nd).keys()]).slice(0, r.int(1, nd));
    return ds.map((d) => (r.chance(0.3) ? d - nd : d));
  }

  // ---- ops ----
  /** One random op of the program (with the inputs it needs). */
  op(): void {
    const r = this.rng;
    const kind = r.weighted([
      ["unary", 10], ["clamp", 2], ["binary", 14], ["where", 3], ["reduce", 12], ["softmax", 3], ["matmul", 8],
      ["view", 14], ["catstack", 4], ["copy", 3], ["inplace", 9], ["cast", 5], ["conv", 4], ["pool", 3],
      ["activation", 4], ["mixed", 3], ["order", 5], ["gather", 5], ["pieces", 5], ["linalg", 4],
      ["norm", 3], ["layernorm", 3],
      ["loss", 3], ["pad", 3],
    ] as const);
    const m = (self: number, name: string, args: unknown[]) => this.exec({ kind: "method", self, name, args });
    const x = this.pickSlot()!;
    const xt = this.t(x), nd = xt.ndim, shape = xt.shape.slice(), dtype = xt.dtype as DType;
    if (numel(shape) > 100_000 && ["matmul", "catstack", "where", "inplace"].includes(kind)) return this.cheapOp(x);
    switch (kind) {
      case "unary": m(x, r.pick(UNARY), []); return;
      case "clamp": {
        const lo = r.chance(0.7) ? this.number("float32") : undefined;
        const hi = lo === undefined || r.chance(0.6) ? this.number("float32") : r.pick([undefined, null]);
        m(x, "clamp", [lo, hi]);
        return;
      }
      case "binary": {
        const name = r.pick(BINARY);
        const huge = numel(shape) > 100_000;
        const how = r.weighted([["number", name === "maximum" || name === "minimum" ? 0 : 3], ["zerod", 1.5], ["partner", huge ? 0 : 5], ["slot", huge ? 0 : 1]] as const);
        let other: unknown;
        const pdtype = () => (r.chance(0.7) ? dtype : this.dtype());
        const pshape = how === "partner" ? this.bshape(shape) : [];
        const pslot = how === "slot" ? this.pickSlot()! : -1;
        if (how === "number") other = this.number(dtype);
        else if (how === "zerod" || !fits(shape, how === "slot" ? this.t(pslot).shape : pshape)) other = { $: this.input([], pdtype()) };
        else if (how === "partner") other = { $: this.operand(pshape, pdtype()) };
        else other = { $: pslot };
        const swap = isRef(other) && r.chance(0.3);
        const args: unknown[] = [swap ? { $: x } : other];
        if ((name === "add" || name === "sub") && r.chance(0.2)) args.push({ alpha: r.pick([2, -1, 0.5, 0]) });
        if (name === "maximum" || name === "minimum" || r.chance(0.2)) {
          this.exec({ kind: "torch", self: -1, name, args: [swap ? other : { $: x }, ...args] });
        } else {
          m(swap ? (other as Ref).$ : x, name, args);
        }
        return;
      }
      case "where": {
        let c = this.pickSlot((t) => t.dtype === "bool");
        if (c === null || r.chance(0.4)) {
          const o = m(x, r.pick(["gt", "lt", "ge", "eq", "ne"]), [r.chance(0.5) ? 0 : this.number("float32")]);
          if (!o) return;
          c = o[0]!;
        }
        const cs = this.t(c).shape;
        if (!fits(cs, shape)) return;
        const arg = () => {
          const k = r.weighted([["x", 3], ["partner", 3], ["number", 2]] as const);
          if (k === "x") return { $: x };
          const ps = this.bshape(cs);
          if (k === "number" || !fits(cs, shape, ps)) return this.number(dtype);
          return { $: this.operand(ps, r.chance(0.7) ? dtype : this.dtype()) };
        };
        this.exec({ kind: "torch", self: -1, name: "where", args: [{ $: c }, arg(), arg()] });
        return;
      }
      case "reduce": {
        const name = r.pick(["sum", "mean", "prod", "max", "min", "argmax", "argmin", "var", "std", "logsumexp", "norm", "all", "any", "maxdim", "mindim"] as const);
        const keep = r.chance(0.4);
        switch (name) {
          case "sum": case "mean": case "var": case "std": case "logsumexp": {
            const dims = name === "logsumexp" && r.chance(0.8) ? this.dimsArg(nd) ?? this.dimArg(nd) : this.dimsArg(nd);
            // var/std of a constant group is 0 or ~1e-7 depending on summation order, and their
            // gradient (x - mean) / std then jumps between 0 and O(1): rounding, not a bug
            const op = (name === "var" || name === "std") && constantGroup(this.cur[x], dims) ? "mean" : name;
            m(x, op, dims === undefined && r.chance(0.5) ? [] : [dims, keep]);
            return;
          }
          case "norm": {
            const p = r.pick([1, 2, 3, Infinity, -Infinity, 0, 0.5]);
            const dims = this.dimsArg(nd);
            m(x, "norm", r.chance(0.3) ? [p] : [p, dims, keep]);
            return;
          }
          case "maxdim": case "mindim":
            m(x, name === "maxdim" ? "max" : "min", [this.dimArg(nd), keep]);
            return;
          case "max": case "min": m(x, name, []); return;
          default: // prod, argmax, argmin, all, any: one dim or none
            m(x, name, r.chance(0.35) ? [] : [this.dimArg(nd), keep]);
            return;
        }
      }
      case "softmax": m(x, r.pick(["softmax", "logSoftmax"]), [this.dimArg(nd)]); return;
      case "matmul": {
        const rb = r.weighted([[1, 2], [2, 3], [3, 2], [4, 1]] as const);
        const mdtype = r.chance(0.95) ? dtype : this.dtype();
        if (nd === 0 || r.chance(0.3)) {
          // x on the right: a new left operand [..., m, k] with k = x's contracting dim
          const k = nd === 0 ? this.size() : nd === 1 ? shape[0]! : shape[nd - 2]!;
          const batch = nd > 2 ? this.bshape(shape.slice(0, -2)) : Array.from({ length: Math.max(0, rb - 2) }, () => this.size(4));
          const aShape = rb === 1 ? [k] : [...(nd > 2 || rb > 2 ? batch : []), this.size(), k];
          const a = this.operand(aShape, mdtype);
          this.exec({ kind: "torch", self: -1, name: nd === 2 && rb === 2 && r.chance(0.3) ? "mm" : "matmul", args: [{ $: a }, { $: x }] });
          return;
        }
        const k = shape[nd - 1]!;
        let bShape: number[];
        if (rb === 1) bShape = [k];
        else {
          const batch = nd > 2 && r.chance(0.7) ? this.bshape(shape.slice(0, -2)) : Array.from({ length: rb - 2 }, () => this.size(4));
          bShape = [...batch, k, this.size()];
        }
        if (r.chance(0.03)) bShape[Math.max(0, bShape.length - 2)] = k + 1; // mismatch on purpose
        const b = this.operand(bShape, mdtype);
        if (nd === 2 && bShape.length === 2 && r.chance(0.3)) m(x, "mm", [{ $: b }]);
        else if (r.chance(0.5)) m(x, "matmul", [{ $: b }]);
        else this.exec({ kind: "torch", self: -1, name: "matmul", args: [{ $: x }, { $: b }] });
        return;
      }
      case "view": this.viewOp(x); return;
      case "catstack": {
        const isCat = nd > 0 && r.chance(0.6);
        const count = r.int(0, 3);
        const parts: unknown[] = [{ $: x }];
        const d = isCat ? this.dimArg(nd) : r.int(-(nd + 1), nd);
        const dd = d < 0 ? d + nd : d;
        for (let i = 0; i < count; i++) {
          if (r.chance(0.15)) { parts.push({ $: x }); continue; }
          const s = shape.slice();
          if (isCat && dd >= 0 && dd < nd) s[dd] = r.chance(0.2) ? 0 : this.size();
          if (r.chance(0.03) && s.length > 0) s[0] = s[0]! + 1; // mismatch on purpose
          parts.push({ $: this.operand(s, r.chance(0.8) ? dtype : this.dtype()) });
        }
        r.shuffle(parts);
        this.exec({ kind: "torch", self: -1, name: isCat ? "cat" : "stack", args: [parts, d] });
        return;
      }
      case "copy": m(x, r.pick(["contiguous", "clone", "detach"]), []); return;
      case "cast": {
        const to = this.dtype();
        if (r.chance(0.7)) m(x, "to", [to]);
        else m(x, { float32: "float", float64: "double", int32: "int", bool: "bool" }[to], []);
        return;
      }
      case "inplace": this.inplaceOp(); return;
      case "conv": this.convOp(x); return;
      case "pool": this.poolOp(x); return;
      case "norm": this.normOp(x); return;
      case "layernorm": this.layerNormOp(x); return;
      case "loss": this.lossOp(x); return;
      case "pad": this.padOp(x); return;
      case "activation": {
        const name = r.pick(["leakyRelu", "gelu", "softplus", "elu", "hardtanh"] as const);
        const n = () => this.number("float32");
        switch (name) {
          case "leakyRelu": case "elu": m(x, name, r.chance(0.3) ? [] : [n()]); return;
          case "gelu": m(x, name, r.chance(0.5) ? [] : [{ approximate: r.pick(["none", "tanh"]) }]); return;
          case "softplus": m(x, name, r.chance(0.3) ? [] : [{ beta: r.pick([1, 2, 0.5, -1]), threshold: r.pick([20, 1, 0]) }]); return;
          case "hardtanh": m(x, name, r.chance(0.3) ? [] : [n(), n()]); return;
        }
        return;
      }
      case "order": {
        const name = r.pick(["cumsum", "cumprod", "amax", "amin", "sort", "argsort", "topk"] as const);
        switch (name) {
          case "cumsum": case "cumprod": m(x, name, [this.dimArg(nd)]); return;
          case "amax": case "amin": m(x, name, r.chance(0.3) ? [] : [this.dimsArg(nd), r.chance(0.4)]); return;
          case "sort": case "argsort": m(x, name, r.chance(0.3) ? [] : [this.dimArg(nd), r.chance(0.5)]); return;
          case "topk": {
            const d = this.dimArg(nd);
            const size = nd === 0 ? 1 : shape[d < 0 ? d + nd : d] ?? 1;
            const k = r.chance(0.05) ? size + 1 : r.int(0, Math.max(0, Math.min(size, 70)));
            m(x, name, r.chance(0.3) ? [k] : [k, d, r.chance(0.6), r.chance(0.7)]);
            return;
          }
        }
        return;
      }
      case "gather": {
        // gather / scatter / scatterAdd / indexSelect / advanced index with int32 indices, mostly in range
        const name = r.pick(["gather", "scatter", "scatterValue", "scatterAdd", "indexSelect", "index"] as const);
        const d = this.dimArg(nd);
        const dd = nd === 0 ? 0 : d < 0 ? d + nd : d;
        const high = nd === 0 ? 1 : shape[dd] ?? 1;
        if (name === "indexSelect" || name === "index") {
          const ishape = name === "index" && r.chance(0.3) ? [this.size(), this.size()] : [this.size()];
          const idx = this.indexInput(ishape, high, name === "index");
          if (name === "indexSelect") { m(x, "indexSelect", [d, { $: idx }]); return; }
          const args: unknown[] = Array.from({ length: Math.max(0, Math.min(dd, nd)) }, () => (r.chance(0.5) ? null : [0, null]));
          args.push({ $: idx });
          m(x, "index", args);
          return;
        }
        // index of x's ndim, each size <= x's (along d any size)
        const ishape = nd === 0 ? [] : shape.map((sz, i) => (i === dd ? this.size() : r.int(Math.min(1, sz), sz)));
        const idx = this.indexInput(ishape, high, false);
        if (name === "gather") { m(x, "gather", [d, { $: idx }]); return; }
        if (name === "scatterValue") { m(x, "scatter", [d, { $: idx }, this.number(dtype)]); return; }
        const src = this.operand(ishape.map((sz) => sz + (r.chance(0.2) ? 1 : 0)), r.chance(0.9) ? dtype : this.dtype());
        m(x, name, [d, { $: idx }, { $: src }]);
        return;
      }
      case "pieces": {
        const name = r.pick(["split", "splitSizes", "chunk", "unbind", "narrow", "select", "repeat", "flip", "roll", "tril", "triu"] as const);
        const d = this.dimArg(nd);
        const size = nd === 0 ? 1 : shape[d < 0 ? d + nd : d] ?? 1;
        switch (name) {
          case "split": m(x, "split", [r.int(r.chance(0.05) ? -1 : 1, Math.max(1, size)), d]); return;
          case "splitSizes": {
            const parts: number[] = [];
            let left = size;
            while (left > 0 && parts.length < 4) { const p = r.int(0, left); parts.push(p); left -= p; }
            if (left > 0 || r.chance(0.5)) parts.push(left + (r.chance(0.05) ? 1 : 0));
            m(x, "split", [parts, d]);
            return;
          }
          case "chunk": m(x, "chunk", [r.int(r.chance(0.05) ? 0 : 1, 5), d]); return;
          case "unbind": if (size <= 12) m(x, "unbind", [d]); return;
          case "narrow": { const st = r.int(-size, size); m(x, "narrow", [d, st, r.int(0, Math.max(0, size - (st < 0 ? st + size : st)) + (r.chance(0.05) ? 1 : 0))]); return; }
          case "select": m(x, "select", [d, r.int(-size, size - (r.chance(0.95) ? 1 : 0))]); return;
          case "repeat": {
            if (numel(shape) > 20_000) return;
            const reps = [...(r.chance(0.3) ? [r.int(1, 2)] : []), ...shape.map(() => r.int(0, 3))];
            m(x, "repeat", [reps]);
            return;
          }
          case "flip": m(x, "flip", [nd === 0 ? [] : r.shuffle([...Array(nd).keys()]).slice(0, r.int(1, nd))]); return;
          case "roll": m(x, "roll", r.chance(0.3) ? [r.int(-7, 7)] : [r.int(-7, 7), d]); return;
          default: m(x, name, r.chance(0.4) ? [] : [r.int(-3, 3)]); return;
        }
      }
      case "linalg": {
        // bmm / dot / outer / einsum with partners made to fit x (now and then not)
        const name = r.pick(["bmm", "dot", "outer", "einsum"] as const);
        const pd = r.chance(0.95) ? dtype : this.dtype();
        const bad = r.chance(0.04) ? 1 : 0;
        if (name === "bmm") {
          if (nd !== 3) return;
          const b = this.operand([shape[0]!, shape[2]! + bad, this.size()], pd);
          m(x, "bmm", [{ $: b }]);
          return;
        }
        if (name === "dot" || name === "outer") {
          if (nd !== 1) return;
          const b = this.operand([name === "dot" ? shape[0]! + bad : this.size()], pd);
          m(x, name, [{ $: b }]);
          return;
        }
        // einsum: x's dims lettered, contracted with a partner over one or two of them, or reduced alone
        if (nd === 0 || nd > 3) return;
        const letters = "ijk".slice(0, nd);
        const kind = r.weighted([["pair", 3], ["alone", 1], ["ellipsis", 1]] as const);
        if (kind === "alone") {
          const keep = letters.split("").filter(() => r.chance(0.5)).join("");
          this.exec({ kind: "torch", self: -1, name: "einsum", args: [`${letters}->${r.chance(0.5) ? keep : keep.split("").reverse().join("")}`, { $: x }] });
          return;
        }
        if (kind === "ellipsis") {
          const b = this.operand([shape[nd - 1]! + bad, this.size()], pd);
          this.exec({ kind: "torch", self: -1, name: "einsum", args: ["...j,jz->...z", { $: x }, { $: b }] });
          return;
        }
        const shared = letters[nd - 1]!;
        const bShape = [this.size(), shape[nd - 1]! + bad];
        const b = this.operand(bShape, pd);
        const out = r.chance(0.5) ? `${letters.slice(0, -1)}z` : `z${letters.slice(0, -1)}`;
        this.exec({ kind: "torch", self: -1, name: "einsum", args: [`${letters},z${shared}->${out}`, { $: x }, { $: b }] });
        return;
      }
      case "mixed": {
        // atan2 and lerp (tensor partners that broadcast), maskedFill (a bool mask)
        const name = r.pick(["atan2", "lerp", "lerpTensor", "maskedFill"] as const);
        const ps = this.bshape(shape);
        if (!fits(shape, ps)) return;
        if (name === "maskedFill") {
          const mask = this.operand(ps, r.chance(0.9) ? "bool" : this.dtype());
          m(x, "maskedFill", [{ $: mask }, r.chance(0.8) ? this.number(dtype) : { $: this.input([], dtype) }]);
          return;
        }
        const other = this.operand(ps, r.chance(0.85) ? dtype : this.dtype());
        if (name === "atan2") m(x, "atan2", [{ $: other }]);
        else if (name === "lerp") m(x, "lerp", [{ $: other }, r.pick([0, 0.25, 0.5, 0.75, 1, -0.5, 2])]);
        else m(x, "lerp", [{ $: other }, { $: this.operand(this.bshape(shape, true), dtype) }]);
        return;
      }
    }
  }

  /** conv1d / conv2d on `x` when it is a small batched float tensor of the right rank, else on a
   *  new input; random settings, now and then ones that do not fit (both backends must throw alike). */
  convOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    const useX = (xt.ndim === 3 || xt.ndim === 4) && xt.numel() <= 4000 && xt.shape.every((d) => d > 0) && r.chance(0.6);
    const two = useX ? xt.ndim === 4 : r.chance(0.7);
    const dtype: DType = useX ? (xt.dtype as DType) : r.weighted([["float32", 8], ["float64", 3], ["int32", 1]] as const);
    const groups = r.weighted([[1, 6], [2, 2], [3, 1]] as const);
    const cin = useX ? xt.shape[1]! : groups * r.int(1, 3);
    const cout = groups * r.int(1, 3);
    const k = () => r.weighted([[1, 2], [2, 2], [3, 4], [4, 1]] as const);
    const kernel = two ? [k(), k()] : [k()];
    const size = () => r.int(1, 9);
    const xShape = useX ? xt.shape.slice() : two ? [r.int(1, 3), cin, size(), size()] : [r.int(1, 3), cin, size()];
    const xs = useX ? x : this.operand(xShape, dtype);
    const wdtype = r.chance(0.97) ? dtype : this.dtype();
    const w = this.operand([cout, r.chance(0.97) ? Math.max(1, Math.floor(cin / groups)) : cin, ...kernel], wdtype);
    const b = r.chance(0.6) ? { $: this.operand([r.chance(0.97) ? cout : cout + 1], wdtype) } : r.pick([null, undefined]);
    const pick = (vals: readonly (readonly [number, number])[]) => (r.chance(0.5) ? r.weighted(vals) : two ? [r.weighted(vals), r.weighted(vals)] : [r.weighted(vals)]);
    const stride = pick([[1, 5], [2, 3], [3, 1]]);
    const dilation = pick([[1, 6], [2, 2], [3, 1]]);
    const padding = r.chance(0.2) ? r.pick(["same", "same", "valid"]) : pick([[0, 4], [1, 4], [2, 2]]);
    const opts: Record<string, unknown> = { stride, padding, dilation, groups };
    for (const key of Object.keys(opts)) if (r.chance(0.3)) delete opts[key];
    const name = two ? "conv2d" : "conv1d";
    if (r.chance(0.2)) {
      this.exec({ kind: "torch", self: -1, name, args: [{ $: xs }, { $: w }, b, opts.stride, opts.padding, opts.dilation, opts.groups] });
    } else {
      this.exec({ kind: "F", self: -1, name, args: [{ $: xs }, { $: w }, b, opts] });
    }
  }

  /** F.batchNorm on `x` when it is a small tensor of 2 to 4 dims (else on a new input), training or
   *  not, with or without running statistics (updated in place: compared as live tensors), weight
   *  and bias; or F.embedding of a small table at int32 indices (now and then out of range). */
  normOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    if (r.chance(0.6)) {
      const useX = xt.ndim >= 2 && xt.ndim <= 4 && xt.numel() <= 4000 && r.chance(0.6);
      const dtype: DType = useX ? (xt.dtype as DType) : r.weighted([["float32", 8], ["float64", 3], ["int32", 1]] as const);
      const shape = useX ? xt.shape.slice() : [r.int(1, 6), r.int(1, 9), ...Array.from({ length: r.int(0, 2) }, () => r.int(1, 9))];
      const xs = useX ? x : this.operand(shape, dtype);
      const c = shape[1] ?? 1;
      const pdtype = () => (r.chance(0.97) ? dtype : this.dtype());
      const vec = () => ({ $: this.operand([r.chance(0.97) ? c : c + 1], pdtype()) });
      const stats = r.chance(0.75);
      const opts: Record<string, unknown> = { training: r.chance(0.6), momentum: r.pick([0.1, 0.5, 1, 0]), eps: r.pick([1e-5, 1e-3, 0.5]) };
      for (const key of Object.keys(opts)) if (r.chance(0.3)) delete opts[key];
      const args = [{ $: xs }, stats ? vec() : null, stats ? vec() : null, r.chance(0.6) ? vec() : null, r.chance(0.6) ? vec() : null, opts];
      this.exec({ kind: "F", self: -1, name: "batchNorm", args });
      return;
    }
    const rows = r.int(1, 9);
    const table = this.operand([rows, r.int(1, 6)], r.weighted([["float32", 8], ["float64", 3], ["int32", 1]] as const));
    const idx = this.indexInput(r.chance(0.5) ? [this.size()] : [this.size(), this.size()], rows, false);
    const opts: Record<string, unknown> = {};
    if (r.chance(0.3)) opts.paddingIdx = r.int(-rows, rows - 1);
    if (r.chance(0.2)) opts.scaleGradByFreq = true;
    this.exec({ kind: "F", self: -1, name: "embedding", args: [{ $: idx }, { $: table }, opts] });
  }

  /** layerNorm over 1-3 trailing dims of `x` (or of a new input), with or without weight and bias,
   *  now and then a normalized shape, weight or dtype that does not fit (both must throw alike). */
  layerNormOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    const useX = xt.ndim >= 1 && xt.numel() <= 20000 && r.chance(0.7);
    const dtype: DType = useX ? (xt.dtype as DType) : r.weighted([["float32", 8], ["float64", 3], ["int32", 1]] as const);
    const shape = useX ? xt.shape.slice() : [...(r.chance(0.5) ? [r.int(1, 3)] : []), r.int(1, 4), r.int(1, 40)];
    const xs = useX ? x : this.operand(shape, dtype);
    let ns = shape.slice(shape.length - r.int(1, Math.min(shape.length, 3)));
    if (r.chance(0.04)) ns = ns.map((d) => d + 1);
    const wdtype = r.chance(0.97) ? dtype : this.dtype();
    const w = r.chance(0.6) ? { $: this.operand(r.chance(0.97) ? ns : [...ns, 1], wdtype) } : r.pick([null, undefined]);
    const b = r.chance(0.5) ? { $: this.operand(ns, wdtype) } : null;
    const args: unknown[] = [{ $: xs }, ns, w, b];
    if (r.chance(0.4)) args.push(r.pick([1e-5, 1e-3, 0.1]));
    this.exec({ kind: "F", self: -1, name: "layerNorm", args });
  }

  /** maxPool2d / avgPool2d / adaptiveAvgPool2d on a small 3-D or 4-D float tensor. */
  poolOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    const useX = (xt.ndim === 3 || xt.ndim === 4) && xt.numel() <= 4000 && r.chance(0.6);
    const dtype: DType = useX ? (xt.dtype as DType) : r.weighted([["float32", 8], ["float64", 3], ["int32", 1]] as const);
    const shape = useX ? xt.shape.slice() : [...(r.chance(0.7) ? [r.int(1, 3)] : []), r.int(1, 3), r.int(1, 8), r.int(1, 8)];
    const xs = useX ? x : this.operand(shape, dtype);
    const k = () => r.weighted([[1, 1], [2, 4], [3, 3]] as const);
    const kernel = r.chance(0.6) ? k() : [k(), k()];
    const name = r.weighted([["maxPool2d", 4], ["avgPool2d", 3], ["adaptiveAvgPool2d", 2]] as const);
    const opts: Record<string, unknown> = {};
    if (r.chance(0.5)) opts.stride = r.chance(0.6) ? r.int(1, 3) : [r.int(1, 3), r.int(1, 3)];
    if (r.chance(0.4)) opts.padding = r.chance(0.6) ? r.int(0, 1) : [r.int(0, 1), r.int(0, 1)];
    if (r.chance(0.3)) opts.ceilMode = r.chance(0.5);
    if (name === "maxPool2d" && r.chance(0.3)) opts.dilation = r.int(1, 2);
    if (name === "avgPool2d" && r.chance(0.3)) opts.countIncludePad = r.chance(0.5);
    if (name === "avgPool2d" && r.chance(0.15)) opts.divisorOverride = r.int(1, 5);
    if (name === "adaptiveAvgPool2d") {
      const size = r.chance(0.5) ? r.int(1, 5) : [r.chance(0.2) ? null : r.int(0, 5), r.int(1, 5)];
      this.exec({ kind: "F", self: -1, name, args: [{ $: xs }, size] });
      return;
    }
    this.exec({ kind: "F", self: -1, name, args: [{ $: xs }, kernel, opts] });
  }

  /** A loss of x against a target of its shape (now and then another shape or dtype): the fused
   *  losses (binary cross entropy on probabilities mostly made by a sigmoid), l1, and cross entropy
   *  with label smoothing or probability targets. */
  lossOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    if (xt.numel() > 20_000) return;
    const shape = xt.shape.slice(), dtype = xt.dtype as DType;
    const name = r.pick(["binaryCrossEntropy", "binaryCrossEntropyWithLogits", "l1Loss", "smoothL1Loss", "huberLoss", "crossEntropy"] as const);
    const opts: Record<string, unknown> = {};
    if (r.chance(0.7)) opts.reduction = r.pick(["mean", "sum", "none"]);
    const tshape = r.chance(0.9) ? shape : this.bshape(shape);
    const tdtype = r.chance(0.9) ? dtype : this.dtype();
    if (name === "crossEntropy") {
      if (xt.ndim < 1) return;
      if (r.chance(0.8)) opts.labelSmoothing = r.pick([0.1, 0.5, 1, 0]);
      const C = xt.ndim === 1 ? shape[0]! : shape[1]!;
      const target = r.chance(0.5)
        ? this.operand(tshape, tdtype)
        : this.indexInput(xt.ndim === 1 ? [] : shape.filter((_, i) => i !== 1), C, false);
      if (r.chance(0.3)) opts.weight = { $: this.operand([C], dtype) };
      this.exec({ kind: "F", self: -1, name, args: [{ $: x }, { $: target }, opts] });
      return;
    }
    let input = x;
    if (name === "binaryCrossEntropy" && isFloat(dtype) && r.chance(0.85)) {
      const o = this.exec({ kind: "method", self: x, name: "sigmoid", args: [] });
      if (!o) return;
      input = o[0]!;
    }
    let target = this.operand(tshape, tdtype);
    if (name.startsWith("binary") && isFloat(tdtype) && r.chance(0.8)) {
      const o = this.exec({ kind: "method", self: target, name: "sigmoid", args: [] });
      if (o) target = o[0]!;
    }
    if (name.startsWith("binary") && r.chance(0.3)) opts.weight = { $: this.operand(this.bshape(shape, true), dtype) };
    if (name === "binaryCrossEntropyWithLogits" && r.chance(0.4)) opts.posWeight = { $: this.operand(this.bshape(shape, true), dtype) };
    if (name === "smoothL1Loss" && r.chance(0.5)) opts.beta = r.pick([0, 0.5, 1, 2, -1]);
    if (name === "huberLoss" && r.chance(0.5)) opts.delta = r.pick([0.5, 1, 2, 0]);
    this.exec({ kind: "F", self: -1, name, args: [{ $: input }, { $: target }, opts] });
  }

  /** F.pad of x in a random mode with small (sometimes negative or too large) pads. */
  padOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    if (xt.numel() > 50_000) return;
    const mode = r.weighted([["constant", 3], ["reflect", 2], ["replicate", 2], ["circular", 2]] as const);
    const nd = xt.ndim;
    // the non-constant modes pad the last nd - 1 or nd - 2 dims (mostly chosen so)
    const k = mode === "constant" ? r.int(0, Math.min(nd, 3)) : r.chance(0.85) ? Math.min(3, Math.max(1, nd - r.int(1, 2))) : r.int(1, 3);
    const pads = Array.from({ length: 2 * k }, () => r.weighted([[0, 2], [1, 4], [2, 2], [3, 1], [-1, 1], [6, 0.3]] as const));
    if (r.chance(0.03)) pads.push(1); // odd on purpose
    const opts: Record<string, unknown> = {};
    if (mode !== "constant" || r.chance(0.3)) opts.mode = mode;
    if (r.chance(mode === "constant" ? 0.5 : 0.05)) opts.value = this.number(xt.dtype as DType);
    this.exec({ kind: "F", self: -1, name: "pad", args: [{ $: x }, pads, opts] });
  }

  /** Ops on a 1 MiB tensor that cost no more than a pass over it (no big partners). */
  cheapOp(x: number): void {
    const r = this.rng, xt = this.t(x);
    const m = (name: string, args: unknown[]) => this.exec({ kind: "method", self: x, name, args });
    switch (r.int(0, 4)) {
      case 0: m(r.pick(UNARY), []); return;
      case 1: m(r.pick(BINARY.filter((b) => b !== "maximum" && b !== "minimum")), [this.number(xt.dtype as DType)]); return;
      case 2: m(r.pick(["sum", "max", "argmax", "argmin", "prod", "mean"]), []); return;
      case 3: m("index", [[r.int(0, 3), null, r.int(1, 5)]]); return;
      default: m("to", [this.dtype()]); return;
    }
  }

  viewOp(x: number): void {
    const r = this.rng, xt = this.t(x), nd = xt.ndim, shape = xt.shape;
    const m = (name: string, args: unknown[]) => this.exec({ kind: "method", self: x, name, args });
    const name = r.weighted([
      ["transpose", 3], ["permute", 2], ["index", 4], ["expand", 2], ["unsqueeze", 1], ["squeeze", 1],
      ["reshape", 3], ["view", 1], ["flatten", 1], ["t", 0.5],
    ] as const);
    switch (name) {
      case "transpose": m(name, [this.dimArg(nd), this.dimArg(nd)]); return;
      case "permute": {
        const p = r.shuffle([...Array(nd).keys()]).map((d) => (r.chance(0.2) ? d - nd : d));
        m(name, [p]);
        return;
      }
      case "index": {
        const count = r.chance(0.8) ? r.int(0, nd) : nd + 1;
        const idx: unknown[] = [];
        for (let d = 0; d < count; d++) {
          const size = shape[d] ?? 1;
          const k = r.weighted([["null", 2], ["num", 2], ["slice", 5]] as const);
          if (k === "null") idx.push(null);
          else if (k === "num") idx.push(r.chance(0.04) ? size : r.int(-size, Math.max(-size, size - 1)));
          else {
            const b = () => (r.chance(0.25) ? null : r.int(-size - 2, size + 2));
            idx.push(r.chance(0.5) ? [b(), b()] : [b(), b(), r.pick([1, 2, 3, 4])]);
          }
        }
        m(name, idx);
        return;
      }
      case "expand": {
        const lead = r.chance(0.3) && numel(shape) < 100_000 ? r.int(1, 2) : 0;
        const target = [
          ...Array.from({ length: lead }, () => this.size(4)),
          ...shape.map((d) => (d === 1 ? (r.chance(0.7) ? this.size() : r.pick([1, -1])) : r.chance(0.3) ? -1 : d)),
        ];
        m(name, [target]);
        return;
      }
      case "unsqueeze": m(name, [r.int(-(nd + 1), nd)]); return;
      case "squeeze": m(name, r.chance(0.4) ? [] : [this.dimArg(nd)]); return;
      case "reshape": case "view": m(name, [this.reshapeTarget(numel(shape))]); return;
      case "flatten": m(name, nd === 0 ? [] : [r.int(0, nd - 1) - (r.chance(0.3) ? nd : 0), -1 - r.int(0, nd - 1)]); return;
      case "t": m(name, []); return;
    }
  }

  reshapeTarget(n: number): number[] {
    const r = this.rng;
    if (n === 0) {
      const s = Array.from({ length: r.int(1, 3) }, () => this.size());
      s[r.int(0, s.length - 1)] = 0;
      return s;
    }
    const primes: number[] = [];
    let m = n;
    for (let p = 2; p * p <= m; p++) while (m % p === 0) { primes.push(p); m /= p; }
    if (m > 1) primes.push(m);
    const rank = r.int(primes.length === 0 ? 0 : 1, 4);
    if (rank === 0) return [];
    const dims = new Array<number>(rank).fill(1);
    for (const p of primes) dims[r.int(0, rank - 1)]! *= p;
    if (r.chance(0.3)) dims[r.int(0, rank - 1)] = -1;
    return dims;
  }

  inplaceOp(): void {
    const r = this.rng;
    // not on tensors with internal overlap (stride 0 over more than one element): PyTorch refuses
    // those writes and the outcome depends on the write order
    const target = this.pickSlot((t) => !t.stride().some((s, d) => s === 0 && t.shape[d]! > 1));
    if (target === null) return;
    const tt = this.t(target), shape = tt.shape.slice(), dtype = tt.dtype as DType;
    const name = r.weighted([["add_", 3], ["sub_", 1], ["mul_", 3], ["div_", 1], ["fill_", 1], ["zero_", 0.5], ["copy_", 3], ["clamp_", 1]] as const);
    const m = (args: unknown[]) => this.exec({ kind: "method", self: target, name, args });
    switch (name) {
      case "fill_": m([this.number(dtype)]); return;
      case "zero_": m([]); return;
      case "clamp_": m([this.number("float32"), r.chance(0.5) ? this.number("float32") : undefined]); return;
      case "copy_": m([{ $: this.operand(this.bshape(shape, true), r.chance(0.6) ? dtype : this.dtype()) }]); return;
      default: {
        const other = r.chance(0.4) ? this.number(dtype) : { $: this.operand(this.bshape(shape, true), r.chance(0.8) ? dtype : this.dtype()) };
        m([other]);
      }
    }
  }

  /** Backward from the last float tensor that requires grad, with the leaves' grads as results. */
  backward(): void {
    const root = this.pickSlot((t) => isFloat(t.dtype as DType) && t.requiresGrad);
    if (root === null) return;
    const leaves = this.live().filter((s) => this.t(s).isLeaf && this.t(s).requiresGrad);
    // a float64 leaf's gradient may have gone through float32 (casts, or ops on int32/bool
    // tensors, which compute in float32): float32 tolerance unless everything is float64
    const f64 = this.live().every((s) => this.t(s).dtype === "float64");
    this.exec({ kind: "backward", self: root, name: "backward", args: leaves.map((s) => ({ $: s })), rtol: f64 ? 1e-9 : 1e-4 });
  }
}

/**
 * Read every tensor's autograd properties after each step, on both backends alike. The
 * generator reads them to pick ops, and reading `requiresGrad`/`gradFn` of a view whose base
 * was changed in place refreshes the view's history (PyTorch's view replay), which changes
 * later error texts: the replay must see the same reads.
 */
function probe(slots: (T | null)[]): void {
  for (const t of slots) if (t && !t.isDisposed) void (t.requiresGrad && t.isLeaf);
}

function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return `non-Error thrown: ${String(e)}`;
}

// ---- one program: generate on wasm, replay on js ------------------------------------------------------

interface Outcome { failure: string | null; sig?: string; prog: Step[]; ms: number }

/** What kind of failure this is (numbers and slot names stripped), to group failing programs. */
function signature(msg: string, st: Step | undefined): string {
  const m = msg.replace(/(wasm|js) threw "([^"]*)"/g, (_a, who, e) => `${who} threw "${String(e).replace(/\d+/g, "#")}"`)
    .replace(/v\d+/g, "v").replace(/element .*$/, "element").replace(/-?\d+(\.\d+)?(e[-+]?\d+)?/g, "#");
  if (/threw|memory not back/.test(m)) return m.replace(/^step # \S+: /, "");
  const dt = st?.vals?.[st.outs[0] ?? -1]?.dtype ?? "";
  return `${st?.kind ?? ""}.${st?.name ?? ""}:${dt}:${m}`;
}

function memCheck(which: string, before: ReturnType<typeof torch.memory>): string | null {
  const after = torch.memory();
  if (after.tensors !== before.tensors || after.bytesInUse !== before.bytesInUse) {
    return `${which}: memory not back after tidy: tensors ${before.tensors} -> ${after.tensors}, bytesInUse ${before.bytesInUse} -> ${after.bytesInUse}`;
  }
  return null;
}

function runProgram(index: number): Outcome {
  const t0 = performance.now();
  const rng = new Rng(programSeed(SEED, index));
  const head = `fuzz program ${index} (WASMGRAD_FUZZ_SEED=${SEED} WASMGRAD_FUZZ_ONLY=${index})`;

  // ---- wasm: generate and record ----
  torch.setBackend("wasm");
  const g = new Generator(rng);
  let m0 = torch.memory();
  let genError: string | null = null;
  torch.tidy(() => {
    try {
      const inputs = rng.int(1, 3);
      for (let i = 0; i < inputs; i++) g.input(g.shape(), g.dtype());
      const ops = rng.int(3, 12);
      for (let i = 0; i < ops; i++) g.op();
      if (rng.chance(0.85)) g.backward();
    } catch (e) {
      genError = `generator crashed: ${errText(e)}\n${(e as Error).stack ?? ""}`;
    }
  });
  const prog = g.prog;
  const fail = (msg: string, at?: number) => ({
    failure: `${head}: ${msg}\nprogram (wasm results):\n${renderProgram(prog, at)}`,
    sig: signature(msg, at === undefined ? undefined : prog[at]),
    prog, ms: performance.now() - t0,
  });
  if (genError) return fail(genError);
  const wasmLeak = memCheck("wasm", m0);
  if (g.problems.length > 0) return fail(g.problems[0]!, Number(/step (\d+)/.exec(g.problems[0]!)?.[1]));

  // ---- js: replay and compare ----
  torch.setBackend("js");
  m0 = torch.memory();
  const slots: (T | null)[] = [];
  let failure: { msg: string; at: number } | null = null;
  torch.tidy(() => {
    let cur: (Snap | null)[] = [];
    for (let i = 0; i < prog.length && failure === null; i++) {
      const st = prog[i]!;
      let outs: (T | null)[] | null = null, err: string | undefined;
      try { outs = runStep(st, slots); } catch (e) { err = errText(e); }
      if (st.err !== undefined || err !== undefined) {
        if (st.err !== err) {
          failure = { msg: `step ${i} ${st.name}: wasm ${st.err === undefined ? "ran" : `threw "${st.err}"`}, js ${err === undefined ? "ran" : `threw "${err}"`}`, at: i };
          break;
        }
      } else {
        if (outs!.length !== st.outs.length) { failure = { msg: `step ${i}: ${st.outs.length} results on wasm, ${outs!.length} on js`, at: i }; break; }
        for (const t of outs!) slots.push(t);
      }
      probe(slots);
      const now = slots.map(snap);
      // the step changed nothing it does not write (on js)
      if (!INPLACE.has(st.name) || st.err !== undefined) {
        for (let s = 0; s < cur.length; s++) {
          const a = cur[s], b = now[s];
          if (a && b && !sameBytes(a.data, b.data)) { failure = { msg: `js: step ${i} changed v${s}, which it does not write`, at: i }; break; }
        }
        if (failure) break;
      }
      // every live tensor agrees with wasm (outputs with the op's tolerance scale)
      const w = st.vals!;
      for (let s = 0; s < now.length; s++) {
        const isOut = st.outs.includes(s);
        const scale = isOut && st.scale && w[s] ? st.scale(w[s]!, st.outs.indexOf(s)) : 0;
        const d = firstDiff(w[s] ?? null, now[s] ?? null, scale ?? 0, isOut ? st.rtol : undefined);
        if (d !== null) {
          failure = { msg: `step ${i} ${st.name}: v${s}${isOut ? "" : " (not an output: changed through shared storage)"} differs: ${d}`, at: i };
          break;
        }
      }
      if (failure) break;
      // sync: the js storages take the wasm values, so later steps see identical inputs
      let synced = false;
      for (const [s, data] of st.stores!) {
        const t = slots[s];
        if (!t) continue;
        const sto = storageOf(t);
        if (sto.numel !== data.length) { failure = { msg: `step ${i}: storage of v${s} has ${data.length} elements on wasm, ${sto.numel} on js`, at: i }; break; }
        sto.backend.write(sto.handle, sto.dtype, data, 0);
        synced = true;
      }
      cur = synced ? slots.map(snap) : now;
    }
  });
  const jsLeak = memCheck("js", m0);
  torch.setBackend("wasm");
  if (failure !== null) return fail((failure as { msg: string }).msg, (failure as { at: number }).at);
  if (wasmLeak) return fail(wasmLeak);
  if (jsLeak) return fail(jsLeak);
  return { failure: null, prog, ms: performance.now() - t0 };
}

// ---- the test ---------------------------------------------------------------------------------------

describe("differential fuzz: wasm and js backends agree", () => {
  test(`${ONLY ? `programs ${ONLY.join(",")}` : `${N} random programs`} (seed ${SEED})`, () => {
    fuzz("fuzz");
  });

  // the same programs with no room in linear memory: every storage an op is not using
  // right now moves to the JS heap, and back in when an op reads it
  test(`the same programs under a zero memory budget (seed ${SEED})`, () => {
    torch.setBackend("wasm");
    torch.setMemoryBudget(0);
    try {
      const before = linearMemory().spills;
      fuzz("fuzz, zero budget");
      // not vacuous: storage moved out (and so back in for every later read) many times per program
      expect(linearMemory().spills - before).toBeGreaterThan(3 * (ONLY?.length ?? N));
    } finally {
      torch.setMemoryBudget(256 * 1024 * 1024);
    }
  });

  test(`the same programs under a zero budget, every block with a recipe (seed ${SEED})`, () => {
    torch.setBackend("wasm");
    torch.setMemoryBudget(0);
    const cache = linearMemory(), minBytes = cache.recipeMinBytes;
    cache.recipeMinBytes = 0;
    try {
      const drops = cache.drops, recomputes = cache.recomputes;
      fuzz("fuzz, zero budget, recipes");
      // not vacuous: elementwise results were dropped (not copied) and recomputed, often
      console.log(`fuzz, recipes: ${cache.drops - drops} blocks dropped, ${cache.recomputes - recomputes} recomputed`);
      if (ONLY === null) {
        // (a few hundred per 1,500 programs, fewer after the other runs in this process)
        expect(cache.drops - drops).toBeGreaterThan(N / 30);
        expect(cache.recomputes - recomputes).toBeGreaterThan(N / 60);
      }
    } finally {
      cache.recipeMinBytes = minBytes;
      torch.setMemoryBudget(256 * 1024 * 1024);
    }
  });
});

function fuzz(label: string): void {
  const indices = ONLY ?? [...Array(N).keys()];
  const failures: { sig: string; text: string; len: number }[] = [];
  let steps = 0, errors = 0, backwards = 0;
  const t0 = performance.now();
  const spilled0 = linearMemory().spills;
  for (const i of indices) {
    const o = runProgram(i);
    steps += o.prog.length;
    errors += o.prog.filter((s) => s.err !== undefined).length;
    backwards += o.prog.filter((s) => s.kind === "backward" && s.err === undefined).length;
    if (process.env.WASMGRAD_FUZZ_SLOW && o.ms > Number(process.env.WASMGRAD_FUZZ_SLOW)) console.log(`slow program ${i} (${o.ms.toFixed(0)} ms)\n${renderProgram(o.prog)}\n`);
    if (VERBOSE) console.log(`program ${i} (${o.ms.toFixed(1)} ms)\n${renderProgram(o.prog)}\n`);
    if (o.failure !== null) {
      failures.push({ sig: o.sig!, text: o.failure, len: o.prog.length });
      if (DUMP) {
        fullData = true;
        const body = renderScript(o.prog, o.failure);
        fullData = false;
        mkdirSync(DUMP, { recursive: true });
        writeFileSync(join(DUMP, `fuzz-${SEED}-${i}.ts`), body);
      }
    }
  }
  const ms = performance.now() - t0;
  // one example per kind of failure: the shortest program
  const kinds = new Map<string, { text: string; count: number; len: number }>();
  for (const f of failures) {
    const k = kinds.get(f.sig);
    if (!k) kinds.set(f.sig, { text: f.text, count: 1, len: f.len });
    else { k.count++; if (f.len < k.len) { k.text = f.text; k.len = f.len; } }
  }
  console.log(`${label}: ${indices.length} programs, ${linearMemory().spills - spilled0} storages moved out of linear memory, ${steps} steps (${errors} threw on both, ${backwards} backward passes) in ${(ms / 1000).toFixed(1)} s; ${failures.length} failing, ${kinds.size} kinds`);
  if (failures.length > 0) {
    const list = [...kinds.values()];
    const shown = list.slice(0, MAX_REPORTED).map((k) => `[${k.count} program(s) fail like this] ${k.text}`).join("\n\n");
    const more = list.length > MAX_REPORTED ? `\n\n... and ${list.length - MAX_REPORTED} more kinds of failure` : "";
    expect.fail(`${label}: ${failures.length} of ${indices.length} fuzz programs disagree between backends (${kinds.size} kinds):\n\n${shown}${more}`);
  }
}
