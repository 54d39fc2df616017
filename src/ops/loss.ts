/**
 * PyTorch's fused elementwise losses as single recorded ops: binary_cross_entropy
 * (BinaryCrossEntropyBackward0), binary_cross_entropy_with_logits
 * (BinaryCrossEntropyWithLogitsBackward0), smooth_l1_loss (SmoothL1LossBackward0) and huber_loss
 * (HuberLossBackward0). Forward: one kernel for the unreduced loss (Backend.loss), then the
 * weight and the reduction. Backward: the gradient kernel (Backend.lossBackward), or under
 * createGraph PyTorch's formula in Tensor ops, so the gradient can be differentiated again.
 * Callers (src/nn/functional_loss.ts) check arguments, broadcast and cast first: x and t arrive
 * with one shape and one float dtype.
 */
import { Loss, type LossOp } from "../backend/backend.js";
import { isGradEnabled, noGrad } from "../autograd/grad_mode.js";
import type { Tensor } from "../tensor.js";
import { allocTensor, contiguousRaw, handleOf, moveTo, castRaw, record, rule, wantsGrad } from "./core.js";
import { where } from "./elementwise.js";

export type LossReduction = "mean" | "sum" | "none";

/** What a loss node knows besides its saved tensors. */
interface LossAttrs {
  op: LossOp;
  /** beta (SMOOTH_L1), delta (HUBER). */
  a: number;
  reduction: LossReduction;
  /** The number of elements (the "mean" divisor). */
  n: number;
  /** Where the positive-class weight (expanded to x's shape) and the weight sit in saved (-1: none). */
  pwAt: number;
  wAt: number;
}

/** The per-element loss by the kernel; raises PyTorch's BCE range error. */
function lossRaw(op: LossOp, x: Tensor, t: Tensor, pw: Tensor | null, a: number): Tensor {
  const be = x._storage.backend;
  const xc = contiguousRaw(x), tc = contiguousRaw(moveTo(t, be));
  const wc = pw === null ? null : contiguousRaw(moveTo(pw, be));
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const bad = be.loss(op, x.dtype, handleOf(xc), xc._offset, handleOf(tc), tc._offset, wc === null ? null : handleOf(wc), wc === null ? 0 : wc._offset, out._storage.handle, out.numel(), a);
  if (xc !== x) xc.dispose();
  if (tc !== t) tc.dispose();
  if (wc !== null && wc !== pw) wc.dispose();
  if (bad) {
    out.dispose();
    throw new Error("all elements of input should be between 0 and 1");
  }
  return out;
}

/** scale * g * dloss/dx by the kernel (g: x's shape for "none", else 0-d). */
function gradRaw(op: LossOp, g: Tensor, x: Tensor, t: Tensor, pw: Tensor | null, a: number, scale: number): Tensor {
  const be = x._storage.backend;
  const gc = contiguousRaw(g.dtype === x.dtype ? moveTo(g, be) : castRaw(moveTo(g, be), x.dtype));
  const xc = contiguousRaw(x), tc = contiguousRaw(t);
  const wc = pw === null ? null : contiguousRaw(pw);
  const out = allocTensor(be, x.dtype, x.shape.slice(), false);
  const gInc = gc.numel() === 1 && out.numel() !== 1 ? 0 : 1;
  be.lossBackward(op, x.dtype, handleOf(gc), gc._offset, gInc, handleOf(xc), xc._offset, handleOf(tc), tc._offset,
    wc === null ? null : handleOf(wc), wc === null ? 0 : wc._offset, out._storage.handle, out.numel(), a, scale);
  for (const [c, orig] of [[gc, g], [xc, x], [tc, t], [wc, pw]] as const) if (c !== null && c !== orig) c.dispose();
  return out;
}

