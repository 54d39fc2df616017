// Section 4: code written as PyTorch code is written, i.e. without torch.tidy.
// Every row runs on wasmgrad's wasm and js backends, once with each iteration wrapped in
// torch.tidy ("tidy") and once as it would be written in PyTorch ("no tidy"): nothing is
// disposed, and what the iteration made is left to the garbage collector: on wasm, linear
// memory is a cache under torch.setMemoryBudget (256 MiB by default) and storage not used
// recently moves out to the JS heap. Before timing "no tidy" on wasm, the loop runs until
// linear memory is full (storage has started to move out), so the figures are the steady
// state a long loop settles in, not the first fill.
//   - "1M chain": x = randn(2^20) requiring grad; x.mul(2).add(1).mul(x).sum().backward()
//   - "MLP step": Sequential(Linear(784,128), ReLU, Linear(128,10)), batch 64, cross-entropy,
//     SGD(lr 0.01): zeroGrad, forward, loss, backward, step, loss.item()
//   - "100-op small chain": 16 float32 elements requiring grad, 100 ops (mul(1.0001),
//     add(0.001), tanh in turn), sum, backward
// Both variants reset x.grad (x.grad = null) at the start of each iteration.
// Timing is a plain synchronous loop of N iterations, each timed (lib.js timeSync): that is
// how a training loop runs, and it never gives finalizers a turn. An out-of-memory error
// ends that variant's loop and is reported ("out of memory after N iterations") instead of
// ending the bench. Between variants the script disposes what it holds and forces a full
// GC (lib.js collectGarbage), so each variant starts from the same memory state; the Wasm
// heap itself never shrinks, so the heap column also shows how much it grew in the run.
//
//   node bench/idiomatic.js [--quick] [--filter=TEXT] [--iterations=N]
//        this section alone (after `npm run build`); --iterations sets every row's timed count
//   node bench/idiomatic.js --long [--steps=100000] [--backend=wasm|js]
//        opt-in, not part of `npm run bench`: the MLP step for 100,000 synchronous steps,
//        with tidy then without, from the same weights on the same fixed pool of 32
//        batches; per 1000 steps the median step time, heap, bytes in use and loss; at the
//        end whether the two runs' losses were identical.
import { fileURLToPath } from "node:url";
import { torch } from "./peers.js";
import {
  random, randomInts, median, timeSync, collectGarbage, check, fmtTime, fmtBytes, fmtRatio, textTable, markdownTable,
} from "./lib.js";

const BACKENDS = ["wasm", "js"];
const VARIANTS = ["tidy", "no tidy"];

const ROWS = [
  { name: "1M chain", iterations: 200, quickIterations: 30, warmup: 3, fillCap: 200, make: makeChain, check: "x.grad after one iteration", steps: 1 },
  { name: "MLP step", iterations: 300, quickIterations: 40, warmup: 5, fillCap: 8000, make: makeMlp, check: "losses of the first 5 steps", steps: 5 },
  { name: "100-op small chain", iterations: 2000, quickIterations: 300, warmup: 20, fillCap: 30000, make: makeSmallChain, check: "x.grad after one iteration", steps: 1 },
];

// ---- the rows ------------------------------------------------------------------------------------
// make(backend) selects the backend, builds the inputs, and returns { step, probe, dispose }:
// step() is one iteration as a PyTorch user writes it; probe() reads what the same-work
// check compares; dispose() frees what the row made (not what its iterations left behind).

function makeChain() {
  torch.manualSeed(1);
  const x = torch.randn([2 ** 20], { requiresGrad: true });
  return {
    step: () => {
      x.grad = null;
      x.mul(2).add(1).mul(x).sum().backward();
    },
    probe: () => x.grad.toArray(),
    dispose: () => { x.grad = null; torch.dispose(x); },
  };
}

const MLP_DIMS = [784, 128, 10];
const BATCH = 64;
let mlpWeights = null;

