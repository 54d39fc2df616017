// Type-checked against the built package (dist/*.d.ts through package.json "exports"), never run:
// every public name a user writes in the README tour must type-check under strict settings.
import * as torch from "wasmgrad";

const x = torch.ones(2, 2, { requiresGrad: true });
const y = x.add(2);
console.log(String(y.gradFn), y.gradFn!.name());
const z = y.mul(y).mul(3);
const out = z.mean();
out.backward();
console.log(x.grad);
torch.manualSeed(0);
const a = torch.randn(3, { requiresGrad: true });
let b = a.mul(2);
while ((b.data.norm().item() as number) < 1000) b = b.mul(2);
b.backward(torch.tensor([0.1, 1.0, 0.0001], { dtype: torch.float32 }));
const c = torch.randn(2, 2).requiresGrad_();
console.log(c.mul(c).sum().gradFn!.name(), torch.noGrad(() => a.pow(2).requiresGrad), a.eq(a.detach()).all());
const w = torch.randn([3, 2], { requiresGrad: true });
const h = torch.matmul(torch.rand(4, 3), w).relu().logSoftmax(1);
const { values, indices } = h.max(1);
const [v2, i2] = h.max(1);
const [gw] = torch.autograd.grad(values.sum(), [w], { createGraph: true });
{
  using _guard = torch.noGrad();
}
torch.setBackend("js");
class Exp extends torch.autograd.Function {
  static forward(ctx: torch.FunctionCtx, x: torch.Tensor) { const r = x.exp(); ctx.saveForBackward(r); return r; }
  static backward(ctx: torch.FunctionCtx, g: torch.Tensor) { const [r] = ctx.savedTensors; return g.mul(r!); }
}
const xs = torch.randn(3, { dtype: "float64", requiresGrad: true });
const e = Exp.apply(xs);
torch.autograd.gradcheck((t: torch.Tensor) => Exp.apply(t), [xs]);
const hes = torch.autograd.functional.hessian((t: torch.Tensor) => t.pow(3).sum(), xs);
console.log(torch.viz.toDot(e.sum()), hes, gw, indices, v2, i2);
const model = new torch.nn.Sequential(new torch.nn.Linear(3, 8), new torch.nn.ReLU(), new torch.nn.Linear(8, 1));
const opt = new torch.optim.SGD(model.parameters(), { lr: 0.1 });
const xx = torch.randn(64, 3);
const target = xx.sum(1, true);
torch.tidy(() => {
  opt.zeroGrad();
  const loss = torch.nn.functional.mseLoss(model.call(xx), target);
  loss.backward();
  opt.step();
});
const m: torch.MemoryInfo = torch.memory();
console.log(m, x.clamp(undefined, 1), y.backward(undefined, { retainGraph: true }));
import * as core from "wasmgrad/core";
import wasm from "wasmgrad/wasmgrad.wasm";
// the .wasm import is a Module, bytes or a URL, depending on the bundler (types/wasmgrad.wasm.d.ts)
await core.init({ module: typeof wasm === "string" ? await WebAssembly.compileStreaming(fetch(wasm)) : wasm });
