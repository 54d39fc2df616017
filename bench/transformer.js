// Section: one training step of a small transformer encoder, the model of issue 9's benchmark:
// 2 layers, d_model 64, 4 heads, feed-forward 256 (4 x d_model), sequence 64, batch 16, a causal
// mask, post-norm (PyTorch's default), no dropout (so every peer computes the same numbers), then
// a linear head to 65 classes, cross-entropy against random next-token targets, and an Adam step.
//   wasmgrad: nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, { dimFeedforward: 256,
//             dropout: 0, batchFirst: true }), 2), nn.Linear, F.crossEntropy, optim.Adam.
//   tfjs:     the same layers written with tf ops (tfjs has no transformer layer): in-projection,
//             per-head scaled dot-product attention with the mask added before softmax,
//             out-projection, residual + layer norm (tf.moments), feed-forward with relu;
//             tf.losses.softmaxCrossEntropy and tf.train.adam(...).minimize.
// Every peer starts from the same weights (wasmgrad's own initialisation, copied) and data; the
// check compares the losses of two steps and the weights after them. One timed iteration is one
// step, ending with the loss read back as a number.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory } from "./peers.js";
import { random, randomInts, timeRow, check, resultRows, fmtTime, transpose, concat } from "./lib.js";

const CFG = { layers: 2, d: 64, heads: 4, ff: 256, seq: 64, batch: 16, classes: 65, lr: 1e-3, eps: 1e-5 };
const NAME = `transformer encoder ${CFG.layers} layers, d_model ${CFG.d}, ${CFG.heads} heads, seq ${CFG.seq}, batch ${CFG.batch}`;

function wasmgradModel() {
  const { nn } = torch;
  const layer = new nn.TransformerEncoderLayer(CFG.d, CFG.heads, { dimFeedforward: CFG.ff, dropout: 0, batchFirst: true });
  return new nn.ModuleDict({ encoder: new nn.TransformerEncoder(layer, CFG.layers), head: new nn.Linear(CFG.d, CFG.classes) });
}

/** The initial weights, { name: { shape, data: Float32Array } }, from wasmgrad's initialisation. */
function initialWeights(seed) {
  torch.setBackend("wasm");
  torch.manualSeed(seed);
  const model = wasmgradModel();
  const out = {};
  for (const [k, t] of Object.entries(model.stateDict())) out[k] = { shape: t.shape, data: t.toArray() };
  torch.dispose(model.parameters());
  return out;
}

function wasmgradTrainer(peer, weights, data, useTidy) {
  torch.setBackend(peer.startsWith("wasmgrad-wasm") ? "wasm" : "js");
  const model = wasmgradModel();
  const state = {};
  for (const [k, w] of Object.entries(weights)) state[k] = { shape: w.shape, data: Array.from(w.data) };
  model.loadStateDict(state);
  const params = model.parameters();
  const x = torch.fromArray(data.x, [CFG.batch, CFG.seq, CFG.d]);
  const y = torch.fromArray(data.labels, [CFG.batch * CFG.seq]);
  const mask = torch.nn.Transformer.generateSquareSubsequentMask(CFG.seq);
  const opt = new torch.optim.Adam(params, { lr: CFG.lr });
  const F = torch.nn.functional;
  const step = () => {
    opt.zeroGrad();
    const h = model.get("encoder").call(x, { mask });
    const loss = F.crossEntropy(model.get("head").call(h).reshape(-1, CFG.classes), y);
    loss.backward();
    opt.step();
    return loss.item();
  };
  return {
    step: useTidy ? () => torch.tidy(step) : step,
    weights: () => { const sd = model.stateDict(); return Object.keys(weights).map((k) => sd[k].toArray()); },
    memory: wasmgradMemory,
    clear: () => opt.zeroGrad(),
    dispose: () => { opt.zeroGrad(); torch.dispose([...params, x, y, mask]); },
  };
}

