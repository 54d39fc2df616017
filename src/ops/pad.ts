/**
 * Padding as PyTorch 1.13 pads (aten/src/ATen/native/PadNd.cpp and its kernels): constant_pad_nd
 * (ConstantPadNdBackward0, any dtype, negative pads crop), reflection_pad{1,2,3}d and
 * replication_pad{1,2,3}d (ReflectionPad1DBackward0 ..., float only, with PyTorch's shape checks
 * and messages), and _pad_circular (slice copies into a new tensor, recorded as PyTorch's
 * CopySlices). Reflection and replication are an index map per padded dim: forward gathers
 * along it (index_select kernels), backward scatter-adds back (differentiable again).
 * `pads` run from the last dim backwards: [left, right, top, bottom, front, back].
 */
import { isGradEnabled } from "../autograd/grad_mode.js";
import { dtypeName, isFloating } from "../dtype.js";
import { Tensor } from "../tensor.js";
import { allocTensor, composite, compute, handleOf, record, rule, wantsGrad } from "./core.js";

// ---- constant ----------------------------------------------------------------------------------

// constant_pad_nd_backward: the gradient padded by the negated pads (crops what was added)
const ConstantPadNdBackward = rule<[], number[]>("ConstantPadNdBackward0", (g, _, pads) => [constantPadNd(g, pads.map((p) => -p), 0)]);

/** at::constant_pad_nd: `pads` for the last pads.length / 2 dims, filled with `value` (cast to the dtype). */
export function constantPadNd(x: Tensor, pads: readonly number[], value: number): Tensor {
  const nd = x.ndim, lPad = pads.length / 2, lDiff = nd - lPad;
  if (pads.length % 2 !== 0) throw new Error(`Length of pad must be even but instead it equals ${pads.length}`);
  if (lPad > nd) {
    throw new Error(`Length of pad should be no more than twice the number of dimensions of the input. Pad length is ${pads.length}while the input has ${nd}dimensions.`);
  }
  const out = compute(() => {
    // negative pads narrow the input first (narrow's own messages for too much)
    let cIn = x;
    let allNonPositive = true;
    for (let i = lDiff; i < nd; i++) {
      const p = 2 * (nd - i - 1);
      if (pads[p]! < 0) cIn = cIn.narrow(i, -pads[p]!, x.shape[i]! + pads[p]!);
      else if (pads[p] !== 0) allNonPositive = false;
      if (pads[p + 1]! < 0) cIn = cIn.narrow(i, 0, cIn.shape[i]! + pads[p + 1]!);
      else if (pads[p + 1] !== 0) allNonPositive = false;
    }
    if (allNonPositive) return cIn.clone();
    const shape = x.shape.slice(0, lDiff);
    for (let i = 0; i < lPad; i++) {
      const p = pads.length - (i + 1) * 2;
      const size = x.shape[lDiff + i]!, n = size + pads[p]! + pads[p + 1]!;
      if (!(n > 0)) {
        throw new Error(`The input size ${size}, plus negative padding ${pads[p]} and ${pads[p + 1]} resulted in a negative output size, which is invalid. Check dimension ${lDiff + i} of your input.`);
      }
      shape.push(n);
    }
    const be = x._storage.backend;
    const res = allocTensor(be, x.dtype, shape, false);
    // the fill value as a store converts it (an int32 tensor truncates, bool tests != 0)
    be.fill(res._storage.handle, x.dtype, x.dtype === "int32" ? Math.trunc(value) : value, 0, res.numel());
    let cOut = res;
    for (let i = lDiff; i < nd; i++) {
      const p = 2 * (nd - i - 1);
      if (pads[p]! > 0) cOut = cOut.narrow(i, pads[p]!, cOut.shape[i]! - pads[p]!);
      if (pads[p + 1]! > 0) cOut = cOut.narrow(i, 0, cOut.shape[i]! - pads[p + 1]!);
    }
    be.copy(handleOf(cIn), x.dtype, cIn._offset, cIn._strides, res._storage.handle, x.dtype, cOut._offset, cOut._strides, cIn.shape);
    return res;
  });
  if (wantsGrad(x)) record(out, ConstantPadNdBackward, [x], null, pads.slice());
  return out;
}

// ---- reflection and replication ------------------------------------------------------------------

export type IndexPadMode = "reflect" | "replicate";

