// Shared helpers for the benchmark suite: timing with tinybench, memory checks,
// numerical checks ("same work"), and table rendering (console and Markdown).
import { Bench } from "tinybench";

/** Deterministic uniform numbers in [lo, hi) (an LCG; no Math.random, so every run sees the same data). */
export function random(n, seed, lo = -2, hi = 2) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return a;
}

/** Deterministic integers in [0, k). */
export function randomInts(n, k, seed) {
  const a = new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = Math.floor((s / 4294967296) * k);
  }
  return a;
}

// ---- timing ------------------------------------------------------------------------------------

/**
 * Time one row: every entry is { peer, fn, activate?, memory?, before?, after? }.
 * `activate` runs before each phase (warmup, run) of that task: it selects the peer's
 * backend. `memory` returns a snapshot { tensors, bytes } taken before and after the task's run
 * phase (after `before` / `after`, which may e.g. clear grads), so a task that leaks shows
 * up as a delta. (tinybench warms up all tasks of a Bench before running any of them.)
 * Returns [{ peer, median (ms), samples, memDelta: { tensors, bytes } | null }].
 */
export async function timeRow(ctx, entries) {
  const bench = new Bench({
    time: ctx.time,
    warmupTime: ctx.warmupTime,
    iterations: ctx.minIterations,
    warmupIterations: ctx.warmupIterations,
    throws: true,
  });
  const mem = new Map();
  for (const e of entries) {
    const m = { before: null, after: null };
    mem.set(e.peer, m);
    bench.add(e.peer, e.fn, {
      beforeAll: async (mode) => {
        if (e.activate) await e.activate();
        // tinybench warms every task up before running any, so the run phase alone is checked
        if (mode === "run" && e.memory) {
          if (e.before) e.before();
          m.before = e.memory();
        }
      },
      afterAll: async (mode) => {
        if (mode === "run" && e.memory) {
          if (e.after) e.after();
          m.after = e.memory();
        }
      },
    });
  }
  await bench.run();
  return entries.map((e) => {
    const task = bench.getTask(e.peer);
    const r = task.result;
    if (r.state !== "completed") throw new Error(`benchmark ${e.peer} did not complete: ${r.state} ${r.error ?? ""}`);
    const m = mem.get(e.peer);
    const memDelta = m.before && m.after
      ? { tensors: m.after.tensors - m.before.tensors, bytes: m.after.bytes - m.before.bytes }
      : null;
    return { peer: e.peer, median: r.latency.p50, samples: r.latency.samplesCount, memDelta };
  });
}

