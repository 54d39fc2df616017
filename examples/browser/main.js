// Trains a small classifier in the page and draws what it learned. Plain JavaScript
// modules, no build step; see index.html for the import map.
import * as torch from "wasmgrad/core";

const log = document.getElementById("log");
const canvas = document.getElementById("plot");
const say = (line) => { log.textContent += `${line}\n`; };

// compileStreaming compiles while the binary downloads (the server must send .wasm files
// as application/wasm, as most do)
const wasmUrl = import.meta.resolve("wasmgrad/wasmgrad.wasm");
await torch.init({ module: await WebAssembly.compileStreaming(fetch(wasmUrl)) });
const backend = new URLSearchParams(location.search).get("backend") === "js" ? "js" : "wasm";
torch.setBackend(backend);
say(`backend: ${torch.getBackend()}`);

// data: three interleaved spirals in [-1, 1]², 200 points each, shuffled
const CLASSES = 3, PER_CLASS = 200;
torch.manualSeed(0);
const noise = torch.randn(CLASSES * PER_CLASS).mul(0.2).toArray();
const order = torch.rand(CLASSES * PER_CLASS).toArray();
const data = [];
for (let c = 0; c < CLASSES; c++) {
  for (let i = 0; i < PER_CLASS; i++) {
    const r = i / PER_CLASS, t = c * 4 + r * 4 + noise[c * PER_CLASS + i];
    data.push({ xy: [r * Math.sin(t), r * Math.cos(t)], label: c, key: order[c * PER_CLASS + i] });
  }
}
data.sort((a, b) => a.key - b.key);
const inputs = torch.tensor(data.map((d) => d.xy));
const labels = torch.tensor(data.map((d) => d.label), { dtype: "int32" });

const model = new torch.nn.Sequential(
  new torch.nn.Linear(2, 64), new torch.nn.ReLU(),
  new torch.nn.Linear(64, 64), new torch.nn.ReLU(),
  new torch.nn.Linear(64, CLASSES),
);
const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01 });

// the plot: each pixel of the 100x100 canvas is a point of [-1, 1]², coloured by the predicted class
const SIZE = canvas.width;
const grid = [];
for (let py = 0; py < SIZE; py++) for (let px = 0; px < SIZE; px++) grid.push([(px / SIZE) * 2 - 1, 1 - (py / SIZE) * 2]);
const gridPoints = torch.tensor(grid);
const COLORS = [[255, 200, 200], [200, 230, 200], [200, 210, 255]];
const DOTS = [[200, 30, 30], [30, 140, 30], [30, 60, 220]];
const ctx2d = canvas.getContext("2d");

function draw() {
  const predicted = torch.noGrad(() => model.call(gridPoints).argmax(1)).toArray();
  const image = ctx2d.createImageData(SIZE, SIZE);
  predicted.forEach((c, i) => image.data.set([...COLORS[c], 255], i * 4));
  for (const d of data) {
    const px = Math.round(((d.xy[0] + 1) / 2) * (SIZE - 1)), py = Math.round(((1 - d.xy[1]) / 2) * (SIZE - 1));
    image.data.set([...DOTS[d.label], 255], (py * SIZE + px) * 4);
  }
  ctx2d.putImageData(image, 0, 0);
}

const EPOCHS = 15, BATCH = 50;
const stepMs = [];
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  let total = 0, batches = 0;
  for (let start = 0; start < data.length; start += BATCH) {
    const t0 = performance.now();
    optimizer.zeroGrad();
    const loss = torch.nn.functional.crossEntropy(model.call(inputs.index([start, start + BATCH], null)), labels.index([start, start + BATCH]));
    loss.backward();
    optimizer.step();
    stepMs.push(performance.now() - t0);
    total += loss.item();
    batches++;
  }
  const accuracy = torch.noGrad(() => model.call(inputs).argmax(1).eq(labels).float().mean().item());
  say(`epoch ${String(epoch).padStart(2)}/${EPOCHS}  loss ${(total / batches).toFixed(4)}  accuracy ${(accuracy * 100).toFixed(1)}%`);
  draw();
  await new Promise((resolve) => setTimeout(resolve, 0)); // let the page paint
}
stepMs.sort((a, b) => a - b);
say(`median training step: ${stepMs[stepMs.length >> 1].toFixed(2)} ms on ${backend}`);
document.body.dataset.status = "done";
