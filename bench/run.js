// wasmgrad's benchmark suite: `npm run bench` (builds first), or after a build
//   node bench/run.js [--quick] [--only=kernels,conv,perop,train,cnn,transformer,idiomatic] [--filter=TEXT]
// Speed is reported as medians and as ratios between implementations timed in this one
// process (wasmgrad's wasm and js backends, TensorFlow.js's cpu and wasm backends, and a
// scalar micrograd), never as absolute claims. Tables go to the console and, as Markdown,
// to bench/RESULTS.md (overwritten on each full run). Not part of CI.
//   bench/kernels.js   section 1, kernels vs tfjs      bench/perop.js   section 2, per-op overhead
//   bench/conv.js      conv2d forward and backward vs tfjs
//   bench/train.js     section 3, MLP training step    bench/micrograd.js  the scalar baseline
//   bench/cnn.js       CNN training step (examples/mnist.ts's model) vs tfjs
//   bench/transformer.js  transformer encoder training step vs tfjs (ops)
//   bench/idiomatic.js section 4, code without torch.tidy (also runs alone; its --long run is opt-in)
//   bench/peers.js     loading wasmgrad and tfjs       bench/lib.js     timing, checks, tables
//   bench/raw-kernels.js (separate) wasmgrad's backend kernels alone, without tensors or dispatch
//   bench/instructions.js (separate) instructions per op under valgrind, to compare builds
import os from "node:os";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { torch, startTfjs } from "./peers.js";
import { textTable, markdownTable, glanceTable, fmtBytes } from "./lib.js";
import { kernelSection } from "./kernels.js";
import { convSection } from "./conv.js";
import { perOpSection } from "./perop.js";
import { trainSection } from "./train.js";
import { cnnSection } from "./cnn.js";
import { idiomaticSection } from "./idiomatic.js";
import { transformerSection } from "./transformer.js";

const SECTIONS = ["kernels", "conv", "perop", "train", "cnn", "transformer", "idiomatic"];
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const only = args.find((a) => a.startsWith("--only="))?.slice(7).split(",") ?? SECTIONS;
const filter = args.find((a) => a.startsWith("--filter="))?.slice(9) ?? "";

const ctx = {
  quick,
  filter,
  // per task: time budget and warmup (ms), minimum iterations; a row is 4-5 tasks
  time: quick ? 60 : 400,
  warmupTime: quick ? 20 : 100,
  minIterations: quick ? 3 : 8,
  warmupIterations: quick ? 1 : 3,
  checks: [],
  memory: [],
  /** Record any task after whose run phase wasmgrad's (or tfjs's) tensors or bytes in use differ. */
  noteMemory(section, row, results) {
    for (const r of results) {
      const d = r.memDelta;
      if (d && (d.tensors !== 0 || d.bytes !== 0)) {
        const what = d.tensors > 0 || d.bytes > 0 ? "grew" : "shrank (freed something made before it)";
        const line = `${section} / ${row} / ${r.peer}: ${what}: ${d.tensors >= 0 ? "+" : ""}${d.tensors} tensors, ${d.bytes >= 0 ? "+" : ""}${fmtBytes(d.bytes)} in use after ${r.samples} timed iterations`;
        this.memory.push(line);
        console.log(`  ! memory ${line}`);
      }
    }
  },
};

const pkg = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const started = new Date();
const cpus = os.cpus();
const tfInfo = await startTfjs();
const machine = `Node ${process.version}, ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${cpus.length} cores (${os.platform()} ${os.arch()}); load average at start ${os.loadavg()[0].toFixed(2)}`;
const tfLine = `TensorFlow.js ${tfInfo.version} (tfjs-core, tfjs-backend-cpu, tfjs-backend-wasm ${tfInfo.wasmVersion}; tf from @tensorflow/tfjs for its gradients); ` +
  `tfjs-wasm ran ${tfInfo.wasmBinary} (SIMD ${tfInfo.simd ? "yes" : "no"}; multithreading ${tfInfo.threads ? "yes" : "no, tfjs turns it off under Node"}; ${tfInfo.threadCount} thread${tfInfo.threadCount === 1 ? "" : "s"})`;
const heapStart = torch.memory();

console.log(`wasmgrad ${pkg.version} benchmarks${quick ? " (--quick)" : ""}, ${started.toISOString()}`);
console.log(machine);
console.log(tfLine);
console.log(`timing: tinybench, per implementation ≥${ctx.time} ms and ≥${ctx.minIterations} iterations after ${ctx.warmupTime} ms warmup; medians (idiomatic: a synchronous loop of a fixed number of iterations)`);