/** Median of an array of numbers (null when empty). */
export function median(xs) {
  if (xs.length === 0) return null;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Time `fn` in a plain synchronous loop: `warmup` untimed calls, then `iterations` timed
 * ones, each timed on its own, never yielding to the event loop in between (tinybench's
 * async Bench.run awaits every iteration, and its runSync is time-budgeted and cannot stop
 * cleanly at an error count). Code written without tidy behaves here as in a user's long
 * synchronous loop: finalizers get no chance to run.
 * Stops at the first error. Returns { samples (ms), median, done (calls that completed,
 * warmup included), error }.
 */
export function timeSync(fn, iterations, warmup = 0) {
  const samples = [];
  let done = 0, error = null;
  try {
    for (let i = 0; i < warmup; i++) { fn(); done++; }
    for (let i = 0; i < iterations; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
      done++;
    }
  } catch (e) {
    error = e;
  }
  return { samples, median: median(samples), done, error };
}

let gcFn = null;
/**
 * A full garbage collection, then a macrotask so FinalizationRegistry callbacks run. Uses
 * global.gc when Node was started with --expose-gc, otherwise turns the flag on at run time
 * (v8.setFlagsFromString) and takes gc from a fresh context.
 */
export async function collectGarbage() {
  if (gcFn === null) {
    if (typeof globalThis.gc === "function") gcFn = globalThis.gc;
    else {
      const v8 = await import("node:v8");
      const vm = await import("node:vm");
      v8.setFlagsFromString("--expose-gc");
      gcFn = vm.runInNewContext("gc");
    }
  }
  for (let i = 0; i < 2; i++) {
    gcFn();
    await new Promise((r) => setTimeout(r, 0));
  }
}

// ---- numerical checks --------------------------------------------------------------------------

/** Largest |a - b| / scale over the elements; `scale` defaults to max(1, max|b|). */
export function maxError(a, b, scale) {
  if (a.length !== b.length) return { ok: false, err: Infinity, note: `length ${a.length} vs ${b.length}` };
  let maxAbs = 0, maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  const s = scale ?? Math.max(1, maxRef);
  return { err: maxAbs / s };
}

/** Records "peer matches reference on <what>" with a tolerance; prints ✓ or ✗ at once. */
export function check(ctx, section, what, peer, ref, a, b, tol, scale) {
  const { err } = maxError(a, b, scale);
  const ok = err <= tol;
  const line = `${ok ? "✓" : "✗ MISMATCH"} ${section}: ${peer} = ${ref} on ${what} (max scaled error ${err.toExponential(1)}, tolerance ${tol.toExponential(0)})`;
  ctx.checks.push({ ok, line });
  console.log("  " + line);
  return ok;
}

// ---- formatting --------------------------------------------------------------------------------

export function fmtTime(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(ms >= 100 ? 0 : 2)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(ms >= 0.1 ? 0 : 1)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

export function fmtNs(ns) {
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function fmtRatio(x) {
  if (!Number.isFinite(x)) return "—";
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(2)}×`;
}

export function fmtBytes(b) {
  const sign = b < 0 ? "-" : "";
  b = Math.abs(b);
  if (b >= 1 << 20) return `${sign}${(b / (1 << 20)).toFixed(1)} MiB`;
  if (b >= 1024) return `${sign}${(b / 1024).toFixed(1)} KiB`;
  return `${sign}${b} B`;
}

/** A plain-text table, columns aligned (numbers right-aligned). */
export function textTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c] ?? "").length)));
  const right = header.map((_, c) => rows.some((r) => /^[\d.]/.test(String(r[c] ?? ""))));
  const line = (r) => r.map((v, c) => (right[c] ? String(v ?? "").padStart(widths[c]) : String(v ?? "").padEnd(widths[c]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdownTable(header, rows) {
  const right = header.map((_, c) => rows.some((r) => /^[\d.]/.test(String(r[c] ?? ""))));
  const esc = (v) => String(v ?? "").replace(/\|/g, "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${right.map((r) => (r ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/**
 * Turn timed rows into table rows: one line per (case, peer), the case named on its first
 * line only. `unit(ms)` formats the median (e.g. ns per op), ratio = median / wasmgrad-wasm's.
 */
export function resultRows(cases, unit = fmtTime, base = "wasmgrad-wasm") {
  const rows = [];
  for (const { name, results } of cases) {
    const ref = results.find((r) => r.peer === base)?.median;
    results.forEach((r, i) => {
      rows.push([
        i === 0 ? name : "",
        r.peer,
        r.median === null ? "—" : unit(r.median),
        r.median === null || ref === undefined ? "—" : fmtRatio(r.median / ref),
        r.median === null ? "—" : String(r.samples),
      ]);
    });
  }
  return rows;
}

/**
 * A compact table for quoting: one line per case, one column per peer, each cell
 * "median (ratio×)" with the ratio to wasmgrad-wasm.
 */
export function glanceTable(cases, unit = fmtTime, base = "wasmgrad-wasm") {
  const peers = [];
  for (const c of cases) for (const r of c.results) if (!peers.includes(r.peer)) peers.push(r.peer);
  const rows = cases.map(({ name, results }) => {
    const ref = results.find((r) => r.peer === base)?.median;
    return [name, ...peers.map((p) => {
      const r = results.find((x) => x.peer === p);
      if (!r || r.median === null) return "—";
      return p === base || ref === undefined ? unit(r.median) : `${unit(r.median)} (${fmtRatio(r.median / ref)})`;
    })];
  });
  return { header: ["", ...peers], rows };
}

// ---- layouts and flattening (for comparing peers' tensors) --------------------------------------

/** out[j] = data[src(j)] for the permutation `perm` of `shape`'s dimensions. */
export function permute(data, shape, perm) {
  const strides = [];
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) { strides[d] = s; s *= shape[d]; }
  const outShape = perm.map((p) => shape[p]);
  const out = new Float32Array(data.length);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < perm.length; d++) src += idx[d] * strides[perm[d]];
    out[o] = data[src];
    for (let d = outShape.length - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
  }
  return out;
}

/** [rows, cols] row-major to [cols, rows] (PyTorch's Linear weights are [out, in]; tfjs multiplies by [in, out]). */
export function transpose(W, rows, cols) {
  const T = new Float32Array(W.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) T[c * rows + r] = W[r * cols + c];
  return T;
}

/** The arrays' elements, one after another, as float64. */
export function concat(arrays) {
  const n = arrays.reduce((s, a) => s + a.length, 0);
  const out = new Float64Array(n);
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}
