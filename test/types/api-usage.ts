// Type-checked against the built package (dist/*.d.ts through package.json "exports"), never
// run: API shapes a strict user program writes that the README does not show (the README's
// own code is type-checked and run by test/readme.test.ts; item() typing by item.ts).
import * as torch from "wasmgrad";

const x = torch.ones(2, 2, { requiresGrad: true });
const y = x.add(2);
const [values, indices] = y.max(1);
const clamped = x.clamp(undefined, 1);
y.sum().backward(undefined, { retainGraph: true });
const model = new torch.nn.Sequential(new torch.nn.Linear(3, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 1));
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
const inputs = torch.randn(64, 3);
const loss: torch.Tensor = torch.tidy(() => {
  opt.zeroGrad();
  const l = torch.nn.functional.mseLoss(model.call(inputs), inputs.sum(1, true));
  l.backward();
  opt.step();
  return l;
});
const m: torch.MemoryInfo = torch.memory();
const guard: torch.GradModeGuard = torch.enableGrad();
guard.restore();
console.log(values, indices, clamped, loss, m);
