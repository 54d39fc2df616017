/** Global grad mode: whether ops record the graph (PyTorch's GradMode). */
let enabled = true;

/**
 * Whether ops are recorded for autograd now (`torch.is_grad_enabled`).
 * @category Grad mode
 */
export function isGradEnabled(): boolean { return enabled; }

/**
 * Turn recording of ops for autograd on or off for everything that follows
 * (`torch.set_grad_enabled`).
 * @category Grad mode
 */
export function setGradEnabled(flag: boolean): void { enabled = !!flag; }

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

function guardFor(mode: boolean): GradModeGuard {
  const prev = enabled;
  enabled = mode;
  const restore = () => { enabled = prev; };
  return { restore, [disposeSymbol]: restore } as GradModeGuard;
}

function runWith<T>(mode: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = mode;
  try { return fn(); } finally { enabled = prev; }
}

/**
 * Run `fn` with recording off and return its result (`torch.no_grad()`): results do not require
 * grad and no graph is kept. The previous mode is back when `fn` returns or throws.
 * @example
 * ```ts
 * const y = torch.noGrad(() => w.mul(2)); // y.requiresGrad === false
 * ```
 * @category Grad mode
 */
export function noGrad<T>(fn: () => T): T;
/**
 * Turn recording off until the returned guard is disposed: `using _ = torch.noGrad();` in a block.
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
  return fn === undefined ? guardFor(false) : runWith(false, fn);
}

/**
 * Run `fn` with recording on (inside a {@link noGrad} region, say) and return its result
 * (`torch.enable_grad()`).
 * @category Grad mode
 */
export function enableGrad<T>(fn: () => T): T;
/**
 * Turn recording on until the returned guard is disposed (`using _ = torch.enableGrad();`).
 * @category Grad mode
 */
export function enableGrad(): GradModeGuard;
export function enableGrad<T>(fn?: () => T): T | GradModeGuard {
  return fn === undefined ? guardFor(true) : runWith(true, fn);
}
