/**
 * Conformance runner for the PyTorch 1.13.1 reference cases in
 * test/oracle/cases.json, the repository's own copy (see test/oracle/README.md for the format).
 *
 * Every case runs once per backend ("wasm", then "js") as its own vitest test,
 * named `[wasm] <id>` / `[js] <id>`. A case fails with one Error that lists every
 * mismatching expectation key (expected vs actual, first differing element).
 * After the run, a table of pass counts per area (tags[0]) per backend is printed.
 *
 * WASMGRAD_ORACLE may point at another cases.json (or the directory holding one).
 */
import { afterAll, describe, test } from "vitest";
import { oraclePath } from "./helpers/oracle.js";
import { existsSync, readFileSync, statSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import * as torchModule from "../src/index.js";

/**
 * Areas (a case's tags[0]) whose cases are not run yet: they are registered with
 * `test.skip`, labelled "PENDING", and counted separately in the summary table.
 * Empty: every area of the oracle (higher_order, hooks, nn and optim included)
 * runs and must pass on both backends. Put an area back here only with an issue
 * that says why.
 */
export const PENDING: readonly string[] = [];

export const BACKENDS = ["wasm", "js"] as const;
type BackendName = (typeof BACKENDS)[number];

// The library is driven by name from JSON, so it is used untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const torch: any = torchModule;

// ---------------------------------------------------------------------------
// Loading the cases
// ---------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type TensorSpec = { shape: number[]; dtype: string; data: Json[] };
interface InputSpec extends TensorSpec { requiresGrad?: boolean }
interface Step {
  out?: string | string[];
  call?: string;
  self?: string;
  args?: Json[];
  new?: boolean;
  noGrad?: boolean;
  get?: string;
  set?: string;
  value?: Json;
}
interface BackwardSpec {
  of: string;
  gradient: Json;
  retainGraph?: boolean;
  createGraph?: boolean;
}
interface Case {
  id: string;
  tags: string[];
  inputs: Record<string, InputSpec>;
  steps: Step[];
  backward?: BackwardSpec[] | null;
  expect?: Record<string, Json>;
  expectError?: string;
  errorAt?: { phase: "steps" | "backward"; index: number };
  pytorchMessage?: string;
}
interface Tol { rtol: number; atol: number }
interface OracleFile {
  format: number;
  source: string;
  tolerances: { float32: Tol; float64: Tol; number: Tol };
  cases: Case[];
}

const ORACLE_PATH = oraclePath();
if (!existsSync(ORACLE_PATH)) {
  throw new Error(
    `oracle cases not found at ${ORACLE_PATH} (the repository keeps them in test/oracle/cases.json; ` +
      `WASMGRAD_ORACLE may point at another cases.json)`,
  );
}
const ORACLE: OracleFile = JSON.parse(readFileSync(ORACLE_PATH, "utf8"));
if (ORACLE.format !== 1) throw new Error(`unsupported oracle format ${ORACLE.format} in ${ORACLE_PATH}`);
const TOL = ORACLE.tolerances;

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

const NONFINITE: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };

function isNonFiniteString(v: unknown): v is string {
  return typeof v === "string" && Object.prototype.hasOwnProperty.call(NONFINITE, v);
}

/** JSON number / "nan" / "inf" / "-inf" -> number (booleans pass through). */
function num(v: Json): number | boolean {
  if (isNonFiniteString(v)) return NONFINITE[v];
  return v as number | boolean;
}

function isTensor(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  if (typeof torch.Tensor === "function" && v instanceof torch.Tensor) return true;
  const t = v as { shape?: unknown; toArray?: unknown; dtype?: unknown };
  return Array.isArray(t.shape) && typeof t.toArray === "function" && typeof t.dtype === "string";
}

function isTensorSpec(v: Json): v is TensorSpec {
  return (
    v !== null && typeof v === "object" && !Array.isArray(v) &&
    Array.isArray(v.shape) && typeof v.dtype === "string" && Array.isArray(v.data)
  );
}

