/**
 * Anomaly mode (PyTorch's torch.autograd.detect_anomaly / set_detect_anomaly): while it is
 * on, each graph node remembers where in the program the forward op that made it ran,
 * and a backward pass checks every gradient a node returns: a NaN throws PyTorch's
 * "Function 'SqrtBackward0' returned nan values in its 0th output.", and any error in a
 * node's backward is reported with the forward op's stack, as PyTorch's warning
 * "Error detected in SqrtBackward0. Traceback of forward call that caused the error".
 * Off by default: recording a stack per op costs a few microseconds.
 */
import type { Tensor } from "../tensor.js";
import { noGrad } from "./grad_mode.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

let enabled = false;

/** Whether anomaly mode is on (`torch.is_anomaly_enabled`). */
export function isAnomalyEnabled(): boolean { return enabled; }

/**
 * Turn anomaly mode on or off for everything that follows (`torch.autograd.set_detect_anomaly`).
 * While it is on, each graph node remembers where its forward op ran; a backward pass throws
 * PyTorch's `Function 'SqrtBackward0' returned nan values in its 0th output.` when a node returns
 * NaN, and an error in a node's backward is reported (`console.warn`) with the forward op's stack.
 * Off by default: it costs a stack trace per op.
 *
 * @throws `TypeError` for a non-boolean flag.
 */
export function setDetectAnomaly(flag: boolean): void {
  if (typeof flag !== "boolean") throw new TypeError(`setDetectAnomaly(): flag must be a boolean, got ${typeof flag}`);
  enabled = flag;
}

/**
 * Run `fn` with anomaly mode on and return its result (`torch.autograd.detect_anomaly`); the
 * previous mode is back when it returns or throws. See {@link autograd.setDetectAnomaly}.
 *
 * @throws `TypeError` when `fn` is not a function, is async, or returns a Promise: anomaly mode is
 *   global, so an `await` inside would leave it on for other code (the previous mode is restored).
 * @example
 * ```ts
 * torch.autograd.detectAnomaly(() => x.sqrt().sum().backward()); // throws if a gradient is NaN
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`detectAnomaly(fn): fn must be a function, got ${typeof fn}`);
  refuseAsync("detectAnomaly()", "the callback", fn, "anomaly");
  const prev = enabled;
  enabled = true;
  try { return refusePromise("detectAnomaly()", "the callback", fn(), "anomaly"); } finally { enabled = prev; }
}

/** Where the forward op ran (anomaly mode only): the stack of a fresh Error, minus this frame. */
export function forwardTrace(): string | null {
  if (!enabled) return null;
  const stack = new Error().stack ?? "";
  return stack.split("\n").slice(2).join("\n");
}

/** PyTorch's check of a node's outputs in anomaly mode. */
export function checkNodeOutputs(nodeName: string, grads: readonly (Tensor | null | undefined)[]): void {
  for (let i = 0; i < grads.length; i++) {
    const g = grads[i];
    if (g == null || (g.dtype !== "float32" && g.dtype !== "float64")) continue;
    if (noGrad(() => g.ne(g).any().item())) throw new Error(`Function '${nodeName}' returned nan values in its ${i}th output.`);
  }
}

/** Report an error raised in a node's backward with the forward op's stack (PyTorch warns). */
export function reportAnomaly(nodeName: string, trace: string | null): void {
  if (trace === null) return;
  console.warn(`Error detected in ${nodeName}. Traceback of forward call that caused the error:\n${trace}`);
}