const sections = [];
const runners = { kernels: kernelSection, conv: convSection, perop: perOpSection, train: trainSection, cnn: cnnSection, transformer: transformerSection, idiomatic: idiomaticSection };
for (const key of SECTIONS) {
  if (!only.includes(key)) continue;
  const t0 = performance.now();
  console.log(`\n== ${key} ==`);
  const s = await runners[key](ctx);
  s.seconds = (performance.now() - t0) / 1000;
  sections.push(s);
  console.log(`\n${s.title}  (${s.seconds.toFixed(0)} s)\n${s.note}\n`);
  console.log(textTable(s.header, s.rows));
}

const heapEnd = torch.memory();
const failed = ctx.checks.filter((c) => !c.ok);
const total = (Date.now() - started.getTime()) / 1000;

console.log(`\nsame-work checks: ${ctx.checks.length - failed.length} of ${ctx.checks.length} passed`);
for (const c of failed) console.log(`  ${c.line}`);
console.log(ctx.memory.length === 0
  ? "memory: no benchmark left tensors or bytes behind (wasmgrad torch.memory(), tfjs tf.memory())"
  : `memory: in use after ${ctx.memory.length} benchmark(s) differed from before:\n  ${ctx.memory.join("\n  ")}`);
console.log(`wasmgrad wasm heap: ${fmtBytes(heapStart.wasmHeapBytes)} at start, ${fmtBytes(heapEnd.wasmHeapBytes)} at end (peak bytes in use ${fmtBytes(heapEnd.peakBytes)}); total ${total.toFixed(0)} s`);

// ---- bench/RESULTS.md ---------------------------------------------------------------------------
const md = [];
md.push("# wasmgrad benchmark results", "");
md.push(`Generated by \`npm run bench\`${quick ? " (`--quick`, short and noisier)" : ""} on ${started.toISOString().slice(0, 10)} (${started.toISOString()}). ` +
  "Overwritten on every run; numbers from a shared, noisy machine: read the ratios, not the absolute times.", "");
md.push(`- Machine: ${machine}`);
md.push(`- wasmgrad ${pkg.version}; ${tfLine}`);
md.push(`- Timing: tinybench, each implementation ≥${ctx.time} ms and ≥${ctx.minIterations} iterations after ${ctx.warmupTime} ms of warmup, in one process; medians. ` +
  "Every iteration frees what it made (`torch.tidy` / `tf.tidy`), except in the idiomatic section, which times wasmgrad with and without `torch.tidy` " +
  "in a synchronous loop of a fixed number of iterations (`node bench/idiomatic.js` runs it alone).", "");
for (const s of sections) {
  const glance = s.glance ?? glanceTable(s.cases, s.unit);
  glance.header[0] = s.header[0];
  md.push(`## ${s.title}`, "", s.note, "", markdownTable(glance.header, glance.rows), "");
  md.push("<details><summary>medians, ratios and sample counts</summary>", "", markdownTable(s.header, s.rows), "", "</details>", "");
}
md.push("## Same work", "");
md.push(`${ctx.checks.length - failed.length} of ${ctx.checks.length} checks passed: each peer's result against wasmgrad-wasm's, on one run of the same inputs ` +
  "(errors scaled by max(1, max|reference|), or as noted).", "");
md.push("<details><summary>all checks</summary>", "", ...ctx.checks.map((c) => `- ${c.line}`), "", "</details>", "");
md.push("## Memory", "");
md.push(ctx.memory.length === 0
  ? "No benchmark left tensors or bytes in use behind it (`torch.memory()` / `tf.memory()` before and after each one's timed run)."
  : `\`torch.memory()\` / \`tf.memory()\` before and after each benchmark's timed run differed for:\n\n${ctx.memory.map((l) => `- ${l}`).join("\n")}`);
md.push("", `wasmgrad's wasm heap: ${fmtBytes(heapStart.wasmHeapBytes)} at start, ${fmtBytes(heapEnd.wasmHeapBytes)} at end (it grows to the peak and is reused, not returned).`, "");
if (!filter && SECTIONS.every((k) => only.includes(k))) {
  fs.writeFileSync(fileURLToPath(new URL("./RESULTS.md", import.meta.url)), md.join("\n"));
  console.log("wrote bench/RESULTS.md");
} else {
  console.log("partial run (--only / --filter): bench/RESULTS.md not written");
}
if (failed.length > 0) process.exitCode = 1;
