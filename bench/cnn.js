// Section: one training step of a LeNet-style CNN, the model of examples/mnist.ts:
//   Conv2d(1,8,3,pad 1), ReLU, MaxPool2d(2), Conv2d(8,16,3,pad 1), ReLU, MaxPool2d(2), Flatten,
//   Linear(784,64), ReLU, Linear(64,10); batch 64 of 28x28 images, cross-entropy, Adam (lr 1e-3).
//   wasmgrad: torch.nn modules, F.crossEntropy, loss.backward(), optim.Adam.step(), on both backends.
//   tfjs:     the same model in ops, in its native NHWC layout, with its fused kernels (conv2d +
//             bias + relu, matMul + bias + relu: tf.fused), tf.losses.softmaxCrossEntropy and
//             tf.train.adam(...).minimize, on its cpu and wasm backends.
// tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel (the filter gradient of conv2d), so a
// conv net cannot train on it as shipped. We register one that runs its own native
// Conv3DBackpropFilterV2 kernel on the same memory seen as a depth-1 volume (no copy), which is
// what tfjs-wasm can do today; without it the tfjs-wasm row could not run at all.
// Every peer starts from the same weights (from one wasmgrad model; permuted to tfjs's layouts)
// and the same batch. Checked before timing: the loss and every gradient of one step
// (tf.variableGrads), and the losses of two Adam steps and the weights after them. One timed
// iteration is one step, ending with the loss read back as a number.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory } from "./peers.js";
import { random, randomInts, timeRow, check, resultRows, fmtTime, permute, concat } from "./lib.js";

const NAME = "LeNet-style CNN (conv 8, pool, conv 16, pool, 784-64-10), batch 64, Adam";
const BATCH = 64;
const LR = 1e-3;

/** The model of examples/mnist.ts, as nn.Sequential (the parameter names are its indices). */
function wasmgradModel() {
  const { nn } = torch;
  return new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 7 * 7, 64), new nn.ReLU(), new nn.Linear(64, 10),
  );
}
const PARAMS = ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias", "9.weight", "9.bias"];

/** Initial weights from wasmgrad's own initialisation: { name: { shape, data: Float32Array } }. */
function initialWeights(seed) {
  torch.setBackend("wasm");
  torch.manualSeed(seed);
  const model = wasmgradModel();
  const out = {};
  for (const [name, p] of model.namedParameters()) out[name] = { shape: p.shape, data: p.toArray() };
  torch.dispose(model.parameters());
  return out;
}

// ---- layouts: wasmgrad's (PyTorch's) to tfjs's and back ---------------------------------------
const inverse = (perm) => perm.map((_, i) => perm.indexOf(i));
// conv weight [O, I, KH, KW] -> [KH, KW, I, O]
const OIHW_TO_HWIO = [2, 3, 1, 0];
// fc1's weight [64, 784] reads a (c, h, w) flattening; tfjs flattens NHWC as (h, w, c) and multiplies
// x [batch, 784] @ W [784, 64]: W[(h*7 + w)*16 + c][o] = weight[o][c*49 + h*7 + w], a permutation
// of the weight seen as [64, 16, 7, 7] to [7, 7, 16, 64]
const FC1_SHAPE = [64, 16, 7, 7], FC1_TO_TF = [2, 3, 1, 0];

/** tfjs's shape and data of each of wasmgrad's parameters (same order as PARAMS). */
function toTfjs(weights) {
  return PARAMS.map((name) => {
    const { shape, data } = weights[name];
    if (name === "0.weight" || name === "3.weight") return { shape: OIHW_TO_HWIO.map((p) => shape[p]), data: permute(data, shape, OIHW_TO_HWIO) };
    if (name === "7.weight") return { shape: [784, 64], data: permute(data, FC1_SHAPE, FC1_TO_TF) };
    if (name === "9.weight") return { shape: [64, 10], data: permute(data, shape, [1, 0]) };
    return { shape, data };
  });
}

/** A tfjs parameter's values (or gradient) back in wasmgrad's layout. */
function fromTfjs(i, values) {
  const name = PARAMS[i];
  if (name === "0.weight" || name === "3.weight") {
    const o = name === "0.weight" ? 8 : 16, c = name === "0.weight" ? 1 : 8;
    return permute(values, [3, 3, c, o], inverse(OIHW_TO_HWIO));
  }
  if (name === "7.weight") return permute(values, [7, 7, 16, 64], inverse(FC1_TO_TF));
  if (name === "9.weight") return permute(values, [64, 10], [1, 0]);
  return Float32Array.from(values);
}

