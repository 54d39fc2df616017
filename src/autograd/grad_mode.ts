/** Global grad mode: whether ops record the graph (PyTorch's GradMode). */
let enabled = true;

export function isGradEnabled(): boolean { return enabled; }

export function setGradEnabled(flag: boolean): void { enabled = !!flag; }

/** A guard that restores the previous mode; works with `using` (Symbol.dispose). */
export interface GradModeGuard { [Symbol.dispose](): void; restore(): void }

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

/** `noGrad(fn)` runs fn with recording off; `noGrad()` returns a guard for `using`. */
export function noGrad<T>(fn: () => T): T;
export function noGrad(): GradModeGuard;
export function noGrad<T>(fn?: () => T): T | GradModeGuard {
  return fn === undefined ? guardFor(false) : runWith(false, fn);
}

/** `enableGrad(fn)` runs fn with recording on; `enableGrad()` returns a guard for `using`. */
export function enableGrad<T>(fn: () => T): T;
export function enableGrad(): GradModeGuard;
export function enableGrad<T>(fn?: () => T): T | GradModeGuard {
  return fn === undefined ? guardFor(true) : runWith(true, fn);
}
