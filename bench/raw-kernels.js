// Raw kernel benchmarks: the Wasm backend's kernels against the pure-TypeScript ones,
// called directly on preallocated buffers (no Tensor objects, no dispatch, no allocation),
// to tell kernel time from per-op overhead. Not part of `npm run bench` (bench/run.js);
// run after `npm run build` (it imports the compiled backends from dist/):
//   node bench/raw-kernels.js [filter]
import { Bench } from "tinybench";
import { JsBackend } from "../dist/backend/js/index.js";
import { WasmBackend, instantiate } from "../dist/backend/wasm/index.js";
import { wasmBinary } from "../dist/backend/wasm/binary.generated.js";
import { Bin, Red, Un } from "../dist/backend/backend.js";

const filter = process.argv[2] ?? "";
const js = new JsBackend();
const wasm = new WasmBackend(await instantiate(wasmBinary));

function random(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296) * 4 - 2;
  }
  return a;
}

function upload(be, data) {
  const h = be.alloc("float32", data.length);
  be.write(h, "float32", data, 0);
  return h;
}

const N = 1 << 20;
const x = random(N, 1), y = random(N, 2);

/** name -> (backend) -> zero-argument function to time */
const cases = [
  ["add 1M f32", (be) => {
    const a = upload(be, x), b = upload(be, y), o = be.alloc("float32", N);
    return () => be.binary(Bin.ADD, "float32", a, 0, [1], b, 0, [1], o, [N]);
  }],
  ["mul 1M f32", (be) => {
    const a = upload(be, x), b = upload(be, y), o = be.alloc("float32", N);
    return () => be.binary(Bin.MUL, "float32", a, 0, [1], b, 0, [1], o, [N]);
  }],
  ["add 1M f32 row-broadcast [1024,1024]+[1024]", (be) => {
    const a = upload(be, x), b = upload(be, y.subarray(0, 1024)), o = be.alloc("float32", N);
    return () => be.binary(Bin.ADD, "float32", a, 0, [1024, 1], b, 0, [0, 1], o, [1024, 1024]);
  }],
  ["exp 1M f32", (be) => {
    const a = upload(be, x), o = be.alloc("float32", N);
    return () => be.unary(Un.EXP, "float32", a, 0, o, N);
  }],
  ["sum 1M f32", (be) => {
    const a = upload(be, x), o = be.alloc("float32", 1);
    return () => be.reduce(Red.SUM, "float32", a, 0, 1, N, 1, o);
  }],
  ["transpose copy 1024x1024 f32", (be) => {
    const a = upload(be, x), o = be.alloc("float32", N);
    return () => be.copy(a, "float32", 0, [1, 1024], o, "float32", 0, [1024, 1], [1024, 1024]);
  }],
  ...[128, 256].map((n) => [`matmul ${n}x${n} f32`, (be) => {
    const a = upload(be, x.subarray(0, n * n)), b = upload(be, y.subarray(0, n * n)), o = be.alloc("float32", n * n);
    return () => be.matmul("float32", a, 0, [0, n, 1], b, 0, [0, n, 1], o, 1, n, n, n);
  }]),
  [`matmul 256x256 @ (256x256)^T f32`, (be) => {
    const n = 256;
    const a = upload(be, x.subarray(0, n * n)), b = upload(be, y.subarray(0, n * n)), o = be.alloc("float32", n * n);
    return () => be.matmul("float32", a, 0, [0, n, 1], b, 0, [0, 1, n], o, 1, n, n, n);
  }],
];

const bench = new Bench({ time: 200, warmupTime: 50 });
const selected = cases.filter(([name]) => name.includes(filter));
for (const [name, make] of selected) {
  bench.add(`js   ${name}`, make(js));
  bench.add(`wasm ${name}`, make(wasm));
}
await bench.run();

const median = (name) => bench.tasks.find((t) => t.name === name)?.result?.latency?.p50;
const fmt = (ms) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(1)} µs`);
const rows = selected.map(([name]) => {
  const j = median(`js   ${name}`), w = median(`wasm ${name}`);
  return { kernel: name, "js median": fmt(j), "wasm median": fmt(w), "js / wasm": `${(j / w).toFixed(1)}x` };
});
console.table(rows);
