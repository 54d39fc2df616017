// Section 2: per-op overhead on tiny tensors (4 elements), where the arithmetic is nothing
// and the time is dispatch, allocation and (with grad) graph recording.
//
// One timed iteration = a chain of OPS ops inside the library's tidy, then the last result
// read back; the table shows the median divided by OPS, in ns per op.
//   - "no grad": operands do not require grad (tfjs records nothing outside tf.grad either);
//   - "recording": the chain starts from a leaf that requires grad, so wasmgrad builds the
//     graph (forward only). tfjs has no public forward-only recording mode (its tape runs
//     only inside tf.grad / variableGrads), so it has no entry there;
//   - "fwd+bwd": OPS/2 adds and OPS/2 muls, a sum, backward, and the gradient read back;
//     tfjs does the same with tf.grad. Per op = median / OPS.
import { torch, tf, activate, WASMGRAD, TFJS, wasmgradMemory, tfjsMemory } from "./peers.js";
import { random, timeRow, check, resultRows, fmtNs } from "./lib.js";

const OPS = 100;

export async function perOpSection(ctx) {
  const A = random(4, 11), B = random(4, 12, 0.99, 1.01), C = random(4, 13, -0.01, 0.01);
  const rowsSpec = [
    { name: "add [4]+[4], no grad", kind: "chain", op: "add", grad: false },
    { name: "mul [4]*[4], no grad", kind: "chain", op: "mul", grad: false },
    { name: "add [4]+[4], recording", kind: "chain", op: "add", grad: true },
    { name: "mul [4]*[4], recording", kind: "chain", op: "mul", grad: true },
    { name: "add/mul [4] chain, fwd+bwd", kind: "fwdbwd" },
  ];
  const peers = [...WASMGRAD, ...TFJS];
  const out = [];
  for (const spec of rowsSpec) {
    if (ctx.filter && !spec.name.includes(ctx.filter)) continue;
    console.log(`\n  ${spec.name}`);
    const entries = [];
    const outputs = new Map();
    const made = [];
    for (const peer of peers) {
      await activate(peer);
      if (peer.startsWith("wasmgrad")) {
        const a = torch.fromArray(A, [4], { requiresGrad: spec.kind === "fwdbwd" || spec.grad });
        const b = torch.fromArray(spec.op === "add" ? C : B, [4]);
        const c = torch.fromArray(C, [4]), d = torch.fromArray(B, [4]);
        made.push(() => torch.dispose([a, b, c, d]));
        let fn;
        if (spec.kind === "chain") {
          const op = spec.op;
          fn = () => torch.tidy(() => {
            let r = a;
            for (let i = 0; i < OPS; i++) r = r[op](b);
            return r.toArray();
          });
        } else {
          fn = () => torch.tidy(() => {
            let r = a;
            for (let i = 0; i < OPS / 2; i++) r = r.add(c).mul(d);
            r.sum().backward();
            const g = a.grad.toArray();
            a.grad = null;
            return g;
          });
        }
        outputs.set(peer, fn());
        entries.push({ peer, fn, activate: () => activate(peer), memory: wasmgradMemory });
      } else {
        if (spec.kind === "chain" && spec.grad) {
          entries.push({ peer, skip: true });
          continue;
        }
        const a = tf.tensor1d(A), b = tf.tensor1d(spec.op === "add" ? C : B);
        const c = tf.tensor1d(C), d = tf.tensor1d(B);
        made.push(() => tf.dispose([a, b, c, d]));
        let fn;
        if (spec.kind === "chain") {
          const op = spec.op === "add" ? tf.add : tf.mul;
          fn = () => tf.tidy(() => {
            let r = a;
            for (let i = 0; i < OPS; i++) r = op(r, b);
            return r.dataSync();
          });
        } else {
          const grad = tf.grad((x) => {
            let r = x;
            for (let i = 0; i < OPS / 2; i++) r = tf.mul(tf.add(r, c), d);
            return tf.sum(r);
          });
          fn = () => tf.tidy(() => grad(a).dataSync());
        }
        outputs.set(peer, fn());
        entries.push({ peer, fn, activate: () => activate(peer), memory: tfjsMemory });
      }
    }
    const timed = entries.filter((e) => !e.skip);
    const ref = outputs.get("wasmgrad-wasm");
    for (const e of timed.slice(1)) {
      check(ctx, "per-op", spec.name, e.peer, "wasmgrad-wasm", outputs.get(e.peer), ref, 1e-5);
    }
    const results = await timeRow(ctx, timed);
    ctx.noteMemory("per-op", spec.name, results);
    for (const kill of made) kill();
    const perOp = results.map((r) => ({ ...r, median: (r.median * 1e6) / OPS }));
    for (const e of entries) if (e.skip) perOp.push({ peer: e.peer, median: null, samples: 0 });
    out.push({ name: spec.name, results: perOp });
  }
  return {
    title: "Per-op overhead (4-element float32 tensors)",
    note: `Median ns per op, from chains of ${OPS} ops per timed iteration (inside tidy, last result read back). ` +
      "\"recording\": the chain starts from a leaf that requires grad (forward only; tfjs has no public forward-only tape, hence —). " +
      "\"fwd+bwd\": add/mul chain + sum + backward + gradient read back, per op of the chain (tfjs: tf.grad). " +
      "Ratio = time / wasmgrad-wasm's.",
    header: ["op", "implementation", "median per op", "vs wasmgrad-wasm", "samples"],
    rows: resultRows(out, fmtNs),
    unit: fmtNs,
    cases: out,
  };
}