function clip(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/** A short description of a runtime value for error messages. */
function show(v: unknown, withData = true): string {
  if (v === undefined) return "undefined";
  if (isTensor(v)) {
    const t = v as { shape: number[]; dtype: string; toArray(): ArrayLike<number> };
    if (!withData) return `Tensor(shape=[${t.shape.join(", ")}], dtype=${t.dtype})`;
    let vals = "";
    try {
      const a = Array.from(t.toArray() as ArrayLike<number>);
      vals = `, data=[${a.slice(0, 8).join(", ")}${a.length > 8 ? ", …" : ""}]`;
    } catch (e) {
      vals = `, toArray() threw: ${(e as Error)?.message}`;
    }
    return `Tensor(shape=[${t.shape.join(", ")}], dtype=${t.dtype}${vals})`;
  }
  if (typeof v === "function") return `[function ${v.name || "anonymous"}]`;
  try {
    return clip(inspect(v, { depth: 3, breakLength: Infinity }));
  } catch {
    return String(v);
  }
}

function showJson(v: Json): string {
  return clip(JSON.stringify(v));
}

function close(actual: number, expected: number, tol: Tol): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  if (!Number.isFinite(actual)) return false;
  return Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
}

/** Row-major flat index -> multi-index string, e.g. [1, 0, 2]. */
function multiIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    idx.unshift(n > 0 ? flat % n : 0);
    flat = n > 0 ? Math.floor(flat / n) : 0;
  }
  return `[${idx.join(", ")}]`;
}

/** Flat data + shape -> the nested array torch.tensor takes (shape [] -> a bare value). */
function nest(data: Json[], shape: readonly number[]): unknown {
  const flat = data.map(num);
  if (shape.length === 0) return flat[0];
  let pos = 0;
  const build = (d: number): unknown[] => {
    const out: unknown[] = [];
    for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? flat[pos++] : build(d + 1));
    return out;
  };
  return build(0);
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : `non-Error thrown: ${show(e)}`;
}

function firstStackLines(e: unknown, n = 4): string {
  if (!(e instanceof Error) || !e.stack) return "";
  const lines = e.stack.split("\n").filter((l) => l.trimStart().startsWith("at "));
  return lines.length ? `\n      ${lines.slice(0, n).map((l) => l.trim()).join("\n      ")}` : "";
}

// ---------------------------------------------------------------------------
// Running one case
// ---------------------------------------------------------------------------

class CaseRun {
  readonly vars: Record<string, unknown> = Object.create(null);

  constructor(readonly c: Case, readonly backend: BackendName) {}

  variable(name: string | undefined): unknown {
    if (name === undefined) throw new Error("malformed step: no `self`");
    if (!(name in this.vars)) throw new Error(`unknown variable "${name}"`);
    return this.vars[name];
  }

