/**
 * nn.functional.pad: constant, reflect, replicate and circular padding with PyTorch 1.13's
 * semantics (src/ops/pad.ts holds the ops).
 * @module
 */
import type { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { circularPad, constantPadNd, indexPad } from "../ops/pad.js";

/** Options of {@link pad}. */
export interface PadOptions {
  /** `"constant"` (default), `"reflect"`, `"replicate"` or `"circular"`. */
  mode?: "constant" | "reflect" | "replicate" | "circular";
  /** The fill value of `"constant"` (default 0); the other modes refuse a non-zero one. */
  value?: number;
}

/**
 * Pad `input` (PyTorch's `F.pad`). `pads` lists `[left, right]` pairs from the last dim backwards
 * (`[left, right, top, bottom, front, back]`); a negative pad crops. `"constant"` pads any number
 * of dims of any dtype (`ConstantPadNdBackward0`); `"reflect"` and `"replicate"` pad the last 1, 2
 * or 3 dims of a (k+1)- or (k+2)-D float tensor (`ReflectionPad2DBackward0`, ...; reflect's pads
 * must be smaller than the dim); `"circular"` wraps around the dims after the first two.
 *
 * @throws PyTorch's messages: `Padding length must be divisible by 2`, `Padding length too
 *   large`, `Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now`, `Padding
 *   mode "reflect" doesn't take in value argument`, each mode's size checks.
 * @example
 * ```ts
 * F.pad(torch.tensor([[1, 2, 3]]), [2, 1], { mode: "reflect" }); // tensor([[3., 2., 1., 2., 3., 2.]])
 * ```
 */
export function pad(input: Tensor, pads: number[], opts?: PadOptions): Tensor {
  A.checkTensor("pad", "input", 1, input);
  if (!Array.isArray(pads) || !pads.every((p) => typeof p === "number" && Number.isInteger(p))) {
    throw A.argError("pad", "pad", 2, "tuple of ints", pads);
  }
  A.checkOptions("pad", opts, { mode: "string", value: "number" });
  const mode = opts?.mode ?? "constant";
  if (pads.length % 2 !== 0) throw new Error("Padding length must be divisible by 2");
  if (pads.length > input.ndim * 2) throw new Error("Padding length too large");
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate" && mode !== "circular") {
    throw new Error(`Unrecognised padding mode ${String(mode)}`);
  }
  if (mode === "constant") return constantPadNd(input, pads, opts?.value ?? 0);
  if (opts?.value !== undefined && opts.value !== 0) throw new Error(`Padding mode "${mode}" doesn't take in value argument`);
  const k = pads.length / 2, nd = input.ndim;
  if (k >= 1 && k <= 3 && (nd === k + 1 || nd === k + 2)) {
    return mode === "circular" ? circularPad(input, pads) : indexPad(mode, input, pads);
  }
  throw new Error("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
}