/** The MLP's initial weights, from wasmgrad's own nn.Linear initialisation (seeded), once. */
function initialMlpState() {
  if (mlpWeights === null) {
    const backend = torch.getBackend();
    torch.setBackend("wasm");
    torch.manualSeed(7);
    const model = mlpModel();
    mlpWeights = {};
    for (const [k, t] of Object.entries(model.stateDict())) mlpWeights[k] = { shape: [...t.shape], data: Array.from(t.toArray()) };
    torch.dispose(model.parameters());
    torch.setBackend(backend);
  }
  return mlpWeights;
}

function mlpModel() {
  const nn = torch.nn;
  return new nn.Sequential(new nn.Linear(MLP_DIMS[0], MLP_DIMS[1]), new nn.ReLU(), new nn.Linear(MLP_DIMS[1], MLP_DIMS[2]));
}

/** A fresh model with the shared initial weights, and its optimizer. */
function mlpTrainer() {
  const state = initialMlpState();
  const model = mlpModel();
  model.loadStateDict(state);
  const opt = new torch.optim.SGD(model.parameters(), { lr: 0.01 });
  const step = (x, y) => {
    opt.zeroGrad();
    const loss = torch.nn.functional.crossEntropy(model.call(x), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
  return { model, opt, step, dispose: () => { opt.zeroGrad(); torch.dispose(model.parameters()); } };
}

function makeMlp() {
  const t = mlpTrainer();
  const x = torch.fromArray(random(BATCH * MLP_DIMS[0], 21, -1, 1), [BATCH, MLP_DIMS[0]]);
  const y = torch.fromArray(randomInts(BATCH, MLP_DIMS.at(-1), 22), [BATCH]);
  const losses = [];
  return {
    step: () => {
      const l = t.step(x, y);
      losses.push(l);
      return l;
    },
    probe: () => Float64Array.from(losses),
    dispose: () => { t.dispose(); torch.dispose([x, y]); },
  };
}

function makeSmallChain() {
  const x = torch.fromArray(random(16, 31, -1, 1), [16], { requiresGrad: true });
  return {
    step: () => {
      x.grad = null;
      let r = x;
      for (let i = 0; i < 100; i++) r = i % 3 === 0 ? r.mul(1.0001) : i % 3 === 1 ? r.add(0.001) : r.tanh();
      r.sum().backward();
    },
    probe: () => x.grad.toArray(),
    dispose: () => { x.grad = null; torch.dispose(x); },
  };
}

// ---- running ---------------------------------------------------------------------------------------

function isOutOfMemory(e) {
  return /not enough memory|out of memory|allocation failed|cannot allocate/i.test(String(e?.message ?? e)) ||
    e instanceof WebAssembly.RuntimeError && /memory/i.test(e.message);
}

function wrap(step, variant) {
  return variant === "tidy" ? () => torch.tidy(step) : step;
}

/** One variant of one row on one backend: fresh inputs, timed loop, memory before/after. */
async function runVariant(ctx, row, backend, variant) {
  torch.setBackend(backend);
  await collectGarbage();
  const start = torch.memory();
  const r = row.make();
  const fn = wrap(r.step, variant);
  const before = torch.memory();
  const n = ctx.iterations ?? (ctx.quick ? row.quickIterations : row.iterations);
  let filled = 0;
  if (variant === "no tidy" && backend === "wasm" && !ctx.quick) {
    try {
      while (torch.memory().spilledBytes === 0 && filled < row.fillCap) { fn(); filled++; }
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
    }
  }
  const t = timeSync(fn, n, row.warmup);
  const after = torch.memory();
  if (t.error && !isOutOfMemory(t.error)) throw t.error;
  r.dispose();
  await collectGarbage();
  const end = torch.memory();
  const res = {
    backend, variant, median: t.median, samples: t.samples.length,
    mean: t.samples.length ? t.samples.reduce((a, b) => a + b, 0) / t.samples.length : null,
    // the last tenth of the timed iterations: how a leak's cost grows with what it left behind
    tail: median(t.samples.slice(t.samples.length - Math.max(1, Math.floor(t.samples.length / 10)))), done: t.done, planned: n + row.warmup,
    oom: t.error ? `out of memory after ${t.done} iterations` : null,
    error: t.error ? String(t.error.message ?? t.error) : null,
    heapAfter: after.wasmHeapBytes, heapGrowth: after.wasmHeapBytes - before.wasmHeapBytes,
    inUseAfter: after.bytesInUse, inUseGrowth: after.bytesInUse - before.bytesInUse,
    tensorsGrowth: after.tensors - before.tensors,
    inUseEnd: end.bytesInUse, leftBehind: { tensors: end.tensors - start.tensors, bytes: end.bytesInUse - start.bytesInUse },
  };
  const status = (res.oom ? `  ${res.oom} (${res.error})` : "") + (filled > 0 ? ` after ${filled} iterations to fill linear memory` : "");
  console.log(`    ${backend} ${variant}: median ${res.median === null ? "—" : fmtTime(res.median)} over ${res.samples} (mean ${res.mean === null ? "—" : fmtTime(res.mean)}, last tenth ${res.tail === null ? "—" : fmtTime(res.tail)})${status}; ` +
    `heap ${fmtBytes(res.heapAfter)} (+${fmtBytes(res.heapGrowth)}), in use ${fmtBytes(res.inUseAfter)} (+${fmtBytes(res.inUseGrowth)}, +${res.tensorsGrowth} tensors); ` +
    `after dispose + GC ${fmtBytes(res.inUseEnd)}`);
  return res;
}

/** Same work: the tidy and no-tidy variants on fresh inputs give the same numbers. */
function checkVariants(ctx, row, backend) {
  torch.setBackend(backend);
  const seen = {};
  for (const variant of VARIANTS) {
    const r = row.make();
    const fn = wrap(r.step, variant);
    for (let i = 0; i < row.steps; i++) fn();
    seen[variant] = r.probe();
    r.dispose();
  }
  const what = row.steps > 1 ? `${row.name}: ${row.check} (${Array.from(seen.tidy, (v) => v.toPrecision(6)).join(", ")})` : `${row.name}: ${row.check}`;
  check(ctx, "idiomatic", what, `${backend} no tidy`, `${backend} tidy`, seen["no tidy"], seen.tidy, 1e-6);
}

export async function idiomaticSection(ctx) {
  const cases = [];
  for (const row of ROWS) {
    if (ctx.filter && !row.name.includes(ctx.filter)) continue;
    console.log(`\n  ${row.name}`);
    for (const backend of BACKENDS) checkVariants(ctx, row, backend);
    const results = [];
    for (const backend of BACKENDS) for (const variant of VARIANTS) {
      const res = await runVariant(ctx, row, backend, variant);
      results.push(res);
      const d = res.leftBehind;
      if (d.tensors !== 0 || d.bytes !== 0) {
        const line = `idiomatic / ${row.name} / ${backend} ${variant}: after dispose + GC, ${d.tensors >= 0 ? "+" : ""}${d.tensors} tensors, ` +
          `${d.bytes >= 0 ? "+" : ""}${fmtBytes(d.bytes)} in use compared with before the row`;
        ctx.memory.push(line);
        console.log(`  ! memory ${line}`);
      }
    }
    cases.push({ name: row.name, results });
  }

  const cell = (r) => (r.oom ? `${r.oom}${r.median === null ? "" : ` (median ${fmtTime(r.median)})`}` : fmtTime(r.median));
  const ratio = (a, b) => (a.median === null || b.median === null ? "—" : fmtRatio(b.median / a.median));
  const get = (c, backend, variant) => c.results.find((r) => r.backend === backend && r.variant === variant);
  const rows = [];
  for (const c of cases) {
    c.results.forEach((r, i) => {
      const tidy = get(c, r.backend, "tidy");
      rows.push([
        i === 0 ? c.name : "",
        r.backend,
        r.variant,
        cell(r),
        r.variant === "tidy" ? "" : ratio(tidy, r),
        r.mean === null ? "—" : fmtTime(r.mean),
        r.tail === null ? "—" : fmtTime(r.tail),
        r.oom ? `${r.samples} (${r.done} with warmup)` : String(r.samples),
        `${fmtBytes(r.heapAfter)} (+${fmtBytes(r.heapGrowth)})`,
        `${fmtBytes(r.inUseAfter)} (${r.inUseGrowth >= 0 ? "+" : ""}${fmtBytes(r.inUseGrowth)})`,
        fmtBytes(r.inUseEnd),
      ]);
    });
  }
  const glanceHeader = ["", ...BACKENDS.flatMap((b) => [`${b}: tidy`, `${b}: no tidy`, `${b}: no tidy / tidy`])];
  const glanceRows = cases.map((c) => [c.name, ...BACKENDS.flatMap((b) => {
    const t = get(c, b, "tidy"), n = get(c, b, "no tidy");
    return [cell(t), cell(n), ratio(t, n)];
  })]);
  return {
    title: "Code written as PyTorch code is written (no torch.tidy)",
    note: "Median time of one iteration, with each iteration inside `torch.tidy` and without (nothing disposed: on wasm, storage " +
      "past the memory budget moves out to the JS heap, where the garbage collector reclaims it; before timing, the no-tidy wasm " +
      "loop runs until linear memory is full, so the figures are the steady state). Plain synchronous loop of N iterations, each timed; ratio = no tidy / tidy (of the medians). The details also give the mean and the median of the last tenth of the " +
      "iterations, since a leak's cost can grow with what earlier iterations left behind. " +
      "1M chain: `x.mul(2).add(1).mul(x).sum().backward()` on x = randn(2^20); MLP step: 784-128-10, batch 64, cross-entropy, " +
      "SGD, `loss.item()`; 100-op small chain: 16 elements, mul/add/tanh × 100, sum, backward; `x.grad = null` each iteration. " +
      "Heap: `torch.memory().wasmHeapBytes` after the timed loop (growth during it in brackets; the Wasm heap never shrinks, " +
      "so it also carries earlier rows' peak); in use: `torch.memory().bytesInUse` after the timed loop (growth), and after " +
      "the row disposed its inputs and a forced GC (an upper bound inside a synchronous loop; see README, Memory). Each variant starts after a forced GC.",
    header: ["row", "backend", "variant", "median per iteration", "no tidy / tidy", "mean", "median of last tenth", "iterations", "wasm heap after (growth)", "in use after (growth)", "in use after dispose + GC"],
    rows,
    unit: fmtTime,
    cases,
    glance: { header: glanceHeader, rows: glanceRows },
  };
}

// ---- the opt-in long run ------------------------------------------------------------------------------

const POOL = 32;

async function longRun(steps, backend) {
  torch.setBackend(backend);
  const pool = [];
  for (let i = 0; i < POOL; i++) {
    pool.push({
      x: torch.fromArray(random(BATCH * MLP_DIMS[0], 1000 + i, -1, 1), [BATCH, MLP_DIMS[0]]),
      y: torch.fromArray(randomInts(BATCH, MLP_DIMS.at(-1), 2000 + i), [BATCH]),
    });
  }
  console.log(`long run: MLP ${MLP_DIMS.join("-")}, batch ${BATCH}, SGD lr 0.01, backend ${backend}, ${steps} synchronous steps per run, ` +
    `batches drawn in turn from a fixed pool of ${POOL}; per block of 1000 steps: median step time, wasm heap, bytes in use, loss of its last step`);
  const losses = {};
  for (const variant of VARIANTS) {
    await collectGarbage();
    const t = mlpTrainer();
    const step = (i) => t.step(pool[i % POOL].x, pool[i % POOL].y);
    const fn = variant === "tidy" ? (i) => torch.tidy(() => step(i)) : step;
    const l = new Float64Array(steps);
    const block = [];
    let done = 0, error = null;
    console.log(`\n== ${variant} ==`);
    const header = ["steps", "median per step", "wasm heap", "bytes in use", "tensors", "loss"];
    console.log(header.join("\t"));
    const t0 = performance.now();
    try {
      for (let i = 0; i < steps; i++) {
        const s = performance.now();
        l[i] = fn(i);
        block.push(performance.now() - s);
        done++;
        if (block.length === 1000 || i + 1 === steps) {
          const m = torch.memory();
          const sorted = Float64Array.from(block).sort();
          console.log([i + 1, fmtTime(sorted[sorted.length >> 1]), fmtBytes(m.wasmHeapBytes), fmtBytes(m.bytesInUse), m.tensors, l[i].toPrecision(7)].join("\t"));
          block.length = 0;
        }
      }
    } catch (e) {
      if (!isOutOfMemory(e)) throw e;
      error = e;
    }
    const m = torch.memory();
    console.log(error
      ? `${variant}: out of memory after ${done} steps (${error.message}); heap ${fmtBytes(m.wasmHeapBytes)}, in use ${fmtBytes(m.bytesInUse)}`
      : `${variant}: ${done} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s; heap ${fmtBytes(m.wasmHeapBytes)}, in use ${fmtBytes(m.bytesInUse)}, ${m.tensors} tensors`);
    losses[variant] = l.subarray(0, done);
    t.dispose();
  }
  await collectGarbage();
  const a = losses.tidy, b = losses["no tidy"];
  const n = Math.min(a.length, b.length);
  let differ = 0, maxDiff = 0, first = -1;
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) { differ++; maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i])); if (first < 0) first = i; }
  }
  const span = n === steps ? `all ${steps} steps` : `the ${n} steps both runs completed (of ${steps})`;
  console.log(differ === 0
    ? `\nlosses of the two runs: identical over ${span}`
    : `\nlosses of the two runs: ${differ} of ${n} differ over ${span}, first at step ${first + 1}, max |difference| ${maxDiff.toExponential(2)}`);
  torch.dispose(pool.flatMap((p) => [p.x, p.y]));
  const end = torch.memory();
  console.log(`after disposing the pool and a forced GC: ${end.tensors} tensors, ${fmtBytes(end.bytesInUse)} in use, heap ${fmtBytes(end.wasmHeapBytes)}`);
  return differ === 0 && n === steps;
}