  /** The README's argument resolution table, applied recursively. */
  arg(v: Json): unknown {
    if (v === null) return null;
    if (Array.isArray(v)) return v.map((e) => this.arg(e));
    if (typeof v === "object") {
      if ("ref" in v) return this.variable(v.ref as string);
      if ("undefined" in v) return undefined;
      if ("float" in v) return NONFINITE[v.float as string];
      if ("hook" in v) {
        if (v.hook === "mul") {
          const k = v.by as number;
          return (g: { mul(k: number): unknown }) => g.mul(k);
        }
        if (v.hook === "record") {
          const name = v.as as string;
          return (g: unknown) => {
            this.vars[name] = g;
          };
        }
        throw new Error(`unknown hook kind ${showJson(v)}`);
      }
      if ("fn" in v) {
        // a number -> number function (a scheduler's lrLambda), as interp.py's Interpreter.function
        if (v.fn === "pow") {
          const base = v.base as number;
          return (n: number) => base ** n;
        }
        if (v.fn === "warmup") {
          const steps = v.steps as number;
          return (n: number) => Math.min(1, (n + 1) / steps);
        }
        throw new Error(`unknown function kind ${showJson(v)}`);
      }
      const o: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) o[k] = this.arg(e);
      return o;
    }
    if (isNonFiniteString(v)) return NONFINITE[v];
    return v;
  }

  buildInputs(): void {
    for (const [name, spec] of Object.entries(this.c.inputs)) {
      const opts: Record<string, unknown> = { dtype: spec.dtype };
      if (spec.requiresGrad) opts.requiresGrad = true;
      try {
        this.vars[name] = torch.tensor(nest(spec.data, spec.shape), opts);
      } catch (e) {
        throw new Error(
          `input "${name}": torch.tensor(<shape [${spec.shape.join(", ")}]>, ${JSON.stringify(opts)}) threw: ` +
            `${errorMessage(e)}`,
          { cause: e },
        );
      }
    }
  }

  private moduleFunction(call: string): { fn: unknown; owner: unknown } {
    const parts = call.split(".").slice(1); // drop "torch"
    let owner: unknown = torch;
    let cur: unknown = torch;
    let path = "torch";
    for (const p of parts) {
      path += `.${p}`;
      if (cur === null || cur === undefined) throw new Error(`${path}: parent is ${String(cur)}`);
      owner = cur;
      cur = (cur as Record<string, unknown>)[p];
      if (cur === undefined) throw new Error(`${path} is not exported by wasmgrad`);
    }
    if (typeof cur !== "function") throw new Error(`${path} is not a function (${show(cur)})`);
    return { fn: cur, owner };
  }

  /** Runs one step and stores its result. */
  step(s: Step): void {
    const exec = (): unknown => {
      if (s.get !== undefined) return (this.variable(s.self) as Record<string, unknown>)[s.get];
      if (s.set !== undefined) {
        (this.variable(s.self) as Record<string, unknown>)[s.set] = this.arg(s.value ?? null);
        return undefined;
      }
      if (s.call === undefined) throw new Error(`malformed step ${JSON.stringify(s)}`);
      const args = (s.args ?? []).map((a) => this.arg(a));
      if (s.call.startsWith("torch.")) {
        const { fn, owner } = this.moduleFunction(s.call);
        if (s.new) return new (fn as new (...a: unknown[]) => unknown)(...args);
        return (fn as (...a: unknown[]) => unknown).apply(owner, args);
      }
      const self = this.variable(s.self) as Record<string, unknown>;
      if (self === null || self === undefined) throw new Error(`${s.self} is ${String(self)}`);
      const m = self[s.call];
      if (typeof m !== "function") throw new Error(`${s.self} (${show(self, false)}) has no method ${s.call}()`);
      return (m as (...a: unknown[]) => unknown).apply(self, args);
    };

    let result = s.noGrad ? torch.noGrad(exec) : exec();

    // max(dim)/min(dim) give { values, indices }; the case records the values.
    const last = s.call?.split(".").pop();
    if ((last === "max" || last === "min") && result !== null && typeof result === "object" && !isTensor(result) && "values" in result) {
      result = (result as { values: unknown }).values;
    }

    if (Array.isArray(s.out)) {
      if (result === null || result === undefined || typeof (result as Iterable<unknown>)[Symbol.iterator] !== "function") {
        throw new Error(`expected an array result to destructure into [${s.out.join(", ")}], got ${show(result)}`);
      }
      const arr = [...(result as Iterable<unknown>)];
      s.out.forEach((name, i) => {
        this.vars[name] = arr[i];
      });
    } else if (s.out !== undefined) {
      this.vars[s.out] = result;
    }
  }

  backward(b: BackwardSpec): void {
    const t = this.variable(b.of) as { backward(...a: unknown[]): unknown };
    if (t === null || typeof t !== "object" || typeof t.backward !== "function") {
      throw new Error(`${b.of} (${show(t, false)}) has no backward()`);
    }
    const gradient = b.gradient === null || b.gradient === undefined ? undefined : this.arg(b.gradient);
    const opts: Record<string, boolean> = {};
    if (b.retainGraph) opts.retainGraph = true;
    if (b.createGraph) opts.createGraph = true;
    if (Object.keys(opts).length > 0) t.backward(gradient, opts);
    else if (gradient !== undefined) t.backward(gradient);
    else t.backward();
  }

  /** Property path `x.grad.data` on the variables. */
  path(p: string): unknown {
    const [head, ...rest] = p.split(".");
    let v = this.variable(head);
    let at = head;
    for (const prop of rest) {
      if (v === null || v === undefined) throw new Error(`cannot read .${prop} of ${at}: it is ${String(v)}`);
      v = (v as Record<string, unknown>)[prop];
      at += `.${prop}`;
    }
    return v;
  }

  /** The actual value for an expectation key, following the README's key table. */
  actual(key: string): unknown {
    if (key.startsWith("repr:")) return String(this.path(key.slice(5)));
    if (key.startsWith("inspect:")) return inspect(this.path(key.slice(8)));
    if (key.endsWith(".gradFn.nextFunctions")) {
      const node = this.path(key.slice(0, -".nextFunctions".length)) as { nextFunctions?: unknown } | null;
      if (node === null || node === undefined) throw new Error(`${key.slice(0, -14)} is ${String(node)}`);
      const nf = node.nextFunctions as Iterable<[{ name(): string } | null, number]> | undefined;
      if (nf === undefined || nf === null) throw new Error(`${key} is ${String(nf)}`);
      return Array.from(nf, ([n, i]) => [n === null || n === undefined ? null : n.name(), i]);
    }
    if (key.endsWith(".gradFn")) {
      const node = this.path(key) as { name?: () => string } | null;
      if (node === null) return null;
      if (node === undefined) throw new Error(`${key} is undefined (expected a node or null)`);
      if (typeof node.name !== "function") throw new Error(`${key} has no name() method (${show(node)})`);
      return node.name();
    }
    return this.path(key);
  }
}

