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

// Starting the core by hand, as a bundler user does.
import * as core from "wasmgrad/core";
import wasm from "wasmgrad/wasmgrad.wasm";
// the .wasm import is a Module, bytes or a URL, depending on the bundler (types/wasmgrad.wasm.d.ts)
await core.init({ module: typeof wasm === "string" ? await WebAssembly.compileStreaming(fetch(wasm)) : wasm });

// The types that exported signatures use can be named.
const a = torch.randn(3, { requiresGrad: true });
const b = a.mul(2);
const h = torch.randn(2, 3);
const mx: torch.ValuesIndices = h.max(0);
const go: torch.GradOptions = { createGraph: false, allowUnused: true };
const gc: torch.GradcheckOptions = { eps: 1e-6, raiseException: false };
const fo: torch.FunctionalOptions = { createGraph: false };
const hook: torch.TensorHook = (g) => g.mul(2);
const s: torch.Scalar = 1.5;
const handle = a.registerHook(hook);
handle.remove();
console.log(mx, go, gc, fo, s, torch.autograd.grad(b.sum(), a, go));

// Training pieces: optimizers, schedulers, state dicts, data loading; batches are typed.
const adamw = new torch.optim.AdamW(model.parameters(), { lr: 3e-4, weightDecay: 0.1, amsgrad: true });
const sched: torch.optim.lrScheduler.LRScheduler = new torch.optim.lrScheduler.OneCycleLR(adamw, 0.01, { totalSteps: 100 });
const lastLr: number[] = sched.getLastLr();
const osd: torch.optim.OptimizerStateDict = adamw.stateDict();
new torch.optim.RMSprop(model.parameters()).loadStateDict(JSON.parse(JSON.stringify(osd)));
const ds = new torch.utils.data.TensorDataset(torch.randn(10, 3), torch.randn(10, 1));
for (const [xb, yb] of new torch.utils.data.DataLoader(ds, { batchSize: 4, shuffle: true })) {
  const batchLoss: torch.Tensor = torch.nn.functional.mseLoss(model.call(xb!), yb!);
  console.log(batchLoss);
}
const pairs: [torch.Tensor, number][] = [[torch.ones(3), 1]];
for (const [xb, labels] of new torch.utils.data.DataLoader(pairs, { batchSize: 2 })) {
  const both: [torch.Tensor, torch.Tensor] = [xb, labels];
  console.log(both);
}
console.log(lastLr, torch.nn.utils.clipGradNorm_(model.parameters(), 1.0).item());
torch.nn.init.kaimingUniform_(torch.empty(4, 3), { a: Math.sqrt(5) });
torch.nn.init.normal_(torch.empty(4, 3), 0, 0.02);
// @ts-expect-error a scheduler's getLastLr takes no argument
sched.getLastLr(0);

// Internals are stripped from the published declarations (stripInternal, `@internal`):
// each line below must be a type error, or its directive is unused and the check fails.
// @ts-expect-error Tensor storage is internal
x._storage;
// @ts-expect-error the version counter is internal
x._version;
// @ts-expect-error the live-grad read is internal
x._liveGrad();
// @ts-expect-error graph edges are internal: nextFunctions is the public view
y.gradFn!.next;
// @ts-expect-error node pre-hooks are internal: registerHook is the public way
y.gradFn!.addPreHook((g: torch.Tensor) => g);
// @ts-expect-error module registration internals
model._own();
// @ts-expect-error a tensor's grad_fn is read-only for users, as in PyTorch
x.gradFn = null;
// @ts-expect-error addmm is the library's own (used by linear)
torch.nn.functional.addmm(x, x, x);
