// Instructions per iteration of the small-tensor rows, counted by valgrind: a measure of
// per-op overhead that a shared, noisy machine does not disturb (its timings drift by 10% to
// 2x within an hour). Compare builds with it:
//
//   node bench/instructions.js [--rows=add,mul,addrec,mulrec,fwdbwd,mlp,mlp64] [--backends=wasm,js]
//                               [--iters=N] [--seeds=3] [DIR ...]
//
// Each DIR is a checkout with a built dist/ (`npm run build`); the default is this one. The
// first DIR is the reference of the ratio column. Needs valgrind (Debian: apt-get install
// valgrind); about a minute per row, backend, DIR and seed on two cores. Not part of CI.
//
// How: each count runs Node under cachegrind (no cache simulation) with --single-threaded (so
// the JIT and the GC run on the counted thread, in a repeatable order) and V8's hash and
// random seeds fixed, once with only a warm-up (3,000 iterations; 200 for mlp64) and once
// with --iters more (as many by default); the difference divided by --iters is the steady
// state's cost, start-up and compilation cancelled out. With one seed a count repeats within
// about 1%, but the seed alone can move a row by 10% (the JIT inlines differently), so each
// figure is the median over --seeds seeds. Counts are not time: cache misses and memory
// bandwidth are not in them, so they settle per-op overhead (dispatch, allocation, graph
// recording, bookkeeping), not kernels on large tensors.
//
// Rows (bench/perop.js's, on 4-element tensors; 100 ops per iteration, in torch.tidy):
//   add, mul       a chain of 100 adds / muls, no grad        addrec, mulrec  the same, recording
//   fwdbwd         50 x (add, mul), sum, backward, grad read  mlp  one SGD step of MLP 16-16-1, batch 16, MSE
//   mlp64          one SGD step of MLP 64-128-128-10, batch 64, cross-entropy (bench/train.js's; its
//                  kernels are most of it, so its count is mostly theirs)
import { execFile, execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROWS = ["add", "mul", "addrec", "mulrec", "fwdbwd", "mlp", "mlp64"];
/** Warm-up iterations per row (a step of mlp64 costs as much as 30 of the others). */
const warmupOf = (row) => (row === "mlp64" ? 200 : 3000);

const [mode, ...rest] = process.argv.slice(2);
if (mode === "--child") await child(...rest);
else await main(process.argv.slice(2));

/** The counted process: build the row, warm up, then run `iters` more iterations. */
async function child(dir, row, backend, iters) {
  const torch = await import(pathToFileURL(path.join(dir, "dist/index.js")).href);
  torch.setBackend(backend);
  const A = new Float32Array([0.1, 0.2, 0.3, 0.4]), B = new Float32Array([1, 1.001, 0.999, 1]);
  const C = new Float32Array([0.01, -0.01, 0.005, 0]);
  const a = torch.fromArray(A, [4], { requiresGrad: row !== "add" && row !== "mul" });
  const c = torch.fromArray(C, [4]), d = torch.fromArray(B, [4]);
  const chain = (op, x) => () => torch.tidy(() => { let r = a; for (let i = 0; i < 100; i++) r = r[op](x); return r.toArray(); });
  let fn;
  if (row === "add" || row === "addrec") fn = chain("add", c);
  else if (row === "mul" || row === "mulrec") fn = chain("mul", d);
  else if (row === "fwdbwd") {
    fn = () => torch.tidy(() => {
      let r = a;
      for (let i = 0; i < 50; i++) r = r.add(c).mul(d);
      r.sum().backward();
      const g = a.grad.toArray();
      a.grad = null;
      return g;
    });
  } else if (row === "mlp" || row === "mlp64") {
    torch.manualSeed(1);
    const { nn, optim } = torch;
    const big = row === "mlp64";
    const model = big
      ? new nn.Sequential(new nn.Linear(64, 128), new nn.ReLU(), new nn.Linear(128, 128), new nn.ReLU(), new nn.Linear(128, 10))
      : new nn.Sequential(new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 1));
    const x = torch.randn(big ? [64, 64] : [16, 16]);
    const y = big ? torch.fromArray(Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 10), [64]) : torch.randn([16, 1]);
    const lossFn = big ? nn.functional.crossEntropy : nn.functional.mseLoss;
    const opt = new optim.SGD(model.parameters(), { lr: big ? 0.1 : 0.05 });
    fn = () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn(model.call(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    });
  } else throw new Error(`unknown row ${row}; rows: ${ROWS.join(", ")}`);
  for (let i = 0; i < warmupOf(row) + Number(iters); i++) fn();
}

