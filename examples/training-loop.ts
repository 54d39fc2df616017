// A training loop written as PyTorch code is written: fit a small MLP to a noisy sine wave,
// with mini-batches, Adam, a held-out validation set evaluated under noGrad, and a
// prediction at the end. No tidy and no dispose: memory stays bounded without them (see the
// README's Memory section); wrap a step in torch.tidy(() => ...) for the fastest loop.
//
// In your project: `import * as torch from "wasmgrad"`, compile with tsc (module NodeNext)
// or any TypeScript runner. In this repository: `npm run build`, then
// `npx tsc -p examples && node examples/out/training-loop.js`.
import * as torch from "wasmgrad";

torch.manualSeed(0);

// data: y = sin(x) + noise on [-3, 3], shuffled, then split 80/20
const N = 1000;
const x = torch.rand(N, 1).mul(6).sub(3);
const y = x.sin().add(torch.randn(N, 1).mul(0.1));
const split = Math.floor(N * 0.8);
const [xTrain, yTrain] = [x.index([0, split], null), y.index([0, split], null)];
const [xVal, yVal] = [x.index([split, N], null), y.index([split, N], null)];

const model = new torch.nn.Sequential(
  new torch.nn.Linear(1, 32), new torch.nn.Tanh(),
  new torch.nn.Linear(32, 32), new torch.nn.Tanh(),
  new torch.nn.Linear(32, 1),
);
const lossFn = new torch.nn.MSELoss();
const optimizer = new torch.optim.Adam(model.parameters(), { lr: 0.01 });
const batchSize = 50;

for (let epoch = 1; epoch <= 30; epoch++) {
  model.train();
  let trainLoss = 0;
  for (let start = 0; start < split; start += batchSize) {
    const inputs = xTrain.index([start, start + batchSize], null);
    const targets = yTrain.index([start, start + batchSize], null);
    optimizer.zeroGrad();
    const loss = lossFn.call(model.call(inputs), targets);
    loss.backward();
    optimizer.step();
    trainLoss += loss.item() * inputs.size(0);
  }
  model.eval();
  const valLoss = torch.noGrad(() => lossFn.call(model.call(xVal), yVal).item());
  if (epoch === 1 || epoch % 5 === 0) {
    console.log(`epoch ${String(epoch).padStart(2)}  train loss ${(trainLoss / split).toFixed(4)}  validation loss ${valLoss.toFixed(4)}`);
  }
}

const probe = torch.tensor([[-Math.PI / 2], [0], [Math.PI / 2]]);
const predicted = torch.noGrad(() => model.call(probe));
console.log(`predicted sin(-pi/2), sin(0), sin(pi/2): ${[0, 1, 2].map((i) => predicted.index(i, 0).item().toFixed(3)).join(", ")}`);