// ---------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------

/** Compares a tensor against a {shape, dtype, data} expectation; pushes mismatch lines. */
function compareTensor(key: string, exp: TensorSpec, act: unknown, out: string[]): void {
  if (!isTensor(act)) {
    out.push(`${key}: expected a tensor (shape [${exp.shape.join(", ")}], ${exp.dtype}), got ${show(act)}`);
    return;
  }
  const t = act as { shape: number[]; dtype: string; toArray(): ArrayLike<number | boolean> };
  const shape = Array.from(t.shape);
  if (shape.length !== exp.shape.length || shape.some((n, i) => n !== exp.shape[i])) {
    out.push(`${key}: shape expected [${exp.shape.join(", ")}], got [${shape.join(", ")}]`);
    return;
  }
  if (t.dtype !== exp.dtype) {
    out.push(`${key}: dtype expected ${exp.dtype}, got ${String(t.dtype)}`);
    return;
  }
  let data: (number | boolean)[];
  try {
    data = Array.from(t.toArray());
  } catch (e) {
    out.push(`${key}: toArray() threw: ${errorMessage(e)}`);
    return;
  }
  if (data.length !== exp.data.length) {
    out.push(`${key}: toArray() has ${data.length} elements, expected ${exp.data.length}`);
    return;
  }
  const tol = exp.dtype === "float64" ? TOL.float64 : TOL.float32;
  let first = -1;
  let bad = 0;
  let maxErr = 0;
  for (let i = 0; i < data.length; i++) {
    const e = exp.data[i];
    const a = data[i];
    let ok: boolean;
    if (exp.dtype === "bool") {
      const ab = a === true || a === 1 ? true : a === false || a === 0 ? false : undefined;
      ok = ab === e;
    } else if (exp.dtype === "int32") {
      ok = a === e;
    } else {
      const en = num(e) as number;
      ok = typeof a === "number" && close(a, en, tol);
      if (!ok && typeof a === "number" && Number.isFinite(a) && Number.isFinite(en)) maxErr = Math.max(maxErr, Math.abs(a - en));
    }
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    const where = exp.shape.length > 1 ? ` (index ${multiIndex(first, exp.shape)})` : "";
    const tolText = exp.dtype === "float32" || exp.dtype === "float64" ? ` (rtol ${tol.rtol}, atol ${tol.atol}; max abs err ${maxErr.toPrecision(3)})` : "";
    out.push(
      `${key}: data[${first}]${where} expected ${showJson(exp.data[first])}, got ${String(data[first])}; ` +
        `${bad} of ${data.length} elements differ${tolText}\n` +
        `      expected ${showJson(exp.data)}\n      actual   ${clip(JSON.stringify(data.map((x) => (typeof x === "number" && !Number.isFinite(x) ? String(x) : x))))}`,
    );
  }
}