/** Instructions the child executes in all (valgrind's "I refs"). */
function count(dir, row, backend, iters, seed) {
  const args = ["--tool=cachegrind", "--cache-sim=no", "--smc-check=all-non-file", "--cachegrind-out-file=/dev/null",
    process.execPath, "--single-threaded", `--hash-seed=${seed}`, `--random-seed=${seed}`, fileURLToPath(import.meta.url), "--child", dir, row, backend, String(iters)];
  return new Promise((resolve, reject) => {
    execFile("valgrind", args, { maxBuffer: 1 << 26 }, (err, _stdout, stderr) => {
      const m = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (err || !m) reject(new Error(`valgrind on ${dir} ${row} ${backend} failed:\n${stderr.slice(-2000)}`));
      else resolve(Number(m[1].replaceAll(",", "")));
    });
  });
}

async function main(argv) {
  const opt = (name, dflt) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;
  const rows = opt("rows", ROWS.join(",")).split(",");
  const backends = opt("backends", "wasm,js").split(",");
  const itersOpt = opt("iters", null);
  const seeds = Number(opt("seeds", "3"));
  const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const dirs = argv.filter((a) => !a.startsWith("--")).map((d) => path.resolve(d));
  if (dirs.length === 0) dirs.push(here);
  try { execFileSync("valgrind", ["--version"]); } catch {
    console.error("bench/instructions.js needs valgrind (Debian: apt-get install valgrind).");
    process.exit(2);
  }
  for (const d of dirs) {
    if (!fs.existsSync(path.join(d, "dist/index.js"))) { console.error(`${d}: no dist/index.js (run npm run build there)`); process.exit(2); }
  }
  const bad = rows.filter((r) => !ROWS.includes(r));
  if (bad.length > 0) { console.error(`unknown rows ${bad.join(", ")}; rows: ${ROWS.join(", ")}`); process.exit(2); }
  const parallel = Math.max(1, Math.min(2, os.availableParallelism()));
  const itersText = itersOpt !== null ? `${itersOpt} iterations` : "as many iterations as the warm-up";
  console.log(`instructions per iteration (steady state over ${itersText} after a warm-up of 3000, 200 for mlp64; median of ${seeds} seeds); ratio to ${dirs[0]}`);
  console.log(["row", "backend", ...dirs.map((d, i) => `${i}: ${path.basename(d)}`), ...dirs.slice(1).map((_, i) => `ratio ${i + 1}/0`)].join("\t"));
  for (const row of rows) {
    for (const backend of backends) {
      const perIter = [];
      const iters = itersOpt !== null ? Number(itersOpt) : warmupOf(row);
      for (const d of dirs) {
        const bySeed = [];
        for (let seed = 1; seed <= seeds; seed++) {
          const jobs = [() => count(d, row, backend, 0, seed), () => count(d, row, backend, iters, seed)];
          const results = parallel > 1 ? await Promise.all(jobs.map((j) => j())) : [await jobs[0](), await jobs[1]()];
          bySeed.push((results[1] - results[0]) / iters);
        }
        perIter.push(median(bySeed));
        if (seeds > 1) console.error(`  ${row} ${backend} ${path.basename(d)}: ${bySeed.map(Math.round).join(" ")} (per seed)`);
      }
      console.log([row, backend, ...perIter.map((n) => Math.round(n)), ...perIter.slice(1).map((n) => (n / perIter[0]).toFixed(3))].join("\t"));
    }
  }
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
