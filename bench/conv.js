// Section: 2-D convolution (float32), forward and forward+backward, through each library's public
// API: wasmgrad's wasm and js backends against TensorFlow.js's cpu and wasm backends.
//   wasmgrad: torch.nn.functional.conv2d on NCHW input, weight [out, in, 3, 3], bias [out], padding 1;
//             backward = torch.autograd.grad of the output (with a fixed output gradient) with
//             respect to input, weight and bias.
//   tfjs:     tf.conv2d on NHWC input, filter [3, 3, in, out], padding "same", plus the bias
//             (its native layouts: the same numbers, transposed); backward = tf.grads of the same.
// One timed iteration = the op(s) inside the library's tidy, then one element read back. Before
// timing, every peer's outputs (and gradients) are compared with wasmgrad-wasm's, transposed back.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory, tfFirst, torchFirst } from "./peers.js";
import { random, timeRow, check, resultRows, fmtTime, permute } from "./lib.js";

const SHAPES = [
  { x: [64, 1, 28, 28], out: 8 },
  { x: [32, 16, 32, 32], out: 16 },
];

const NCHW_TO_NHWC = [0, 2, 3, 1], NHWC_TO_NCHW = [0, 3, 1, 2];
const OIHW_TO_HWIO = [2, 3, 1, 0], HWIO_TO_OIHW = [3, 2, 0, 1];

function problem(shape, k) {
  const [n, c, h, w] = shape.x;
  const o = shape.out;
  const x = random(n * c * h * w, 11 + k), wt = random(o * c * 9, 12 + k, -0.5, 0.5), b = random(o, 13 + k);
  const gy = random(n * o * h * w, 14 + k);
  return {
    label: `[${shape.x.join(",")}] * ${o}x${c}x3x3, pad 1`,
    n, c, h, w, o, x, wt, b, gy,
    // a dot product of 9c terms of |x| <= 2, |w| <= 0.5 (gradients: of 9o and n*h*w terms)
    scale: { y: 9 * c, dx: 9 * o * 2, dw: n * h * w * 2, db: n * h * w * 2 },
  };
}

function wasmgradPeer(peer, p, backward) {
  torch.setBackend(peer === "wasmgrad-wasm" ? "wasm" : "js");
  const x = torch.fromArray(p.x, [p.n, p.c, p.h, p.w], { requiresGrad: backward });
  const w = torch.fromArray(p.wt, [p.o, p.c, 3, 3], { requiresGrad: backward });
  const b = torch.fromArray(p.b, [p.o], { requiresGrad: backward });
  const gy = torch.fromArray(p.gy, [p.n, p.o, p.h, p.w]);
  const F = torch.nn.functional;
  const run = () => {
    const y = F.conv2d(x, w, b, { padding: 1 });
    if (!backward) return [y];
    return torch.autograd.grad([y], [x, w, b], { gradOutputs: [gy] });
  };
  return {
    outputs: () => torch.tidy(() => run().map((t) => t.toArray())),
    fn: () => torch.tidy(() => torchFirst(run()[0])),
    memory: wasmgradMemory,
    dispose: () => torch.dispose([x, w, b, gy]),
  };
}

function tfjsPeer(p, backward) {
  const x = tf.tensor4d(permute(p.x, [p.n, p.c, p.h, p.w], NCHW_TO_NHWC), [p.n, p.h, p.w, p.c]);
  const w = tf.tensor4d(permute(p.wt, [p.o, p.c, 3, 3], OIHW_TO_HWIO), [3, 3, p.c, p.o]);
  const b = tf.tensor1d(p.b);
  const gy = tf.tensor4d(permute(p.gy, [p.n, p.o, p.h, p.w], NCHW_TO_NHWC), [p.n, p.h, p.w, p.o]);
  const f = (xi, wi, bi) => tf.add(tf.conv2d(xi, wi, 1, "same"), bi);
  const grads = tf.grads(f);
  const run = () => (backward ? grads([x, w, b], gy) : [f(x, w, b)]);
  // back to wasmgrad's layouts, for the checks
  const back = (t, i) => {
    const d = t.dataSync();
    if (i === 0) return permute(d, [p.n, p.h, p.w, backward ? p.c : p.o], NHWC_TO_NCHW);
    if (i === 1) return permute(d, [3, 3, p.c, p.o], HWIO_TO_OIHW);
    return d.slice();
  };
  return {
    outputs: () => tf.tidy(() => run().map(back)),
    fn: () => tf.tidy(() => tfFirst(run()[0])),
    memory: tfjsMemory,
    dispose: () => tf.dispose([x, w, b, gy]),
  };
}

export async function convSection(ctx) {
  const out = [];
  const notes = [];
  for (const [k, shape] of SHAPES.entries()) {
    const p = problem(shape, k);
    for (const backward of [false, true]) {
      const name = `conv2d ${backward ? "forward+backward (dx, dw, db)" : "forward"} ${p.label}`;
      if (ctx.filter && !name.includes(ctx.filter)) continue;
      console.log(`\n  ${name}`);
      const entries = [], peers = [], outputs = new Map();
      for (const peer of [...WASMGRAD, ...TFJS]) {
        await activate(peer);
        const impl = WASMGRAD.includes(peer) ? wasmgradPeer(peer, p, backward) : tfjsPeer(p, backward);
        let ms;
        try {
          const t0 = performance.now();
          outputs.set(peer, impl.outputs());
          ms = performance.now() - t0;
        } catch (e) {
          // tfjs-backend-wasm has no Conv2DBackpropFilter kernel: its backward cannot run
          const why = String(e?.message ?? e).split("\n")[0];
          notes.push(`${peer}, ${name}: not run (${why})`);
          console.log(`  ${peer}: not run (${why})`);
          impl.dispose();
          continue;
        }
        peers.push({ peer, impl });
        // a peer taking seconds per call (tfjs-cpu's backward) is timed over a few calls only
        entries.push({ peer, activate: () => activate(peer), memory: impl.memory, fn: impl.fn, slow: ms > 1000 });
      }
      const ref = outputs.get("wasmgrad-wasm");
      const what = backward ? ["dx", "dw", "db"] : ["y"];
      for (const { peer } of peers.slice(1)) {
        what.forEach((wname, i) => {
          check(ctx, "conv", `${name}: ${wname}`, peer, "wasmgrad-wasm", outputs.get(peer)[i], ref[i], 1e-6, p.scale[wname] * 2);
        });
      }
      const slowCtx = { ...ctx, time: 0, warmupTime: 0, minIterations: 3, warmupIterations: 1 };
      const timed = [
        ...(await timeRow(ctx, entries.filter((e) => !e.slow))),
        ...(entries.some((e) => e.slow) ? await timeRow(slowCtx, entries.filter((e) => e.slow)) : []),
      ];
      const results = entries.map((e) => timed.find((r) => r.peer === e.peer));
      ctx.noteMemory("conv", name, results);
      for (const { impl } of peers) impl.dispose();
      out.push({ name, results });
    }
  }
  return {
    title: "Convolution (float32, one thread)",
    note: "Median time of conv2d through the public API (wasmgrad NCHW, tfjs its native NHWC; the same numbers), output allocation and a one-element read-back included; " +
      "forward+backward computes the output and its gradients with respect to input, weight and bias for a fixed output gradient. " +
      "Ratio = time / wasmgrad-wasm's. A peer taking over a second per call is timed over 3 calls." + (notes.length ? ` Not run: ${notes.join("; ")}.` : ""),
    header: ["op", "implementation", "median", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtTime),
    unit: fmtTime,
    cases: out,
  };
}