/**
 * Generic comparison. `exact` is set for keys the README lists as exact (shapes,
 * ndim, node names); other plain numbers use the `number` tolerance.
 */
function compareValue(key: string, exp: Json, act: unknown, exact: boolean, out: string[], nested = false): void {
  if (exp === null) {
    if (act !== null) out.push(`${key}: expected null, got ${show(act)}`);
    return;
  }
  if (isTensorSpec(exp)) {
    compareTensor(key, exp, act, out);
    return;
  }
  if (typeof exp === "boolean") {
    if (act !== exp) out.push(`${key}: expected ${exp}, got ${show(act)}`);
    return;
  }
  if (typeof exp === "number" || (isNonFiniteString(exp) && typeof act === "number")) {
    const en = num(exp) as number;
    if (typeof act !== "number") {
      out.push(`${key}: expected the number ${showJson(exp)}, got ${show(act)}`);
      return;
    }
    const ok = exact ? Object.is(act, en) || act === en : close(act, en, TOL.number);
    if (!ok) out.push(`${key}: expected ${showJson(exp)}, got ${String(act)}${exact ? "" : ` (rtol ${TOL.number.rtol}, atol ${TOL.number.atol})`}`);
    return;
  }
  if (typeof exp === "string") {
    if (act !== exp) out.push(`${key}: expected ${JSON.stringify(exp)}\n      got      ${typeof act === "string" ? JSON.stringify(act) : show(act)}`);
    return;
  }
  if (Array.isArray(exp)) {
    const isArrayLike = Array.isArray(act) || (ArrayBuffer.isView(act) && !(act instanceof DataView));
    if (!isArrayLike) {
      out.push(`${key}: expected an array ${showJson(exp)}, got ${show(act)}`);
      return;
    }
    const arr = Array.from(act as ArrayLike<unknown>);
    if (arr.length !== exp.length) {
      out.push(`${key}: expected ${exp.length} elements ${showJson(exp)}, got ${arr.length}: ${show(arr)}`);
      return;
    }
    const sub: string[] = [];
    for (let i = 0; i < exp.length && sub.length === 0; i++) compareValue(`${key}[${i}]`, exp[i], arr[i], exact, sub, true);
    if (sub.length > 0) out.push(nested ? sub[0] : `${sub[0]}\n      expected ${showJson(exp)}\n      actual   ${show(arr)}`);
    return;
  }
  if (typeof exp === "object") {
    // a plain object (an optimizer's state dict): the same keys, each value as expected
    if (act === null || typeof act !== "object" || Array.isArray(act) || isTensor(act)) {
      out.push(`${key}: expected an object ${showJson(exp)}, got ${show(act)}`);
      return;
    }
    const want = Object.keys(exp).sort();
    const got = Object.keys(act as object).filter((k) => (act as Record<string, unknown>)[k] !== undefined).sort();
    if (want.length !== got.length || want.some((k, i) => k !== got[i])) {
      out.push(`${key}: expected the keys [${want.join(", ")}], got [${got.join(", ")}]`);
      return;
    }
    const sub: string[] = [];
    for (const k of want) {
      if (sub.length > 0) break;
      compareValue(`${key}.${k}`, exp[k] as Json, (act as Record<string, unknown>)[k], exact, sub, true);
    }
    if (sub.length > 0) out.push(sub[0]!);
    return;
  }
  out.push(`${key}: unsupported expectation ${showJson(exp)}`);
}

