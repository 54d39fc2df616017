/**
 * Autograd state kept off the Tensor until a tensor needs it, as PyTorch splits it:
 * AutogradMeta only on tensors that take part in autograd (require grad, are a later output of
 * a multi-output node, have a grad, hooks or retainGrad), ViewMeta only on views (PyTorch's
 * DifferentiableViewMeta). A tensor made under noGrad from inputs that need no grad carries
 * neither. (gradFn is a field of the Tensor: every recorded op sets it.)
 */
import type { AccumulateGrad, Node } from "./node.js";
import type { Tensor } from "../tensor.js";

export class AutogradMeta {
  requiresGrad = false;
  /** Which output of its gradFn this tensor is (PyTorch's output_nr; 0 but for a multi-output node). */
  outputNr = 0;
  grad: Tensor | null = null;
  /** The AccumulateGrad node of a leaf (made once, on first use). */
  acc: AccumulateGrad | null = null;
  /** The retainGrad hook and the node it hangs on (moved when in-place ops rebase the tensor). */
  retainHook: { node: Node; remove(): void } | null = null;
  retainsGrad = false;
}

/**
 * How a view came to be (PyTorch's CreationMeta): decides which in-place ops on it are
 * forbidden and with which error (PyTorch's handle_view_on_rebase, viewRebaseError below).
 */
export enum CreationMeta {
  DEFAULT,
  /** Made while grad mode was off: in-place on it with grad mode on is forbidden. */
  NO_GRAD_MODE,
  /** An output of a custom Function (or an input it returned as-is). */
  IN_CUSTOM_FUNCTION,
  /** An output of a custom Function with several differentiable outputs. */
  MULTI_OUTPUT_NODE,
}

/** A view's link to its base (PyTorch's DifferentiableViewMeta). */
export class ViewMeta {
  /** A custom Function's output view: "Output i of NameBackward" (null: not one of its differentiable outputs). */
  customFnOutput: string | null = null;
  constructor(
    readonly base: Tensor,
    /** The version counter's value when the view's gradFn was last set (see Tensor.gradFn). */
    public version: number,
    public creationMeta: CreationMeta,
    /** Made while grad mode was off: then it reports its base's requiresGrad (kept when a
     *  custom Function re-marks the view, which changes creationMeta). */
    public madeInNoGrad: boolean,
  ) {}
}

const NO_GRAD_MODE_TEXT =
  " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by moving both the view and the inplace " +
  "either both inside the no_grad block (if you don't want the inplace to be tracked) or both outside (if you want " +
  "the inplace to be tracked).";
const IN_CUSTOM_FUNCTION_TEXT =
  " This view was created inside a custom Function (or because an input was returned as-is) and the autograd logic " +
  "to handle view+inplace would override the custom backward associated with the custom Function, leading to " +
  "incorrect gradients. This behavior is forbidden. You can fix this by cloning the output of the custom Function.";
const MULTI_OUTPUT_NODE_TEXT =
  " This view is the output of a function that returns multiple views. Such functions do not allow the output views " +
  "to be modified inplace. You should replace the inplace operation by an out-of-place one.";
const NO_GRAD_HEAD = "A view was created in no_grad mode and is being modified inplace with grad mode enabled.";

/** The error for changing a view in place, from how it was created (PyTorch's handle_view_on_rebase). */
export function viewRebaseError(view: ViewMeta): string {
  const head = view.customFnOutput !== null ? `${view.customFnOutput} is a view and is being modified inplace.` : NO_GRAD_HEAD;
  switch (view.creationMeta) {
    case CreationMeta.NO_GRAD_MODE: return head + NO_GRAD_MODE_TEXT;
    case CreationMeta.IN_CUSTOM_FUNCTION: return head + IN_CUSTOM_FUNCTION_TEXT;
    case CreationMeta.MULTI_OUTPUT_NODE: return head + MULTI_OUTPUT_NODE_TEXT;
    default: throw new Error("a view created in DEFAULT mode may be modified in place");
  }
}