// ---- run alone ---------------------------------------------------------------------------------------

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args.includes("--long")) {
    const steps = Number(args.find((a) => a.startsWith("--steps="))?.slice(8) ?? 100_000);
    const backend = args.find((a) => a.startsWith("--backend="))?.slice(10) ?? "wasm";
    const ok = await longRun(steps, backend);
    if (!ok) process.exitCode = 1;
  } else {
    const ctx = {
      quick: args.includes("--quick"),
      filter: args.find((a) => a.startsWith("--filter="))?.slice(9) ?? "",
      iterations: args.some((a) => a.startsWith("--iterations=")) ? Number(args.find((a) => a.startsWith("--iterations=")).slice(13)) : undefined,
      checks: [],
      memory: [],
    };
    console.log(`idiomatic section alone${ctx.quick ? " (--quick)" : ""}, Node ${process.version}`);
    const t0 = performance.now();
    const s = await idiomaticSection(ctx);
    console.log(`\n${s.title}  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n${s.note}\n`);
    console.log(textTable(s.header, s.rows));
    // the section as bench/run.js writes it into bench/RESULTS.md
    const glance = { header: [s.header[0], ...s.glance.header.slice(1)], rows: s.glance.rows };
    console.log(["", "---- Markdown ----", `## ${s.title}`, "", s.note, "", markdownTable(glance.header, glance.rows), "",
      "<details><summary>medians, ratios and sample counts</summary>", "", markdownTable(s.header, s.rows), "", "</details>", "",
      ...ctx.checks.map((c) => `- ${c.line}`)].join("\n"));
    const failed = ctx.checks.filter((c) => !c.ok);
    console.log(`\nsame-work checks: ${ctx.checks.length - failed.length} of ${ctx.checks.length} passed`);
    console.log(ctx.memory.length === 0 ? "memory: every variant returned to its starting bytes in use after dispose + GC" : `memory:\n  ${ctx.memory.join("\n  ")}`);
    if (failed.length > 0) process.exitCode = 1;
  }
}