// ---- tfjs-wasm's missing kernel ----------------------------------------------------------------
let registered = false;
/** Conv2DBackpropFilter for tfjs's wasm backend through its Conv3DBackpropFilterV2 (depth 1). */
function registerWasmConv2DBackpropFilter() {
  if (registered || tf.getKernel("Conv2DBackpropFilter", "wasm")) return;
  const conv3d = tf.getKernel("Conv3DBackpropFilterV2", "wasm");
  if (!conv3d) throw new Error("tfjs-backend-wasm has neither Conv2DBackpropFilter nor Conv3DBackpropFilterV2");
  tf.registerKernel({
    kernelName: "Conv2DBackpropFilter",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, filterShape } = attrs;
      if (dataFormat !== undefined && dataFormat !== "NHWC") throw new Error(`Conv2DBackpropFilter (bench): dataFormat ${dataFormat} not handled`);
      const [sh, sw] = typeof strides === "number" ? [strides, strides] : strides;
      const asVolume = (t) => ({ dataId: t.dataId, dtype: t.dtype, shape: [t.shape[0], 1, ...t.shape.slice(1)] });
      const dw = conv3d.kernelFunc({
        inputs: { x: asVolume(x), dy: asVolume(dy) },
        backend,
        attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] },
      });
      return { dataId: dw.dataId, dtype: dw.dtype, shape: filterShape };
    },
  });
  registered = true;
}

// ---- the peers ---------------------------------------------------------------------------------

function wasmgradTrainer(peer, weights, data) {
  torch.setBackend(peer === "wasmgrad-wasm" ? "wasm" : "js");
  const model = wasmgradModel();
  model.loadStateDict(Object.fromEntries(PARAMS.map((n) => [n, { shape: weights[n].shape, data: Array.from(weights[n].data) }])));
  const x = torch.fromArray(data.x, [BATCH, 1, 28, 28]);
  const y = torch.fromArray(data.labels, [BATCH]);
  const params = model.parameters();
  const opt = new torch.optim.Adam(params, { lr: LR });
  const F = torch.nn.functional;
  return {
    step: () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.call(x), y);
      loss.backward();
      opt.step();
      return loss.item();
    }),
    lossAndGrads: () => torch.tidy(() => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.call(x), y);
      loss.backward();
      const grads = params.map((p) => p.grad.toArray());
      opt.zeroGrad();
      return { loss: loss.item(), grads };
    }),
    weights: () => params.map((p) => p.toArray()),
    memory: wasmgradMemory,
    clear: () => opt.zeroGrad(),
    dispose: () => { opt.zeroGrad(); torch.dispose([...params, x, y]); },
  };
}

async function tfjsTrainer(peer, weights, data) {
  await activate(peer);
  if (peer === "tfjs-wasm") registerWasmConv2DBackpropFilter();
  const vars = toTfjs(weights).map(({ shape, data: d }) => tf.variable(tf.tensor(d, shape)));
  const [c1w, c1b, c2w, c2b, f1w, f1b, f2w, f2b] = vars;
  // NCHW with one channel is NHWC with one channel: the same numbers
  const x = tf.tensor4d(data.x, [BATCH, 28, 28, 1]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, "int32"), 10), "float32"));
  // PyTorch's Adam: eps 1e-8 (tfjs's default is the backend's epsilon, 1e-7)
  const opt = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  const loss = () => {
    let h = tf.fused.conv2d({ x, filter: c1w, strides: 1, pad: "same", bias: c1b, activation: "relu" });
    h = tf.maxPool(h, 2, 2, "valid");
    h = tf.fused.conv2d({ x: h, filter: c2w, strides: 1, pad: "same", bias: c2b, activation: "relu" });
    h = tf.maxPool(h, 2, 2, "valid");
    h = tf.reshape(h, [BATCH, 784]);
    h = tf.fused.matMul({ a: h, b: f1w, bias: f1b, activation: "relu" });
    h = tf.fused.matMul({ a: h, b: f2w, bias: f2b });
    return tf.losses.softmaxCrossEntropy(y, h);
  };
  return {
    step: () => tf.tidy(() => opt.minimize(loss, true, vars).dataSync()[0]),
    lossAndGrads: () => tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      return { loss: value.dataSync()[0], grads: vars.map((v, i) => fromTfjs(i, grads[v.name].dataSync())) };
    }),
    weights: () => vars.map((v, i) => fromTfjs(i, v.dataSync())),
    memory: tfjsMemory,
    dispose: () => { tf.dispose([...vars, x, y]); opt.dispose(); },
  };
}

