/** Global grad mode: whether ops record the graph (PyTorch's GradMode). */
import { kindOf } from "../argcheck.js";
import { callSync } from "../callbacks.js";

let enabled = true;

/**
 * Whether ops are recorded for autograd now (`torch.is_grad_enabled`).
 * @category Grad mode
 */
export function isGradEnabled(): boolean { return enabled; }

/**
 * Turn recording of ops for autograd on or off for everything that follows
 * (`torch.set_grad_enabled`).
 *
 * Grad mode is global: PyTorch keeps it per thread, and a JS program has one thread, so it is
 * the mode of every piece of code that runs until it is changed again, including code that runs
 * while another `await`s. Set it only around synchronous code (or use {@link noGrad} with a
 * function), never across an `await`.
 *
 * @throws `TypeError` `enabled must be a bool (got undefined)` for anything but `true` or `false`.
 * @category Grad mode
 */
export function setGradEnabled(flag: boolean): void {
  if (typeof flag !== "boolean") throw new TypeError(`enabled must be a bool (got ${kindOf(flag)})`);
  enabled = flag;
}

/**
 * What {@link noGrad}() and {@link enableGrad}() return without a function: restores the previous
 * grad mode when disposed, so it works with `using`.
 * @category Grad mode
 */
export interface GradModeGuard {
  /** Restore the grad mode that was on when the guard was made (what `using` calls). */
  [Symbol.dispose](): void;
  /** Restore the grad mode that was on when the guard was made. */
  restore(): void;
}

const disposeSymbol: typeof Symbol.dispose = (Symbol as { dispose?: typeof Symbol.dispose }).dispose ?? (Symbol.for("Symbol.dispose") as typeof Symbol.dispose);

interface OpenGuard { prev: boolean }

/** The guards not yet restored, innermost last. */
const openGuards: OpenGuard[] = [];

function guardFor(mode: boolean): GradModeGuard {
  const g: OpenGuard = { prev: enabled };
  openGuards.push(g);
  enabled = mode;
  // Guards restored in order (a `using` block) give PyTorch's nesting. One restored out of order
  // (held across an await while other code made its own) is taken out of the chain: the guard
  // above it inherits the mode to go back to, so the last one restored leaves the mode that was
  // on before the first. Restoring twice does nothing.
  const restore = () => {
    const i = openGuards.lastIndexOf(g);
    if (i < 0) return;
    openGuards.splice(i, 1);
    if (i === openGuards.length) enabled = g.prev;
    else openGuards[i]!.prev = g.prev;
  };
  return { restore, [disposeSymbol]: restore } as GradModeGuard;
}

function runWith<T>(site: string, mode: boolean, fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`${site}: the callback must be a function, not ${kindOf(fn)}`);
  const prev = enabled;
  enabled = mode;
  try { return callSync(site, "the callback", "gradMode", fn); } finally { enabled = prev; }
}

/**
 * Run `fn` with recording off and return its result (`torch.no_grad()`): results do not require
 * grad and no graph is kept. The previous mode is back when `fn` returns or throws.
 *
 * Async code: `fn` must be synchronous. Grad mode is global (PyTorch keeps it per thread; a JS
 * program has one thread), so the ops after an `await` inside `fn` would run with whatever mode is
 * on by then, and code that runs during that `await` would run with recording off. An `async`
 * function is refused before it runs, and a function that returns a Promise when it returns (the
 * previous mode restored). Await outside `noGrad`, and wrap each synchronous step.
 *
 * @throws `TypeError` when `fn` is not a function, is async, or returns a Promise.
 * @example
 * ```ts
 * const y = torch.noGrad(() => w.mul(2)); // y.requiresGrad === false
 * ```
 * @category Grad mode
 */
export function noGrad<T>(fn: () => T): T;
/**
 * Turn recording off until the returned guard is disposed: `using _ = torch.noGrad();` in a block.
 *
 * Async code: do not hold the guard across an `await`. Grad mode is global, so code that runs
 * during the `await` (a training step, say) would run with recording off. Guards restored out of
 * order still leave, once all are restored, the mode that was on before the first.
 * @example
 * ```ts
 * {
 *   using _guard = torch.noGrad();
 *   w.sub_(w.grad!.mul(0.1)); // an in-place update of a leaf, allowed under noGrad
 * }
 * ```
 * @category Grad mode
 */
export function noGrad(): GradModeGuard;
export function noGrad<T>(fn?: () => T): T | GradModeGuard {
  return fn === undefined ? guardFor(false) : runWith("noGrad()", false, fn);
}

/**
 * Run `fn` with recording on (inside a {@link noGrad} region, say) and return its result
 * (`torch.enable_grad()`).
 *
 * Async code: `fn` must be synchronous, as for {@link noGrad}: an `async` function is refused
 * before it runs, a function that returns a Promise when it returns (the previous mode restored).
 *
 * @throws `TypeError` when `fn` is not a function, is async, or returns a Promise.
 * @category Grad mode
 */
export function enableGrad<T>(fn: () => T): T;
/**
 * Turn recording on until the returned guard is disposed (`using _ = torch.enableGrad();`). Do
 * not hold it across an `await` (see {@link noGrad}).
 * @category Grad mode
 */
export function enableGrad(): GradModeGuard;
export function enableGrad<T>(fn?: () => T): T | GradModeGuard {
  return fn === undefined ? guardFor(true) : runWith("enableGrad()", true, fn);
}
