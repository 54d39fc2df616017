// Section 3: one training step of an MLP: forward, loss, backward, SGD update.
//   - "MLP 64-128-128-10, batch 64, cross-entropy": wasmgrad (torch.nn + torch.optim) on
//     both backends against tfjs (same layers, tf.losses.softmaxCrossEntropy,
//     tf.train.sgd(...).minimize) on its cpu and wasm backends;
//   - "MLP 16-16-1, batch 16, MSE": the same peers plus micrograd (bench/micrograd.js), a
//     scalar autograd with one JS object per number, where that is still feasible.
// Every peer starts from the same weights (copied from one wasmgrad model) and data; the
// check compares the losses of two steps and the weights after them. One timed iteration
// is one step, ending with the loss read back as a number.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory } from "./peers.js";
import { random, randomInts, timeRow, check, resultRows, fmtTime, transpose, concat } from "./lib.js";
import * as micro from "./micrograd.js";

const CONFIGS = [
  { name: "MLP 64-128-128-10, batch 64, cross-entropy", dims: [64, 128, 128, 10], batch: 64, loss: "ce", lr: 0.1, micrograd: false },
  { name: "MLP 16-16-1, batch 16, MSE", dims: [16, 16, 1], batch: 16, loss: "mse", lr: 0.05, micrograd: true },
];

/** Weights from wasmgrad's own nn.Linear initialisation: [{ W: Float32Array [out*in], b, nin, nout }]. */
function initialWeights(dims, seed) {
  torch.setBackend("wasm");
  torch.manualSeed(seed);
  const layers = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    const lin = new torch.nn.Linear(dims[i], dims[i + 1]);
    layers.push({ W: lin.weight.toArray(), b: lin.bias.toArray(), nin: dims[i], nout: dims[i + 1] });
    torch.dispose(lin.parameters());
  }
  return layers;
}

function wasmgradTrainer(peer, cfg, layers, data) {
  torch.setBackend(peer === "wasmgrad-wasm" ? "wasm" : "js");
  const mods = [];
  layers.forEach((l, i) => {
    mods.push(new torch.nn.Linear(l.nin, l.nout));
    if (i + 1 < layers.length) mods.push(new torch.nn.ReLU());
  });
  const model = new torch.nn.Sequential(...mods);
  const state = {};
  layers.forEach((l, i) => {
    state[`${2 * i}.weight`] = { shape: [l.nout, l.nin], data: Array.from(l.W) };
    state[`${2 * i}.bias`] = { shape: [l.nout], data: Array.from(l.b) };
  });
  model.loadStateDict(state);
  const x = torch.fromArray(data.x, [cfg.batch, cfg.dims[0]]);
  const y = cfg.loss === "ce" ? torch.fromArray(data.labels, [cfg.batch]) : torch.fromArray(data.y, [cfg.batch, 1]);
  const lossFn = cfg.loss === "ce" ? torch.nn.functional.crossEntropy : torch.nn.functional.mseLoss;
  const opt = new torch.optim.SGD(model.parameters(), { lr: cfg.lr });
  return {
    step: () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn(model.call(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    }),
    weights: () => model.parameters().map((p) => p.toArray()),
    memory: wasmgradMemory,
    clear: () => opt.zeroGrad(),
    dispose: () => { opt.zeroGrad(); torch.dispose([...model.parameters(), x, y]); },
  };
}

async function tfjsTrainer(peer, cfg, layers, data) {
  await activate(peer);
  const vars = layers.map((l) => ({
    W: tf.variable(tf.tensor2d(transpose(l.W, l.nout, l.nin), [l.nin, l.nout])),
    b: tf.variable(tf.tensor1d(l.b)),
  }));
  const varList = vars.flatMap((v) => [v.W, v.b]);
  const x = tf.tensor2d(data.x, [cfg.batch, cfg.dims[0]]);
  const y = cfg.loss === "ce"
    ? tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, "int32"), cfg.dims.at(-1)), "float32"))
    : tf.tensor2d(data.y, [cfg.batch, 1]);
  const opt = tf.train.sgd(cfg.lr);
  const f = () => {
    let h = x;
    vars.forEach((v, i) => {
      h = tf.add(tf.matMul(h, v.W), v.b);
      if (i + 1 < vars.length) h = tf.relu(h);
    });
    return cfg.loss === "ce" ? tf.losses.softmaxCrossEntropy(y, h) : tf.losses.meanSquaredError(y, h);
  };
  return {
    step: () => tf.tidy(() => opt.minimize(f, true, varList).dataSync()[0]),
    weights: () => layers.flatMap((l, i) => [transpose(vars[i].W.dataSync(), l.nin, l.nout), vars[i].b.dataSync().slice()]),
    memory: tfjsMemory,
    dispose: () => { tf.dispose([...varList, x, y]); opt.dispose(); },
  };
}

