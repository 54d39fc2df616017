// Custom differentiable ops: subclasses of torch.autograd.Function with a static `forward`
// (runs with recording off) and a static `backward` (gets the gradient of the output, returns
// one gradient per input). Check a hand-written backward with gradcheck: float64 central
// differences against your analytic Jacobian.
//
// In this repository: `npm run build`, then `npx tsc -p examples && node examples/out/custom-function.js`.
import * as torch from "wasmgrad";

type Tensor = torch.Tensor;
type Ctx = torch.FunctionCtx;

/** sqrt(x² + y²), elementwise, with its gradient written by hand: d/dx = x / r, d/dy = y / r. */
class Hypot extends torch.autograd.Function {
  static forward(ctx: Ctx, x: Tensor, y: Tensor): Tensor {
    const r = x.mul(x).add(y.mul(y)).sqrt();
    ctx.saveForBackward(x, y, r);
    return r;
  }
  static backward(ctx: Ctx, grad: Tensor): (Tensor | null)[] {
    const [x, y, r] = ctx.savedTensors;
    // one gradient per forward input; null where that input does not need one
    return [
      ctx.needsInputGrad[0] ? grad.mul(x).div(r) : null,
      ctx.needsInputGrad[1] ? grad.mul(y).div(r) : null,
    ];
  }
}

/** round(x) forward, identity backward: the straight-through estimator of quantized training. */
class RoundStraightThrough extends torch.autograd.Function {
  static forward(_ctx: Ctx, x: Tensor): Tensor {
    // round half away from zero: int() truncates |x| + 0.5, sign() puts the sign back
    return x.abs().add(0.5).int().to(x.dtype).mul(x.sign());
  }
  static backward(_ctx: Ctx, grad: Tensor): Tensor {
    return grad;
  }
}

torch.manualSeed(0);
const x = torch.randn(5, { dtype: "float64", requiresGrad: true });
const y = torch.randn(5, { dtype: "float64", requiresGrad: true });

const r = Hypot.apply(x, y);
console.log(`Hypot.apply(x, y).gradFn: ${r.gradFn!.name()}`);
r.sum().backward();

// the same gradients as autograd finds through the composite expression
const x2 = x.detach().requiresGrad_();
const y2 = y.detach().requiresGrad_();
x2.pow(2).add(y2.pow(2)).sqrt().sum().backward();
const agree = x.grad!.sub(x2.grad!).abs().max().item() < 1e-12 && y.grad!.sub(y2.grad!).abs().max().item() < 1e-12;
console.log(`same gradients as autograd of sqrt(x**2 + y**2): ${agree}`);

// gradcheck: float64 inputs that require grad; true, or a thrown "Jacobian mismatch"
console.log(`gradcheck Hypot: ${torch.autograd.gradcheck((a: Tensor, b: Tensor) => Hypot.apply(a, b), [x, y])}`);
// backward is written with differentiable tensor ops, so second derivatives work too
console.log(`gradgradcheck Hypot: ${torch.autograd.gradgradcheck((a: Tensor, b: Tensor) => Hypot.apply(a, b), [x, y])}`);

// a gradient that is not the derivative: gradcheck reports the mismatch instead of throwing
const w = torch.tensor([0.2, 1.7, -2.6], { dtype: "float64", requiresGrad: true });
const q = RoundStraightThrough.apply(w);
q.sum().backward();
const list = (t: Tensor): string => [...t.toArray()].join(", ");
console.log(`round(${list(w.detach())}) = ${list(q.detach())}; gradient passed straight through: ${list(w.grad!)}`);
const honest = torch.autograd.gradcheck((t: Tensor) => RoundStraightThrough.apply(t), [w], { raiseException: false });
console.log(`gradcheck RoundStraightThrough: ${honest}`);
