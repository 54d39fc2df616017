/**
 * torch.utils.checkpoint (PyTorch's reentrant CheckpointFunction): run `fn` without
 * recording, so none of its intermediates is kept, and in backward run it again with
 * recording on and backpropagate through that fresh graph. The same gradients as
 * calling `fn` directly, for the memory of its inputs and outputs only. Parameters `fn`
 * uses without taking them as arguments (a module's weights) get their gradients from
 * the inner backward, as in PyTorch.
 */
import { Function as AutogradFunction, type FunctionCtx } from "../autograd/function.js";
import { backward as autogradBackward } from "../autograd/grad.js";
import { enableGrad } from "../autograd/grad_mode.js";
import { getRngState, setRngState } from "../creation.js";
import { Tensor } from "../tensor.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

type CheckpointFn = (...args: any[]) => Tensor | Tensor[];

class CheckpointFunction extends AutogradFunction {
  static forward(ctx: FunctionCtx, run: CheckpointFn, ...args: unknown[]): Tensor | Tensor[] {
    ctx.run = run;
    ctx.rngState = getRngState(); // random ops (dropout) draw the same numbers when run again
    ctx.args = args.map((a) => (a instanceof Tensor ? null : a));
    ctx.saveForBackward(...args.map((a) => (a instanceof Tensor ? a : null)));
    return refusePromise("checkpoint()", "the function", run(...args), "graph");
  }

  static backward(ctx: FunctionCtx, ...gradOutputs: (Tensor | null)[]): (Tensor | null)[] {
    const saved = ctx.savedTensors as (Tensor | null)[];
    const inputs = (ctx.args as unknown[]).map((a, i) => {
      const t = saved[i];
      return t === null || t === undefined ? a : t.detach().requiresGrad_(t.requiresGrad);
    });
    const outer = getRngState();
    setRngState(ctx.rngState as Uint32Array);
    let outputs: Tensor | Tensor[];
    try {
      outputs = enableGrad(() => refusePromise("checkpoint()", "the function", (ctx.run as CheckpointFn)(...inputs), "graph"));
    } finally {
      setRngState(outer);
    }
    const outs = Array.isArray(outputs) ? outputs : [outputs];
    const withGrad: Tensor[] = [], grads: Tensor[] = [];
    outs.forEach((o, i) => {
      const g = gradOutputs[i];
      if (o instanceof Tensor && o.requiresGrad && g != null) { withGrad.push(o); grads.push(g); }
    });
    if (withGrad.length === 0) {
      throw new Error("none of output has requires_grad=True, this checkpoint() is not necessary");
    }
    autogradBackward(withGrad, grads);
    return [null, ...inputs.map((t) => (t instanceof Tensor ? t.grad : null))];
  }
}

/**
 * Run `fn(...args)` without keeping its intermediates for backward; they are computed again when
 * the gradient reaches this point (`torch.utils.checkpoint.checkpoint` with `use_reentrant=True`).
 * The same gradients as calling `fn` directly, for the memory of its inputs and outputs only;
 * random ops draw the same numbers when run again. Parameters `fn` uses without taking them as
 * arguments (a module's weights) get their gradients too.
 *
 * @param fn - Returns a tensor or an array of tensors.
 * @param args - Passed to `fn`; at least one tensor should require grad (a warning is printed
 *   otherwise).
 * @returns What `fn` returns.
 * @throws `TypeError` when `fn` is not a function, is async, or returns a Promise (`fn` runs again
 *   during backward, so it must be synchronous).
 * @example
 * ```ts
 * const y = torch.utils.checkpoint((h: torch.Tensor) => block.call(h), x);
 * ```
 */
export function checkpoint<R extends Tensor | Tensor[]>(fn: (...args: any[]) => R, ...args: unknown[]): R {
  if (typeof fn !== "function") throw new TypeError(`checkpoint(fn, ...args): fn must be a function, got ${typeof fn}`);
  refuseAsync("checkpoint()", "the function", fn, "graph");
  if (!args.some((a) => a instanceof Tensor && a.requiresGrad)) {
    console.warn("None of the inputs have requires_grad=True. Gradients will be None");
  }
  return (CheckpointFunction.apply as (...a: unknown[]) => R)(fn, ...args);
}