function micrograd(cfg, layers, data) {
  const toRows = (W, rows, cols) => Array.from({ length: rows }, (_, r) => Array.from(W.subarray(r * cols, (r + 1) * cols)));
  const model = new micro.MLP(layers.map((l) => ({ weight: toRows(l.W, l.nout, l.nin), bias: Array.from(l.b) })));
  const xs = toRows(data.x, cfg.batch, cfg.dims[0]);
  const ys = Array.from(data.y);
  const params = model.parameters();
  return {
    step: () => {
      const scores = xs.map((x) => model.call(x));
      const losses = scores.map((s, i) => s.sub(ys[i]).pow(2));
      const loss = micro.sum(losses).mul(1 / losses.length);
      model.zeroGrad();
      loss.backward();
      for (const p of params) p.data -= cfg.lr * p.grad;
      return loss.data;
    },
    weights: () => model.layers.flatMap((layer) => [
      Float64Array.from(layer.neurons.flatMap((n) => n.w.map((w) => w.data))),
      Float64Array.from(layer.neurons.map((n) => n.b.data)),
    ]),
    dispose: () => {},
  };
}

export async function trainSection(ctx) {
  const out = [];
  for (const [k, cfg] of CONFIGS.entries()) {
    if (ctx.filter && !cfg.name.includes(ctx.filter)) continue;
    console.log(`\n  ${cfg.name}`);
    const layers = initialWeights(cfg.dims, 100 + k);
    const data = {
      x: random(cfg.batch * cfg.dims[0], 200 + k, -1, 1),
      labels: randomInts(cfg.batch, cfg.dims.at(-1), 300 + k),
      y: random(cfg.batch * cfg.dims.at(-1), 400 + k, -1, 1),
    };
    const peers = [...WASMGRAD, ...TFJS, ...(cfg.micrograd ? ["micrograd"] : [])];
    // same work: two steps from identical weights, on fresh trainers
    const seen = new Map();
    for (const peer of peers) {
      const t = await makeTrainer(peer, cfg, layers, data);
      const losses = Float64Array.of(t.step(), t.step());
      seen.set(peer, { losses, weights: t.weights() });
      t.dispose();
    }
    const ref = seen.get("wasmgrad-wasm");
    for (const peer of peers.slice(1)) {
      const s = seen.get(peer);
      check(ctx, "training", `${cfg.name}: losses of steps 1 and 2 (${fmtLosses(s.losses)})`, peer, "wasmgrad-wasm", s.losses, ref.losses, 1e-4);
      const flatA = concat(s.weights), flatB = concat(ref.weights);
      check(ctx, "training", `${cfg.name}: weights after 2 steps`, peer, "wasmgrad-wasm", flatA, flatB, 1e-5);
    }
    // timing, on fresh trainers again
    const trainers = [];
    const entries = [];
    for (const peer of peers) {
      const t = await makeTrainer(peer, cfg, layers, data);
      trainers.push(t);
      entries.push({
        peer,
        fn: t.step,
        activate: peer === "micrograd" ? undefined : () => activate(peer),
        memory: t.memory,
        before: t.clear,
        after: t.clear,
      });
    }
    const results = await timeRow(ctx, entries);
    ctx.noteMemory("training", cfg.name, results);
    for (const t of trainers) t.dispose();
    out.push({ name: cfg.name, results });
  }
  return {
    title: "Training step (forward + loss + backward + SGD update)",
    note: "Median time of one step, the loss read back as a number. Same initial weights and data for every peer (checked below). " +
      "micrograd: a faithful JS port of Karpathy's scalar autograd (float64 Values, closures, topological sort), on the small MLP only. " +
      "Ratio = time / wasmgrad-wasm's.",
    header: ["model", "implementation", "median per step", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtTime),
    unit: fmtTime,
    cases: out,
  };
}

function makeTrainer(peer, cfg, layers, data) {
  if (peer === "micrograd") return micrograd(cfg, layers, data);
  if (peer.startsWith("wasmgrad")) return wasmgradTrainer(peer, cfg, layers, data);
  return tfjsTrainer(peer, cfg, layers, data);
}

function fmtLosses(l) { return Array.from(l, (v) => v.toPrecision(6)).join(", "); }
