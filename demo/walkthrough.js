// What `npm start` runs: a tour of wasmgrad, then a short training run on both backends.
//
// 1. The tour: each line of code in TOUR below runs for real (through node:vm, one
//    statement at a time, sharing one scope as a REPL does) and is printed with what it
//    gives as a `// comment` beside it: the value of an expression, or of the variable a
//    declaration made. Nothing shown is written by hand.
// 2. Training: a small MLP learns to tell apart three interleaved spirals, first on the
//    wasm backend, then the same run (same data, same initial weights) on the js backend,
//    with a progress bar on a terminal (one line per epoch otherwise), the loss and
//    accuracy per epoch, and the median time of one training step on each backend.
//
// Run with `npm start` (builds first), or `node demo/walkthrough.js` after `npm run build`.
// "wasmgrad" resolves to this package's own dist/ through the "exports" of package.json.
import * as torch from "wasmgrad";
import { inspect } from "node:util";
import { runInThisContext } from "node:vm";

const tty = process.stdout.isTTY === true;
const color = tty && !process.env.NO_COLOR;
const paint = (code) => (text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = paint("1");
const dim = paint("2");
const green = paint("32");

const TOUR = [
  ["Tensors", `
const a = torch.tensor([[1, 2], [3, 4]]);
a.shape;
a.mul(10).add(torch.tensor([1, 2]));
a.matmul(torch.eye(2).mul(2));
a.sum().item();
a.gt(2);
a.gt(2).any().item();`],
  ["Autograd: PyTorch's 60-minute blitz, in TypeScript", `
const x = torch.ones(2, 2, { requiresGrad: true });
const y = x.add(2);
y.gradFn;
const z = y.mul(y).mul(3);
const out = z.mean();
out.backward();
x.grad;`],
  ["A vector-Jacobian product", `
torch.manualSeed(0);
const w = torch.randn(3, { requiresGrad: true });
let b = w.mul(2);
while (b.data.norm().item() < 1000) b = b.mul(2);
b.backward(torch.tensor([0.1, 1.0, 0.0001]));
w.grad;`],
  ["Turning the recording off: noGrad and detach", `
w.pow(2).requiresGrad;
torch.noGrad(() => w.pow(2).requiresGrad);
const d = w.detach();
d.requiresGrad;
w.eq(d).all();`],
];

/** A value as the tour shows it: tensors and modules as PyTorch prints them. */
const show = (v) => (typeof v === "string" ? JSON.stringify(v) : inspect(v, { depth: 2, breakLength: 60 }));

function heading(title) {
  console.log();
  console.log(bold(`── ${title} ${"─".repeat(Math.max(3, 66 - title.length))}`));
}

function tour() {
  globalThis.torch = torch; // the tour's lines run as scripts, which see globals only
  const all = TOUR.flatMap(([, code]) => code.trim().split("\n"));
  const column = Math.max(...all.map((l) => l.length)) + 2;
  for (const [title, code] of TOUR) {
    heading(title);
    for (const line of code.trim().split("\n")) {
      let value = runInThisContext(line, { filename: "tour" });
      const declared = /^(?:const|let)\s+([A-Za-z_$][\w$]*)\s*=/.exec(line);
      if (declared) value = runInThisContext(declared[1]);
      if (value === undefined) { console.log(line); continue; }
      const shown = show(value).split("\n");
      // beside the code when the terminal is wide enough (always when not a terminal), else under it
      const beside = !tty || column + Math.max(...shown.map((s) => s.length)) + 3 <= (process.stdout.columns ?? 80);
      const pad = beside ? column : 4;
      if (!beside) console.log(line);
      shown.forEach((s, i) => {
        const left = beside && i === 0 ? line.padEnd(pad) : " ".repeat(pad);
        console.log(left + green(`// ${s}`));
      });
    }
  }
}

// ---- training ---------------------------------------------------------------------------------

const CLASSES = 3;
const PER_CLASS = 384;
const BATCH = 64;
const EPOCHS = 12;
const HIDDEN = 128;

/** Three interleaved spirals in the plane (CS231n's toy data set), shuffled; labels 0..2. */
function spirals() {
  torch.manualSeed(1);
  const noise = torch.randn(CLASSES * PER_CLASS).mul(0.2).toArray();
  const points = [];
  for (let c = 0; c < CLASSES; c++) {
    for (let i = 0; i < PER_CLASS; i++) {
      const r = i / PER_CLASS;
      const t = c * 4 + r * 4 + noise[c * PER_CLASS + i];
      points.push({ xy: [r * Math.sin(t), r * Math.cos(t)], label: c });
    }
  }
  const order = torch.rand(points.length).toArray();
  const shuffled = points.map((p, i) => ({ p, k: order[i] })).sort((u, v) => u.k - v.k).map(({ p }) => p);
  return { xy: shuffled.map((p) => p.xy), labels: shuffled.map((p) => p.label) };
}

function makeModel() {
  const { nn } = torch;
  return new nn.Sequential(
    new nn.Linear(2, HIDDEN), new nn.ReLU(),
    new nn.Linear(HIDDEN, HIDDEN), new nn.ReLU(),
    new nn.Linear(HIDDEN, CLASSES),
  );
}

/** One training step: this function's source is what the demo prints. */
function trainStep(model, opt, inputs, labels) {
  opt.zeroGrad();
  const loss = torch.nn.functional.crossEntropy(model.call(inputs), labels);
  loss.backward();
  opt.step();
  return loss;
}

function bar(done, total, width = 30) {
  const full = Math.round((done / total) * width);
  return `[${"█".repeat(full)}${"░".repeat(width - full)}]`;
}

const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Trains on `backend`; returns per-epoch losses and each step's time in ms. */
async function train(backend, data) {
  torch.setBackend(backend);
  torch.manualSeed(2); // the same initial weights on both backends
  const inputs = torch.tensor(data.xy);
  const labels = torch.tensor(data.labels, { dtype: "int32" });
  const model = makeModel();
  const opt = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
  const n = data.labels.length;
  const stepsPerEpoch = Math.ceil(n / BATCH);
  const total = EPOCHS * stepsPerEpoch;
  const stepMs = [];
  const losses = [];
  for (let epoch = 1; epoch <= EPOCHS; epoch++) {
    let sum = 0;
    for (let start = 0; start < n; start += BATCH) {
      const t0 = performance.now();
      const loss = trainStep(model, opt, inputs.index([start, start + BATCH], null), labels.index([start, start + BATCH]));
      stepMs.push(performance.now() - t0);
      sum += loss.item();
      if (tty) process.stdout.write(`\r${backend.padEnd(5)}${bar(stepMs.length, total)} step ${stepMs.length}/${total}`);
    }
    const accuracy = torch.noGrad(() => model.call(inputs).argmax(1).eq(labels).float().mean().item());
    losses.push(sum / stepsPerEpoch);
    if (tty) process.stdout.write("\r\x1b[2K");
    console.log(`${backend.padEnd(5)}epoch ${String(epoch).padStart(2)}/${EPOCHS}  loss ${(sum / stepsPerEpoch).toFixed(4)}  accuracy ${(accuracy * 100).toFixed(1)}%`);
    // between epochs the event loop runs: the garbage collector can report dead tensors
    await new Promise((resolve) => setImmediate(resolve));
  }
  torch.setBackend("wasm");
  return { losses, stepMs };
}

async function training() {
  heading(`Training: an MLP 2-${HIDDEN}-${HIDDEN}-${CLASSES} on three spirals, Adam, batch ${BATCH}`);
  console.log(String(makeModel()));
  console.log();
  console.log(trainStep.toString());
  const data = spirals();
  console.log();
  const wasm = await train("wasm", data);
  console.log();
  const js = await train("js", data);
  const wasmMs = median(wasm.stepMs);
  const jsMs = median(js.stepMs);
  const gap = Math.max(...wasm.losses.map((l, i) => Math.abs(l - js.losses[i])));

  heading("wasm vs js");
  console.log(`the same ${wasm.stepMs.length} steps on both backends; largest gap between their epoch losses: ${gap.toExponential(1)}`);
  console.log(`median step (forward, loss, backward, Adam), measured in this run on this machine:`);
  console.log(`  wasm ${wasmMs.toFixed(3).padStart(8)} ms`);
  console.log(`  js   ${jsMs.toFixed(3).padStart(8)} ms`);
  console.log(bold(`wasm is ${(jsMs / wasmMs).toFixed(1)}x faster than js here (js median / wasm median)`));
}

console.log(bold("wasmgrad: PyTorch's tensors and autograd in TypeScript, on a WebAssembly core"));
console.log(dim("Each line below runs as you read it; the comment beside it is what it gave."));
tour();
await training();
