// PyTorch's "Autograd: automatic differentiation" tutorial (Deep Learning with
// PyTorch: a 60 Minute Blitz, PyTorch 1.x), replayed line for line with
// wasmgrad on both backends. Each Python line is quoted above its TypeScript
// spelling; the output is what the PyTorch notebook prints, except that a
// grad_fn prints as `<AddBackward0 object>` without PyTorch's memory address.
//
// Run with `npm start` (builds first), or `node demo/walkthrough.js` after
// `npm run build`. "wasmgrad" resolves to this package's own dist/ through the
// "exports" of package.json (Node's package self-reference).
import * as torch from "wasmgrad";

// Python prints booleans as True / False.
const py = (flag) => (flag ? "True" : "False");

function walkthrough(backend) {
  torch.setBackend(backend);
  torch.manualSeed(0); // randn lines are deterministic within wasmgrad (not equal to PyTorch's stream)
  console.log(`=== wasmgrad autograd walkthrough: backend ${torch.getBackend()} ===`);

  // x = torch.ones(2, 2, requires_grad=True)
  // print(x)
  let x = torch.ones(2, 2, { requiresGrad: true });
  console.log(x);

  // y = x + 2
  // print(y)
  let y = x.add(2);
  console.log(y);

  // print(y.grad_fn)
  console.log(String(y.gradFn));

  // z = y * y * 3
  // out = z.mean()
  // print(z, out)
  const z = y.mul(y).mul(3);
  const out = z.mean();
  console.log(z, out);

  // a = torch.randn(2, 2)
  // a = ((a * 3) / (a - 1))
  // print(a.requires_grad)
  // a.requires_grad_(True)
  // print(a.requires_grad)
  // b = (a * a).sum()
  // print(b.grad_fn)
  let a = torch.randn(2, 2);
  a = a.mul(3).div(a.sub(1));
  console.log(py(a.requiresGrad));
  a.requiresGrad_(true);
  console.log(py(a.requiresGrad));
  const b = a.mul(a).sum();
  console.log(String(b.gradFn));

  // out.backward()
  // print(x.grad)
  out.backward();
  console.log(x.grad);

  // x = torch.randn(3, requires_grad=True)
  // y = x * 2
  // while y.data.norm() < 1000:
  //     y = y * 2
  // print(y)
  x = torch.randn(3, { requiresGrad: true });
  y = x.mul(2);
  while (y.data.norm().item() < 1000) {
    y = y.mul(2);
  }
  console.log(y);

  // v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
  // y.backward(v)
  // print(x.grad)
  const v = torch.tensor([0.1, 1.0, 0.0001], { dtype: torch.float32 });
  y.backward(v);
  console.log(x.grad);

  // print(x.requires_grad)
  // print((x ** 2).requires_grad)
  // with torch.no_grad():
  //     print((x ** 2).requires_grad)
  console.log(py(x.requiresGrad));
  console.log(py(x.pow(2).requiresGrad));
  torch.noGrad(() => {
    console.log(py(x.pow(2).requiresGrad));
  });

  // print(x.requires_grad)
  // y = x.detach()
  // print(y.requires_grad)
  // print(x.eq(y).all())
  console.log(py(x.requiresGrad));
  y = x.detach();
  console.log(py(y.requiresGrad));
  console.log(x.eq(y).all());
}

walkthrough("wasm");
console.log();
walkthrough("js");