interface IndexPadAttrs {
  /** The padded dims, last first (each one's index map is saved: int32, the output's length). */
  dims: number[];
  inShape: number[];
}

/** One dim's map: output position j reads input position map[j]. */
function indexMap(mode: IndexPadMode, size: number, left: number, right: number): Int32Array {
  const n = size + left + right;
  const m = new Int32Array(Math.max(n, 0));
  for (let j = 0; j < n; j++) {
    const p = j - left;
    m[j] = mode === "reflect" ? (p < 0 ? -p : p >= size ? 2 * (size - 1) - p : p) : Math.min(Math.max(p, 0), size - 1);
  }
  return m;
}

/** The adjoint of the gathers: scatter-add g back along each padded dim, first dim last. */
function indexPadAdjoint(g: Tensor, maps: readonly Tensor[], a: IndexPadAttrs): Tensor {
  let r = g;
  for (let k = a.dims.length - 1; k >= 0; k--) {
    const d = a.dims[k]!;
    const shape = r.shape.slice();
    shape[d] = a.inShape[d]!;
    const zeros = allocTensor(g._storage.backend, g.dtype, shape);
    const view = r.shape.map((_, i) => (i === d ? r.shape[d]! : 1));
    r = zeros.scatterAdd(d, maps[k]!.view(view).expand(r.shape), r);
  }
  return r;
}

function indexPadRule(name: string) {
  return rule<Tensor[], IndexPadAttrs>(name, (g, maps, a) => [
    isGradEnabled() ? composite(() => indexPadAdjoint(g, maps, a)) : compute(() => indexPadAdjoint(g, maps, a)),
  ]);
}
const RULES: Record<string, ReturnType<typeof indexPadRule>> = {};
for (const mode of ["Reflection", "Replication"]) for (const k of [1, 2, 3]) RULES[`${mode}${k}`] = indexPadRule(`${mode}Pad${k}DBackward0`);

/** The shape as PyTorch prints a tensor in reflection_pad's message: `[ torch.FloatTensor{2,0,4} ]`. */
function tensorTypeString(x: Tensor): string {
  const type = { float32: "Float", float64: "Double", int32: "Int", bool: "Bool" }[x.dtype];
  return `[ torch.${type}Tensor{${x.shape.join(",")}} ]`;
}

const sizes = (s: readonly number[]) => `[${s.join(", ")}]`;

/** reflection_padKd / replication_padKd's checks, in PyTorch 1.13's order and words. */
function checkIndexPad(mode: IndexPadMode, x: Tensor, pads: readonly number[], k: number): void {
  const nd = x.ndim, s = x.shape;
  const spatial = s.slice(nd - k);
  const out = spatial.map((size, i) => size + pads[2 * (k - 1 - i)]! + pads[2 * (k - 1 - i) + 1]!);
  const names = ["D", "H", "W"].slice(3 - k);
  if (mode === "reflect") {
    if (k === 1 || k === 2) {
      const valid = s.slice(1).every((d) => d !== 0);
      if (!valid) throw new Error(`${k + 1}D or ${k + 2}D (batch mode) tensor expected for input, but got: ${tensorTypeString(x)}`);
    } else if (!s.slice(nd === 5 ? 1 : 0).every((d) => d !== 0)) {
      throw new Error(`Expected 4D or 5D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${sizes(s)}`);
    }
    // pads from the last dim: Argument #4 (W), #6 (H), #8 (D)
    for (let i = 0; i < k; i++) {
      const l = pads[2 * i]!, r = pads[2 * i + 1]!, size = s[nd - 1 - i]!;
      if (!(l < size && r < size)) {
        const of = k === 2 ? String(nd) : sizes(s);
        throw new Error(`Argument #${4 + 2 * i}: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${nd - 1 - i} of input ${of}`);
      }
    }
  } else {
    const batched = nd === k + 2;
    if (!s.slice(batched ? 1 : 0).every((d) => d !== 0)) {
      throw new Error(`Expected ${k + 1}D or ${k + 2}D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for input, but got: ${sizes(s)}`);
    }
  }
  // an output is refused when every padded dim comes out empty (1-D: when it does)
  if (out.every((o) => o < 1)) {
    const ins = names.map((n, i) => `${n}: ${spatial[i]}`), outs = names.map((n, i) => `${n}: ${out[i]}`);
    if (k === 1) throw new Error(mode === "reflect" ? `2input (${ins[0]})is too small. Calculated output ${outs[0]}` : `input (${ins[0]}) is too small. Calculated output ${outs[0]}`);
    if (k === 2) throw new Error(mode === "reflect" ? `input (${ins.join(", ")})is too small. Calculated output ${outs.join(" ")}` : `input (${ins.join(", ")} ) is too small. Calculated output ${outs.join(" ")}`);
    throw new Error(`input (${ins[0]} ${ins[1]}, ${ins[2]}) is too small. Calculated output ${outs.join(" ")}`);
  }
  const negative = out.find((o) => o < 0);
  if (negative !== undefined) throw new Error(`Trying to create tensor with negative dimension ${negative}: ${sizes([...s.slice(0, nd - k), ...out])}`);
  if (!isFloating(x.dtype)) {
    const kernel = mode === "reflect" ? `reflection_pad${k}d` : `replication_pad${k}d_cpu`;
    throw new Error(`"${kernel}" not implemented for '${dtypeName(x.dtype, "scalar")}'`);
  }
}