function isExactKey(key: string): boolean {
  return /(^|\.)(shape|ndim|dtype|nextFunctions|gradFn)$/.test(key);
}

function checkExpectations(run: CaseRun): void {
  const mismatches: string[] = [];
  for (const [key, exp] of Object.entries(run.c.expect ?? {})) {
    let act: unknown;
    try {
      act = run.actual(key);
    } catch (e) {
      mismatches.push(`${key}: reading it threw: ${errorMessage(e)}${firstStackLines(e, 2)}`);
      continue;
    }
    compareValue(key, exp, act, isExactKey(key), mismatches);
  }
  if (mismatches.length > 0) {
    const n = Object.keys(run.c.expect ?? {}).length;
    throw new Error(
      `[${run.backend}] ${run.c.id}: ${mismatches.length} of ${n} expectations differ:\n  - ${mismatches.join("\n  - ")}`,
    );
  }
}

function describeStep(s: Step): string {
  const out = s.out === undefined ? "" : `${Array.isArray(s.out) ? `[${s.out.join(", ")}]` : s.out} = `;
  const ng = s.noGrad ? " (noGrad)" : "";
  if (s.get !== undefined) return `${out}${s.self}.${s.get}${ng}`;
  if (s.set !== undefined) return `${s.self}.${s.set} = ${showJson(s.value ?? null)}${ng}`;
  const args = (s.args ?? []).map(showJson).join(", ");
  const callee = s.call?.startsWith("torch.") ? `${s.new ? "new " : ""}${s.call}` : `${s.self}.${s.call}`;
  return `${out}${callee}(${args})${ng}`;
}

function describeBackward(b: BackwardSpec): string {
  const opts = [b.retainGraph ? "retainGraph: true" : "", b.createGraph ? "createGraph: true" : ""].filter(Boolean);
  const g = b.gradient === null || b.gradient === undefined ? (opts.length ? "undefined" : "") : showJson(b.gradient);
  return `${b.of}.backward(${[g, opts.length ? `{ ${opts.join(", ")} }` : ""].filter(Boolean).join(", ")})`;
}

/** Runs `fn` that must throw an Error containing `substring`. */
function expectThrow(label: string, c: Case, backend: BackendName, fn: () => void): void {
  const want = c.expectError as string;
  let thrown: unknown;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    thrown = e;
  }
  if (!threw) {
    throw new Error(`[${backend}] ${c.id}: ${label} should have thrown an Error containing ${JSON.stringify(want)}, but it succeeded`);
  }
  if (!(thrown instanceof Error)) {
    throw new Error(`[${backend}] ${c.id}: ${label} threw a non-Error (${show(thrown)}); expected an Error containing ${JSON.stringify(want)}`);
  }
  if (!thrown.message.includes(want)) {
    throw new Error(
      `[${backend}] ${c.id}: ${label} threw the wrong message\n  expected substring ${JSON.stringify(want)}\n  got               ${JSON.stringify(thrown.message)}` +
        `\n  (PyTorch: ${JSON.stringify(c.pytorchMessage ?? "")})`,
      { cause: thrown },
    );
  }
}