async function tfjsTrainer(peer, weights, data) {
  await activate(peer);
  const { d, heads, seq, batch, classes, eps } = CFG;
  const dh = d / heads;
  // Linear weights stored transposed ([in, out]) so that a layer is x @ W + b
  const vars = {};
  for (const [k, w] of Object.entries(weights)) {
    vars[k] = w.shape.length === 2 ? tf.variable(tf.tensor2d(transpose(w.data, w.shape[0], w.shape[1]), [w.shape[1], w.shape[0]])) : tf.variable(tf.tensor1d(w.data));
  }
  const varList = Object.keys(weights).map((k) => vars[k]);
  const x = tf.tensor3d(data.x, [batch, seq, d]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, "int32"), classes), "float32"));
  const mask = tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([seq, seq]), -1, 0)), -1e9));
  const linear = (h, p) => tf.add(tf.matMul(h.reshape([-1, h.shape.at(-1)]), vars[`${p}.weight`]), vars[`${p}.bias`]);
  const norm = (h, p) => {
    const { mean, variance } = tf.moments(h, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, eps))), vars[`${p}.weight`]), vars[`${p}.bias`]);
  };
  const heads4 = (t) => t.reshape([batch, seq, heads, dh]).transpose([0, 2, 1, 3]);
  const attention = (h, p) => {
    const qkv = tf.add(tf.matMul(h.reshape([-1, d]), vars[`${p}.in_proj_weight`]), vars[`${p}.in_proj_bias`]);
    const [q, k, v] = tf.split(qkv, 3, 1).map(heads4);
    const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), mask);
    const out = tf.matMul(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([-1, d]);
    return linear(out, `${p}.out_proj`).reshape([batch, seq, d]);
  };
  const loss = () => {
    let h = x;
    for (let i = 0; i < CFG.layers; i++) {
      const p = `encoder.layers.${i}`;
      h = norm(tf.add(h, attention(h, `${p}.self_attn`)), `${p}.norm1`);
      const ff = linear(tf.relu(linear(h, `${p}.linear1`)), `${p}.linear2`).reshape([batch, seq, d]);
      h = norm(tf.add(h, ff), `${p}.norm2`);
    }
    return tf.losses.softmaxCrossEntropy(y, linear(h, "head"));
  };
  const opt = tf.train.adam(CFG.lr, 0.9, 0.999, 1e-8);
  return {
    step: () => tf.tidy(() => opt.minimize(loss, true, varList).dataSync()[0]),
    weights: () => Object.entries(weights).map(([k, w]) => {
      const v = vars[k].dataSync();
      return w.shape.length === 2 ? transpose(v, w.shape[1], w.shape[0]) : v.slice();
    }),
    memory: tfjsMemory,
    dispose: () => { tf.dispose([...varList, x, y, mask]); opt.dispose(); },
  };
}

const NO_TIDY = "wasmgrad-wasm (no tidy)";

function makeTrainer(peer, weights, data) {
  if (peer === NO_TIDY) return wasmgradTrainer(peer, weights, data, false);
  if (peer.startsWith("wasmgrad")) return wasmgradTrainer(peer, weights, data, true);
  return tfjsTrainer(peer, weights, data);
}

export async function transformerSection(ctx) {
  const out = [];
  const notes = [];
  if (!ctx.filter || NAME.includes(ctx.filter)) {
    console.log(`\n  ${NAME}`);
    const weights = initialWeights(500);
    const data = { x: random(CFG.batch * CFG.seq * CFG.d, 501, -1, 1), labels: randomInts(CFG.batch * CFG.seq, CFG.classes, 502) };
    const peers = [...WASMGRAD, NO_TIDY, ...TFJS];
    // same work: two steps from identical weights, on fresh trainers
    const seen = new Map();
    for (const peer of [...peers]) {
      const t = await makeTrainer(peer, weights, data);
      try {
        const losses = Float64Array.of(t.step(), t.step());
        seen.set(peer, { losses, weights: t.weights() });
      } catch (e) {
        const why = String(e?.message ?? e).split("\n")[0];
        notes.push(`${peer}: not run (${why})`);
        console.log(`  ${peer}: not run (${why})`);
        peers.splice(peers.indexOf(peer), 1);
      }
      t.dispose();
    }
    const ref = seen.get("wasmgrad-wasm");
    for (const peer of peers.slice(1)) {
      const s = seen.get(peer);
      check(ctx, "transformer", `${NAME}: losses of steps 1 and 2 (${Array.from(s.losses, (v) => v.toPrecision(6)).join(", ")})`, peer, "wasmgrad-wasm", s.losses, ref.losses, 1e-4);
      // Adam's first steps move every weight by about lr whatever the gradient's size, so
      // the weights after two steps agree to a few units of lr * (relative gradient error)
      check(ctx, "transformer", `${NAME}: weights after 2 steps`, peer, "wasmgrad-wasm", concat(s.weights), concat(ref.weights), 1e-4);
    }
    const trainers = [];
    const entries = [];
    for (const peer of peers) {
      const t = await makeTrainer(peer, weights, data);
      trainers.push(t);
      entries.push({ peer, fn: t.step, activate: () => activate(peer.startsWith("wasmgrad-wasm") ? "wasmgrad-wasm" : peer), memory: t.memory, before: t.clear, after: t.clear });
    }
    const results = await timeRow(ctx, entries);
    ctx.noteMemory("transformer", NAME, results.filter((r) => r.peer !== NO_TIDY));
    for (const t of trainers) t.dispose();
    out.push({ name: NAME, results });
  }
  return {
    title: "Transformer training step (forward + cross-entropy + backward + Adam update)",
    note: "Median time of one step, the loss read back as a number; same initial weights and data for every peer (checked below). " +
      "The model: a 2-layer post-norm transformer encoder (d_model 64, 4 heads, feed-forward 256, causal mask, no dropout) on a [16, 64, 64] input, a linear head to 65 classes. " +
      `tfjs has no transformer layer: the same computation written with its ops. "${NO_TIDY}" is the same step without torch.tidy, as PyTorch code is written. ` +
      "Ratio = time / wasmgrad-wasm's." + (notes.length ? ` Not run: ${notes.join("; ")}.` : ""),
    header: ["model", "implementation", "median per step", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtTime),
    unit: fmtTime,
    cases: out,
  };
}

