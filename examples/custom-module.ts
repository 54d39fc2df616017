// A model of your own: a class extending torch.nn.Module. As in PyTorch, tensors that
// require grad and modules assigned to its properties are registered by name (fc1.weight,
// blocks.0.fc.bias...), so parameters(), stateDict(), train()/eval() and printing find them.
// `forward` is what `model.call(x)` runs (PyTorch's `model(x)`).
//
// In this repository: `npm run build`, then `npx tsc -p examples && node examples/out/custom-module.js`.
import * as torch from "wasmgrad";

const { nn } = torch;
type Tensor = torch.Tensor;

/** x + fc(relu(x)): a residual block. */
class ResidualBlock extends nn.Module {
  fc: torch.nn.Linear;
  constructor(width: number) {
    super();
    this.fc = new nn.Linear(width, width);
  }
  override forward(x: Tensor): Tensor {
    return x.add(this.fc.call(x.relu()));
  }
}

/** Input layer, a list of residual blocks (an array of modules is a ModuleList), and a
 *  learnable output scale: a parameter made by hand (a leaf tensor that requires grad). */
class ResidualMLP extends nn.Module {
  input: torch.nn.Linear;
  blocks: ResidualBlock[];
  output: torch.nn.Linear;
  scale: Tensor;
  constructor(inFeatures: number, width: number, depth: number, classes: number) {
    super();
    this.input = new nn.Linear(inFeatures, width);
    this.blocks = Array.from({ length: depth }, () => new ResidualBlock(width));
    this.output = new nn.Linear(width, classes);
    this.scale = torch.ones(1, { requiresGrad: true });
  }
  override forward(x: Tensor): Tensor {
    let h = this.input.call(x);
    for (const block of this.blocks) h = block.call(h);
    return this.output.call(h.relu()).mul(this.scale);
  }
}

torch.manualSeed(0);
const model = new ResidualMLP(2, 16, 2, 2);
console.log(String(model));
for (const [name, p] of model.namedParameters()) console.log(`${name.padEnd(18)} ${JSON.stringify(p.shape)}`);
const count = model.parameters().reduce((n, p) => n + p.numel(), 0);
console.log(`parameters: ${count}`);

// two classes of about the same size: inside or outside the circle of radius 1.58
const points = torch.rand(512, 2).mul(4).sub(2);
const labels = points.pow(2).sum(1).lt(2.5).int();
const optimizer = new torch.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const accuracy = () => torch.noGrad(() => model.call(points).argmax(1).eq(labels).float().mean().item());
console.log(`accuracy before training: ${(accuracy() * 100).toFixed(1)}%`);
for (let step = 1; step <= 200; step++) {
  optimizer.zeroGrad();
  const loss = torch.nn.functional.crossEntropy(model.call(points), labels);
  loss.backward();
  optimizer.step();
  if (step % 50 === 0) console.log(`step ${step}  loss ${loss.item().toFixed(4)}`);
}
console.log(`accuracy after training: ${(accuracy() * 100).toFixed(1)}%`);

// stateDict() copies out the weights; a fresh model loads them and agrees exactly
const copy = new ResidualMLP(2, 16, 2, 2);
copy.loadStateDict(model.stateDict());
const same = torch.noGrad(() => copy.call(points).eq(model.call(points)).all().item());
console.log(`a copy loaded from stateDict() gives the same outputs: ${same}`);