/** scale * g * dloss/dx in Tensor ops (differentiable again): PyTorch's backward formulas. */
function gradFormula(op: LossOp, g: Tensor, x: Tensor, t: Tensor, pw: Tensor | null, a: number, scale: number): Tensor {
  let r: Tensor;
  switch (op) {
    case Loss.BCE: {
      const den = x.neg().add(1).mul(x).clamp(1e-12);
      r = g.mul(x.sub(t)).div(den);
      break;
    }
    case Loss.BCE_LOGITS: {
      const sig = x.sigmoid();
      if (pw === null) r = sig.sub(t).mul(g);
      else {
        const pt = pw.mul(t);
        r = pt.add(1).sub(t).mul(sig).sub(pt).mul(g);
      }
      break;
    }
    case Loss.SMOOTH_L1: {
      const d = x.sub(t);
      r = where(d.le(-a), g.neg(), where(d.ge(a), g, d.mul(g).div(a)));
      break;
    }
    default: {
      const d = x.sub(t);
      r = where(d.le(-a), g.mul(-a), where(d.ge(a), g.mul(a), d.mul(g)));
    }
  }
  return scale === 1 ? r : r.mul(scale);
}

/** The target's gradient (g unscaled; the caller applies weight and scale). */
function targetGrad(op: LossOp, g: Tensor, x: Tensor, t: Tensor, pw: Tensor | null, a: number, scale: number): Tensor {
  switch (op) {
    // -logit(x) * g
    case Loss.BCE: return x.div(x.neg().add(1)).log().neg().mul(g).mul(scale);
    // (log_sigmoid(-x) - pos_weight * log_sigmoid(x)) * g
    case Loss.BCE_LOGITS: {
      const ls = x.logSigmoid();
      return x.neg().logSigmoid().sub(pw === null ? ls : pw.mul(ls)).mul(g).mul(scale);
    }
    // PyTorch's target gradient is the input gradient with input and target swapped
    default: return isGradEnabled() ? gradFormula(op, g, t, x, null, a, scale) : gradRaw(op, g, t, x, null, a, scale);
  }
}

const NAMES: Record<LossOp, string> = {
  [Loss.BCE]: "BinaryCrossEntropyBackward0",
  [Loss.BCE_LOGITS]: "BinaryCrossEntropyWithLogitsBackward0",
  [Loss.SMOOTH_L1]: "SmoothL1LossBackward0",
  [Loss.HUBER]: "HuberLossBackward0",
};

function lossRule(op: LossOp) {
  return rule<Tensor[], LossAttrs>(NAMES[op], (g, saved, at, needsInputGrad) => {
    const [x, t] = saved as [Tensor, Tensor];
    const pw = at.pwAt >= 0 ? saved[at.pwAt]! : null;
    const w = at.wAt >= 0 ? saved[at.wAt]! : null;
    const scale = at.reduction === "mean" ? 1 / at.n : 1;
    let gx: Tensor | null = null, gt: Tensor | null = null;
    if (needsInputGrad(0)) {
      gx = isGradEnabled() ? gradFormula(op, g, x, t, pw, at.a, scale) : gradRaw(op, g, x, t, pw, at.a, scale);
      if (w !== null) gx = gx.mul(w);
    }
    if (needsInputGrad(1)) {
      gt = targetGrad(op, g, x, t, pw, at.a, scale);
      if (w !== null) gt = gt.mul(w);
    }
    return [gx, gt];
  });
}
const RULES = {
  [Loss.BCE]: lossRule(Loss.BCE),
  [Loss.BCE_LOGITS]: lossRule(Loss.BCE_LOGITS),
  [Loss.SMOOTH_L1]: lossRule(Loss.SMOOTH_L1),
  [Loss.HUBER]: lossRule(Loss.HUBER),
} as const;

/**
 * One fused loss: x and t of one shape and float dtype; `pw` (BCE_LOGITS's positive-class
 * weight) and `w` (the elementwise weight) already expanded to that shape, or null; `a` the
 * op's parameter. Recorded as one node with edges to x and t.
 */
export function fusedLoss(op: LossOp, x: Tensor, t: Tensor, pw: Tensor | null, w: Tensor | null, a: number, reduction: LossReduction): Tensor {
  const out = noGrad(() => {
    const per = lossRaw(op, x, t, pw, a);
    let l = per;
    if (w !== null) { l = per.mul(w); per.dispose(); }
    if (reduction === "none") return l;
    const r = reduction === "mean" ? l.mean() : l.sum();
    l.dispose();
    return r;
  });
  if (wantsGrad(x, t)) {
    const saved: Tensor[] = [x, t];
    const pwAt = pw === null ? -1 : saved.push(pw) - 1;
    const wAt = w === null ? -1 : saved.push(w) - 1;
    record(out, RULES[op], [x, t], saved, { op, a, reduction, n: x.numel(), pwAt, wAt });
  }
  return out;
}