export function runCase(c: Case, backend: BackendName): void {
  torch.setBackend(backend);
  torch.setGradEnabled(true);
  torch.manualSeed(0);

  const run = new CaseRun(c, backend);
  const errAt = c.expectError !== undefined ? c.errorAt : undefined;
  const fail = (label: string, e: unknown): never => {
    throw new Error(`[${backend}] ${c.id}: ${label} threw unexpectedly: ${errorMessage(e)}`, { cause: e });
  };

  try {
    run.buildInputs();
  } catch (e) {
    fail("building inputs", e);
  }

  for (let i = 0; i < c.steps.length; i++) {
    const s = c.steps[i];
    const label = `steps[${i}] \`${describeStep(s)}\``;
    if (errAt?.phase === "steps" && errAt.index === i) {
      expectThrow(label, c, backend, () => run.step(s));
      return;
    }
    try {
      run.step(s);
    } catch (e) {
      fail(label, e);
    }
  }

  const bw = c.backward ?? [];
  for (let i = 0; i < bw.length; i++) {
    const label = `backward[${i}] \`${describeBackward(bw[i])}\``;
    if (errAt?.phase === "backward" && errAt.index === i) {
      expectThrow(label, c, backend, () => run.backward(bw[i]));
      return;
    }
    try {
      run.backward(bw[i]);
    } catch (e) {
      fail(label, e);
    }
  }

  if (errAt !== undefined) {
    throw new Error(
      `[${backend}] ${c.id}: malformed case: errorAt ${JSON.stringify(errAt)} points past the last ${errAt.phase} entry`,
    );
  }
  checkExpectations(run);
}

// ---------------------------------------------------------------------------
// Registering the tests and the summary table
// ---------------------------------------------------------------------------

type Tally = { pass: number; fail: number; pending: number; total: number };
const areas: string[] = [];
const tally = new Map<string, Tally>(); // key: `${backend}/${area}`

function tallyFor(backend: string, area: string): Tally {
  const k = `${backend}/${area}`;
  let t = tally.get(k);
  if (!t) tally.set(k, (t = { pass: 0, fail: 0, pending: 0, total: 0 }));
  return t;
}

for (const c of ORACLE.cases) {
  const area = c.tags[0];
  if (!areas.includes(area)) areas.push(area);
}

for (const backend of BACKENDS) {
  describe(`oracle [${backend}]`, () => {
    for (const c of ORACLE.cases) {
      const area = c.tags[0];
      const t = tallyFor(backend, area);
      t.total++;
      if (PENDING.includes(area)) {
        t.pending++;
        test.skip(`[${backend}] ${c.id} — PENDING (${area})`, () => {});
        continue;
      }
      test(`[${backend}] ${c.id}`, () => {
        try {
          runCase(c, backend);
          t.pass++;
        } catch (e) {
          t.fail++;
          throw e;
        }
      });
    }
  });
}

afterAll(() => {
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  const cell = (t: Tally) => {
    if (t.total === t.pending) return "pending";
    const run = t.total - t.pending;
    const notRun = run - t.pass - t.fail;
    return `${t.pass}/${run}${t.fail ? ` (${t.fail} fail)` : ""}${notRun ? ` (${notRun} not run)` : ""}`;
  };
  const w = Math.max(12, ...areas.map((a) => a.length)) + 2;
  const lines: string[] = [];
  lines.push(`wasmgrad oracle: ${ORACLE.cases.length} cases from ${ORACLE.source}`);
  lines.push(`pending areas (skipped): ${PENDING.length ? PENDING.join(", ") : "none"}`);
  lines.push(`${pad("area", w)}${BACKENDS.map((b) => lpad(`${b} pass`, 22)).join("")}${lpad("pending", 10)}`);
  const totals = Object.fromEntries(BACKENDS.map((b) => [b, { pass: 0, fail: 0, pending: 0, total: 0 } as Tally]));
  for (const area of areas) {
    const row = BACKENDS.map((b) => {
      const t = tallyFor(b, area);
      const T = totals[b];
      T.pass += t.pass;
      T.fail += t.fail;
      T.pending += t.pending;
      T.total += t.total;
      return lpad(cell(t), 22);
    });
    lines.push(`${pad(area, w)}${row.join("")}${lpad(String(tallyFor(BACKENDS[0], area).pending || "-"), 10)}`);
  }
  lines.push(
    `${pad("total", w)}${BACKENDS.map((b) => lpad(cell(totals[b]), 22)).join("")}${lpad(String(totals[BACKENDS[0]].pending), 10)}`,
  );
  console.log(`\n${lines.join("\n")}\n`);
});
