// Section 1: kernels (float32), through each library's public API: wasmgrad's wasm and js
// backends against TensorFlow.js's cpu and wasm backends, on the same data.
//
// One timed iteration = run the op inside the library's tidy, then read one element of
// the result back (forcing completion; all four backends run eagerly and synchronously,
// so this costs about a microsecond: wasmgrad reads it through a view with item(), tfjs
// through the backend's readSync, see peers.js) and free everything the iteration made.
// The output's allocation is part of the op, as it is for a user. Before timing, each
// peer's full output is compared with wasmgrad-wasm's.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory, tfFirst, torchFirst } from "./peers.js";
import { random, timeRow, check, resultRows, fmtTime } from "./lib.js";

const N = 1 << 20;

function cases() {
  const X = random(N, 1), Y = random(N, 2);
  const sumAbs = X.reduce((s, v) => s + Math.abs(v), 0);
  const list = [
    { name: "add [1M] + [1M]", inputs: [[X, [N]], [Y, [N]]], torch: (a, b) => a.add(b), tf: (a, b) => tf.add(a, b), tol: 1e-6 },
    { name: "mul [1M] * [1M]", inputs: [[X, [N]], [Y, [N]]], torch: (a, b) => a.mul(b), tf: (a, b) => tf.mul(a, b), tol: 1e-6 },
    {
      name: "add [1024,1024] + [1024] (broadcast)",
      inputs: [[X, [1024, 1024]], [Y.subarray(0, 1024), [1024]]],
      torch: (a, b) => a.add(b), tf: (a, b) => tf.add(a, b), tol: 1e-6,
    },
    { name: "exp [1M]", inputs: [[X, [N]]], torch: (a) => a.exp(), tf: (a) => tf.exp(a), tol: 1e-6 },
    // the sum's error is scaled by sum|x| (its condition), as accumulation orders differ
    { name: "sum [1M]", inputs: [[X, [N]]], torch: (a) => a.sum(), tf: (a) => tf.sum(a), tol: 1e-6, scale: sumAbs },
    ...[64, 128, 256, 512].map((n) => ({
      name: `matmul [${n},${n}] @ [${n},${n}]`,
      inputs: [[X.subarray(0, n * n), [n, n]], [Y.subarray(0, n * n), [n, n]]],
      torch: (a, b) => a.matmul(b), tf: (a, b) => tf.matMul(a, b),
      // error scaled by n * max|a| * max|b|, the size of the dot products' terms
      tol: 1e-6, scale: n * 4,
    })),
    {
      name: "transpose+contiguous [1024,1024]",
      inputs: [[X, [1024, 1024]]],
      torch: (a) => a.t().contiguous(), tf: (a) => tf.transpose(a), tol: 0,
    },
  ];
  return list;
}

export async function kernelSection(ctx) {
  const out = [];
  const peers = [...WASMGRAD, ...TFJS];
  for (const c of cases()) {
    if (ctx.filter && !c.name.includes(ctx.filter)) continue;
    console.log(`\n  ${c.name}`);
    const made = [];
    const entries = [];
    const outputs = new Map();
    for (const peer of peers) {
      await activate(peer);
      if (peer.startsWith("wasmgrad")) {
        const ins = c.inputs.map(([data, shape]) => torch.fromArray(data, shape));
        made.push(() => torch.dispose(ins));
        outputs.set(peer, torch.tidy(() => c.torch(...ins).toArray()));
        entries.push({
          peer,
          activate: () => activate(peer),
          memory: wasmgradMemory,
          fn: () => torch.tidy(() => torchFirst(c.torch(...ins))),
        });
      } else {
        const ins = c.inputs.map(([data, shape]) => tf.tensor(data, shape, "float32"));
        made.push(() => tf.dispose(ins));
        outputs.set(peer, tf.tidy(() => c.tf(...ins).dataSync().slice()));
        entries.push({
          peer,
          activate: () => activate(peer),
          memory: tfjsMemory,
          fn: () => tf.tidy(() => tfFirst(c.tf(...ins))),
        });
      }
    }
    const ref = outputs.get("wasmgrad-wasm");
    for (const peer of peers.slice(1)) {
      check(ctx, "kernels", c.name, peer, "wasmgrad-wasm", outputs.get(peer), ref, c.tol, c.scale);
    }
    const results = await timeRow(ctx, entries);
    ctx.noteMemory("kernels", c.name, results);
    for (const kill of made) kill();
    out.push({ name: c.name, results });
  }
  return {
    title: "Kernels (float32)",
    note: "Median time of one op through the public API, output allocation and a one-element read-back included. " +
      "Ratio = time / wasmgrad-wasm's (above 1 is slower than wasmgrad-wasm).",
    header: ["kernel", "implementation", "median", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtTime),
    unit: fmtTime,
    cases: out,
  };
}