function makeTrainer(peer, weights, data) {
  return peer.startsWith("wasmgrad") ? wasmgradTrainer(peer, weights, data) : tfjsTrainer(peer, weights, data);
}

export async function cnnSection(ctx) {
  const out = [];
  if (!ctx.filter || NAME.includes(ctx.filter)) {
    console.log(`\n  ${NAME}`);
    const weights = initialWeights(500);
    // images in [0, 1) as MNIST's grey levels
    const data = { x: random(BATCH * 28 * 28, 501, 0, 1), labels: randomInts(BATCH, 10, 502) };
    const peers = [...WASMGRAD, ...TFJS];
    const seen = new Map();
    for (const peer of peers) {
      const t = await makeTrainer(peer, weights, data);
      const first = t.lossAndGrads();
      const t0 = performance.now();
      const losses = Float64Array.of(t.step(), t.step());
      seen.set(peer, { first, losses, weights: t.weights(), stepMs: (performance.now() - t0) / 2 });
      t.dispose();
    }
    const ref = seen.get("wasmgrad-wasm");
    for (const peer of peers.slice(1)) {
      const s = seen.get(peer);
      check(ctx, "cnn", `${NAME}: loss before the first step (${s.first.loss.toPrecision(6)})`, peer, "wasmgrad-wasm", [s.first.loss], [ref.first.loss], 1e-5);
      PARAMS.forEach((name, i) => {
        check(ctx, "cnn", `${NAME}: gradient of ${name}`, peer, "wasmgrad-wasm", s.first.grads[i], ref.first.grads[i], 1e-5);
      });
      check(ctx, "cnn", `${NAME}: losses of Adam steps 1 and 2 (${Array.from(s.losses, (v) => v.toPrecision(6)).join(", ")})`, peer, "wasmgrad-wasm", s.losses, ref.losses, 1e-5);
      // an Adam step moves each weight by about lr: agreement to 1% of a step
      check(ctx, "cnn", `${NAME}: weights after 2 Adam steps`, peer, "wasmgrad-wasm", concat(s.weights), concat(ref.weights), 1e-5);
    }
    const trainers = [];
    const entries = [];
    for (const peer of peers) {
      const t = await makeTrainer(peer, weights, data);
      trainers.push(t);
      // a peer taking seconds per step (tfjs-cpu: its conv2d filter gradient) is timed over a few steps only
      entries.push({ peer, fn: t.step, activate: () => activate(peer), memory: t.memory, before: t.clear, after: t.clear, slow: seen.get(peer).stepMs > 1000 });
    }
    const slowCtx = { ...ctx, time: 0, warmupTime: 0, minIterations: 3, warmupIterations: 1 };
    const timed = [
      ...(await timeRow(ctx, entries.filter((e) => !e.slow))),
      ...(entries.some((e) => e.slow) ? await timeRow(slowCtx, entries.filter((e) => e.slow)) : []),
    ];
    const results = entries.map((e) => timed.find((r) => r.peer === e.peer));
    ctx.noteMemory("cnn", NAME, results);
    for (const t of trainers) t.dispose();
    out.push({ name: NAME, results });
  }
  return {
    title: "CNN training step (forward + cross-entropy + backward + Adam update, float32, one thread)",
    note: "Median time of one step of examples/mnist.ts's model on a batch of 64 28x28 images, the loss read back as a number. " +
      "Same initial weights and data for every peer; the loss, every gradient, and the weights after two Adam steps checked below. " +
      "tfjs in NHWC with its fused conv2d+bias+relu and matMul+bias+relu; tfjs-backend-wasm has no Conv2DBackpropFilter kernel, " +
      "so the bench registers one that runs its native Conv3DBackpropFilterV2 on a depth-1 view. A peer taking over a second per step is timed over 3 steps. " +
      "Ratio = time / wasmgrad-wasm's.",
    header: ["model", "implementation", "median per step", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtTime),
    unit: fmtTime,
    cases: out,
  };
}
