// Type-checked against the CommonJS declarations (dist/cjs/*.d.ts through the "require"
// condition of package.json "exports"), never run.
import torch = require("wasmgrad");

const x = torch.ones(2, 2, { requiresGrad: true });
x.mul(3).sum().backward();
const g: torch.Tensor | null = x.grad;
const model = new torch.nn.Linear(2, 1);
const opt = new torch.optim.Adam(model.parameters(), { lr: 1e-3 });
opt.zeroGrad();
torch.nn.functional.mseLoss(model.call(x), torch.zeros(2, 1)).backward();
opt.step();
console.log(g, torch.memory().bytesInUse);
// @ts-expect-error internals are stripped from the CommonJS declarations too
x._storage;