/** reflection_padKd / replication_padKd over the last k = pads.length / 2 dims (k of 1, 2, 3). */
export function indexPad(mode: IndexPadMode, x: Tensor, pads: readonly number[]): Tensor {
  const k = pads.length / 2;
  checkIndexPad(mode, x, pads, k);
  const be = x._storage.backend;
  const dims: number[] = [], maps: Tensor[] = [];
  for (let i = 0; i < k; i++) {
    const d = x.ndim - 1 - i;
    const m = indexMap(mode, x.shape[d]!, pads[2 * i]!, pads[2 * i + 1]!);
    const t = allocTensor(be, "int32", [m.length], false);
    if (m.length > 0) be.write(t._storage.handle, "int32", m, 0);
    dims.push(d); maps.push(t);
  }
  const out = compute(() => {
    let r = x;
    for (let i = 0; i < k; i++) r = r.indexSelect(dims[i]!, maps[i]!);
    return r === x ? x.clone() : r;
  });
  if (wantsGrad(x)) {
    // the maps live as long as the node (and are freed with it)
    record(out, RULES[`${mode === "reflect" ? "Reflection" : "Replication"}${k}`]!, [x], maps, { dims, inShape: x.shape.slice() });
  }
  for (const m of maps) m.dispose();
  return out;
}

// ---- circular --------------------------------------------------------------------------------

/** at::_pad_circular: the input (cropped by negative pads) copied into a new tensor, then each
 *  padded dim's ends copied from its other side; recorded as PyTorch records these copies. */
export function circularPad(x: Tensor, pads: readonly number[]): Tensor {
  const inShape = x.shape;
  const nd = inShape.length - 2;
  if (pads.length !== 2 * nd) throw new Error(`Invalid padding size, expected ${Math.max(nd, 0) * 2} but got ${pads.length}`);
  const outShape = inShape.slice();
  for (let i = 0; i < nd; i++) {
    const l = pads[2 * (nd - i - 1)]!, r = pads[2 * (nd - i - 1) + 1]!, size = inShape[2 + i]!;
    outShape[2 + i] = size + l + r;
    if (!(l <= size && r <= size)) throw new Error("Padding value causes wrapping around more than once.");
    if (!(outShape[2 + i]! >= 0)) throw new Error("Negative padding value is resulting in an empty dimension");
  }
  return composite(() => {
    const out = allocTensor(x._storage.backend, x.dtype, outShape);
    let outSlice = out, inSlice = x;
    for (let i = 0; i < nd; i++) {
      const d = nd - i + 1, l = pads[2 * i]!, r = pads[2 * i + 1]!;
      outSlice = outSlice.narrow(d, Math.max(l, 0), outShape[d]! - Math.max(r, 0) - Math.max(l, 0));
      inSlice = inSlice.narrow(d, Math.max(-l, 0), inShape[d]! - Math.max(-r, 0) - Math.max(-l, 0));
    }
    outSlice.copy_(inSlice);
    for (let i = 0; i < nd; i++) {
      const d = nd - i + 1, l = pads[2 * i]!, r = pads[2 * i + 1]!, n = outShape[d]!;
      if (l > 0) out.narrow(d, 0, l).copy_(out.narrow(d, n - l - Math.max(r, 0), l));
      if (r > 0) out.narrow(d, n - r, r).copy_(out.narrow(d, Math.max(l, 0), r));
    }
    return out;
  });
}
