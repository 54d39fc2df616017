/**
 * torch.autograd.Function: custom differentiable ops written as a pair of static
 * methods, `forward(ctx, ...args)` and `backward(ctx, ...gradOutputs)`.
 *
 * `apply` runs `forward` with recording off, then (when grad mode is on and some
 * Tensor argument requires grad) attaches an FnNode named `<ClassName>Backward`
 * whose edges are the Tensor arguments, in order (non-tensor arguments get none,
 * as PyTorch's `next_functions`). Saved tensors go through FnNode's machinery, so
 * the in-place version check and the "backward through the graph a second time"
 * error after release are PyTorch's.
 *
 * The node has one output per `forward` output, numbered as they are returned (a
 * non-tensor output's number is never used), so a Function with several differentiable
 * outputs is one node, as in PyTorch. `backward` gets one gradient per output: zeros for
 * an output that received none, or null under `setMaterializeGrads(false)`.
 *
 * Outputs follow PyTorch's `_wrap_outputs`: an input returned as-is comes back as a
 * view carrying the node (a detached alias when it gets no node but requires grad, as
 * under `noGrad`); a view made in `forward` stays a view of its base. Each output that
 * is a view gets the CreationMeta that makes changing it in place an error, as in
 * PyTorch (see `markCustomFunctionViews`).
 */
import { FnNode, type GradRule, type Node } from "./node.js";
import { CreationMeta } from "./meta.js";
import { gradEdge, inputNrsOf } from "./engine.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { isFloating, type DType } from "../dtype.js";
import { allocTensor, Tensor } from "../tensor.js";
import type { Backend } from "../backend/backend.js";
import { refuseAsync, refusePromise } from "../callbacks.js";

/**
 * The `ctx` object a custom {@link autograd.Function}'s `forward` and `backward` receive (PyTorch's
 * `ctx`). Besides the methods below, a program may store anything on it in `forward` (`ctx.scale =
 * 2`) and read it in `backward`.
 * @category Autograd
 */
export class FunctionCtx {
  [key: string]: any;

  /** Per `forward` argument after ctx: whether it is a Tensor that requires grad. */
  needsInputGrad: boolean[] = [];
  /** @internal tensors given to saveForBackward, until the node takes them. */
  _toSave: (Tensor | null)[] | null = null;
  /** @internal index into the node's saved list per saved entry (-1: null). */
  _savedLayout: number[] = [];
  /** @internal the node (after forward, when one was recorded). */
  _node: FnNode | null = null;
  /** @internal outputs marked non-differentiable. */
  _nonDifferentiable: Set<Tensor> = new Set();
  /** @internal PyTorch's `ctx.set_materialize_grads` (default true). */
  _materializeGrads = true;

  /**
   * Keep tensors for `backward` (PyTorch's `save_for_backward`); call it once, in `forward`. `null`
   * entries are allowed and come back as `null`.
   *
   * @throws `TypeError` for an argument that is not a Tensor, `null` or `undefined`.
   */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TypeError(`save_for_backward can only save variables, but argument ${i} is of type ${typeName(t)}`);
      }
    });
    this._toSave = tensors.map((t) => t ?? null);
  }

  /**
   * The tensors given to `saveForBackward`, in order (PyTorch's `saved_tensors`).
   *
   * @throws `one of the variables needed for gradient computation has been modified by an inplace
   *   operation` when a saved tensor was changed in place since; `Trying to backward through the
   *   graph a second time` after the graph was freed by a backward without `retainGraph`.
   */
  get savedTensors(): Tensor[] {
    const node = this._node;
    if (node === null) return (this._toSave ?? []) as Tensor[];
    const saved = node.saved;
    return this._savedLayout.map((j) => (j < 0 ? null : saved[j]!)) as Tensor[];
  }

  /**
   * Mark outputs as not differentiable (PyTorch's `mark_non_differentiable`): they come back with
   * `requiresGrad` false and no `gradFn`, and their gradient in `backward` is zeros (or `null`).
   * Call it in `forward` with tensors `forward` returns.
   */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const t of outputs) {
      if (!(t instanceof Tensor)) throw new TypeError(`mark_non_differentiable can only accept Tensors, but got ${typeName(t)}`);
      this._nonDifferentiable.add(t);
    }
  }

  /**
   * With `false`, `backward` receives `null` instead of a zero tensor for an output whose gradient
   * never arrived (PyTorch's `set_materialize_grads`; default true).
   */
  setMaterializeGrads(value: boolean): void { this._materializeGrads = !!value; }
}

/**
 * What {@link autograd.Function}'s static `apply` needs of the class it is called on: a static
 * `forward`, and a static `backward` for gradients.
 * @category Autograd
 */
export interface FunctionClass {
  /** The class name; the graph node is named `<name>Backward`. */
  readonly name: string;
  /** Compute the outputs (a Tensor, or an array of values) from `args`; runs with grad mode off. */
  forward(ctx: FunctionCtx, ...args: any[]): unknown;
  /**
   * Given one gradient per output of `forward`, return one gradient (or `null`) per `forward`
   * argument after `ctx`: an array, or a single Tensor when `forward` takes one argument.
   */
  backward?(ctx: FunctionCtx, ...gradOutputs: any[]): unknown;
}

type ForwardArgs<C> = C extends { forward(ctx: FunctionCtx, ...args: infer A): unknown } ? A : unknown[];
type ForwardResult<C> = C extends { forward(...args: any[]): infer R } ? R : unknown;

/**
 * Base class of custom differentiable operations (PyTorch's `torch.autograd.Function`), used as
 * `torch.autograd.Function`.
 *
 * A subclass defines two static methods: `forward(ctx, ...args)` computes the outputs (a Tensor, or
 * an array) with grad mode off; `backward(ctx, ...gradOutputs)` gets one gradient per output and
 * returns one gradient (or `null`) per `forward` argument after `ctx` (a single Tensor when there
 * is one argument). Call it with the static `apply`; the result's `gradFn` is named
 * `<ClassName>Backward`. The base class declares neither method, so subclasses need no `override`
 * under `noImplicitOverride`.
 *
 * @example
 * ```ts
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx: torch.FunctionCtx, x: torch.Tensor) { const r = x.exp(); ctx.saveForBackward(r); return r; }
 *   static backward(ctx: torch.FunctionCtx, g: torch.Tensor) { const [r] = ctx.savedTensors; return g.mul(r!); }
 * }
 * const y = Exp.apply(x); // y.gradFn.name() === "ExpBackward"
 * ```
 */
export class Function {
  /**
   * Run the function on `args`, recording one graph node when grad mode is on and a Tensor argument
   * requires grad. Returns what `forward` returns: an input returned as-is comes back as a new
   * tensor object (a view carrying the node), as in PyTorch.
   *
   * @throws `You must implement the forward function for custom autograd.Function.` for a class
   *   without a static `forward`; `TypeError` when `forward` or `backward` is async, or `forward`
   *   returns a Promise (nothing is recorded). `forward` and `backward` must be synchronous:
   *   autograd uses what they return at once. A `backward` that returns a Promise makes the
   *   backward pass throw.
   */
  static apply<C extends FunctionClass>(this: C, ...args: ForwardArgs<C>): ForwardResult<C> {
    return applyFunction(this, args as unknown[]) as ForwardResult<C>;
  }
}

// ---- apply ---------------------------------------------------------------------------------

interface OutputMeta { shape: number[]; dtype: DType; backend: Backend }

interface FnAttrs {
  cls: FunctionClass;
  ctx: FunctionCtx;
  name: string;
  /** Number of forward arguments after ctx. */
  nArgs: number;
  /** Forward-argument index of each edge (the Tensor arguments, in order). */
  argOfEdge: number[];
  /** Per output of forward: its metadata (null for a non-tensor output). */
  outputs: (OutputMeta | null)[];
  /** Indices of the differentiable outputs. */
  diff: number[];
}

const rules = new WeakMap<FunctionClass, GradRule>();

function ruleFor(cls: FunctionClass): GradRule {
  let r = rules.get(cls);
  if (r === undefined) {
    r = {
      name: `${cls.name}Backward`,
      // the engine calls backwardOutputs (one gradient per output); backward is the same
      // for a caller that has the gradient of the only differentiable output
      backward: (node, g) => {
        const grads: (Tensor | null)[] = (node.attrs as FnAttrs).outputs.map(() => null);
        grads[(node.attrs as FnAttrs).diff[0]!] = g;
        return runUserBackward(node, grads);
      },
      backwardOutputs: (node, grads) => runUserBackward(node, grads),
    };
    rules.set(cls, r);
  }
  return r;
}

function applyFunction(cls: FunctionClass, args: unknown[]): unknown {
  if (typeof cls.forward !== "function") {
    throw new Error("You must implement the forward function for custom autograd.Function.");
  }
  // an async forward or backward is refused before anything runs or is recorded
  const site = `${cls.name}.apply()`;
  refuseAsync(site, `${cls.name}.forward`, cls.forward, "graph");
  refuseAsync(site, `${cls.name}.backward`, cls.backward, "graph");
  const ctx = new FunctionCtx();
  ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
  const executable = isGradEnabled() && ctx.needsInputGrad.some(Boolean);

  const raw = noGrad(() => refusePromise(site, `${cls.name}.forward`, cls.forward(ctx, ...args), "graph"));
  const isTuple = Array.isArray(raw);
  const outs: unknown[] = isTuple ? (raw as unknown[]).slice() : [raw];

  // PyTorch's _wrap_outputs: which outputs get this node, and what an input returned as-is
  // (or a view made in forward) becomes.
  const isInput = (t: Tensor) => args.includes(t);
  const seen = new Map<Tensor, unknown>();
  const diff: number[] = [];
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i];
    if (!(o instanceof Tensor)) continue;
    const differentiable = executable && !ctx._nonDifferentiable.has(o) && isFloating(o.dtype);
    const repeated = seen.has(o);
    if (differentiable) {
      // An input returned as-is (or an output repeated) becomes a view of it, as PyTorch's
      // view_as, to carry this node; a view made in forward carries it itself; a tensor
      // that already has history (or requires grad) is never re-parented.
      if (isInput(o) || repeated) outs[i] = o._view(o.shape.slice(), o._strides.slice(), o._offset);
      else if (o.requiresGrad && (o._base === null || o.gradFn !== null)) outs[i] = o.detach();
      diff.push(i);
    } else if (repeated) {
      outs[i] = seen.get(o); // the same object again, as PyTorch returns it
    } else if (!o.requiresGrad) {
      if (isInput(o)) outs[i] = o._view(o.shape.slice(), o._strides.slice(), o._offset);
    } else if (isInput(o) || o._base === null) {
      // an input that requires grad comes back as a detached alias (under noGrad too); another
      // tensor that requires grad is detached (a view made in forward is left as it is)
      outs[i] = o.detach();
    }
    if (!repeated) seen.set(o, outs[i]);
  }

  if (executable && diff.length > 0) {
    const edgeArgs: number[] = [];
    args.forEach((a, i) => { if (a instanceof Tensor) edgeArgs.push(i); });
    const next: (Node | null)[] = edgeArgs.map((i) => gradEdge(args[i] as Tensor));
    const outputs = outs.map((o): OutputMeta | null =>
      o instanceof Tensor ? { shape: o.shape.slice(), dtype: o.dtype, backend: o._storage.backend } : null);
    const rule = ruleFor(cls);
    const attrs: FnAttrs = {
      cls, ctx, name: rule.name, nArgs: args.length, argOfEdge: edgeArgs,
      outputs, diff,
    };
    // the engine sums each returned gradient to its input's shape and casts it (validate.ts)
    const edgeInputs = edgeArgs.map((i) => args[i] as Tensor);
    const node = new FnNode(rule, next, attrs, inputNrsOf(edgeInputs), edgeInputs);
    node.numOutputs = outs.length;
    for (const i of diff) {
      const o = outs[i] as Tensor;
      o.gradFn = node;
      o._outputNr = i;
    }
    // a view output now carries this node: PyTorch's CreationMeta::IN_CUSTOM_FUNCTION replaces
    // NO_GRAD_MODE (see markCustomFunctionViews)
    for (const i of diff) {
      const view = (outs[i] as Tensor)._viewMeta;
      if (view !== null) view.madeInNoGrad = false;
    }
    ctx._node = node;
    // aliases are made after the outputs point at their nodes, so a saved output keeps its history
    const toSave = ctx._toSave ?? [];
    ctx._toSave = null;
    const kept: Tensor[] = [];
    ctx._savedLayout = toSave.map((t) => (t === null ? -1 : kept.push(t) - 1));
    if (kept.length > 0) node.save(kept);
  }

  markCustomFunctionViews(outs, executable && diff.length > 0 ? `${cls.name}Backward` : null, new Set(diff), diff.length > 1);
  return isTuple ? outs : outs[0];
}

/**
 * PyTorch forbids modifying a custom Function's view output in place (its CreationMeta
 * IN_CUSTOM_FUNCTION, or MULTI_OUTPUT_NODE with several differentiable outputs): each output
 * that is a view gets that CreationMeta, and a differentiable one its place among the node's
 * outputs, from which checkInPlace (ops/inplace.ts) builds the error an in-place op on it
 * throws while grad mode is on and it requires grad (meta.ts, viewRebaseError).
 */
function markCustomFunctionViews(outs: unknown[], nodeName: string | null, diff: Set<number>, multi: boolean): void {
  outs.forEach((o, i) => {
    const view = o instanceof Tensor ? o._viewMeta : null;
    if (view === null) return;
    view.creationMeta = multi ? CreationMeta.MULTI_OUTPUT_NODE : CreationMeta.IN_CUSTOM_FUNCTION;
    view.customFnOutput = nodeName !== null && diff.has(i) ? `Output ${i} of ${nodeName}` : null;
  });
}

// ---- backward --------------------------------------------------------------------------------

/** Call the user's `backward` with one gradient per forward output (`grads`, null where
 *  none arrived) and check what it returns: one gradient per input edge. */
function runUserBackward(node: FnNode, grads: readonly (Tensor | null)[]): (Tensor | null)[] {
  const a = node.attrs as FnAttrs;
  const { ctx, name } = a;

  const gradOutputs: (Tensor | null)[] = a.outputs.map((m, i) => (m === null ? null : grads[i] ?? null));
  if (ctx._materializeGrads) {
    a.outputs.forEach((m, i) => {
      if (m !== null && gradOutputs[i] === null) gradOutputs[i] = allocTensor(m.backend, m.dtype, m.shape.slice());
    });
  }

  if (typeof a.cls.backward !== "function") {
    throw new Error(
      "You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.",
    );
  }
  const res: unknown = refusePromise("backward()", `${a.cls.name}.backward`, a.cls.backward(ctx, ...gradOutputs), "graph");
  let list: unknown[] = Array.isArray(res) ? res.slice() : [res];
  if (list.length > a.nArgs && list.slice(a.nArgs).every((x) => x === null || x === undefined)) list = list.slice(0, a.nArgs);
  if (list.length !== a.nArgs) {
    throw new Error(`function ${name} returned an incorrect number of gradients (expected ${a.nArgs}, got ${list.length})`);
  }
  // PyTorch's PyNode::apply, position by position
  const isEdgeArg = new Set(a.argOfEdge);
  list.forEach((x, i) => {
    if (x === null || x === undefined) return;
    if (!isEdgeArg.has(i)) {
      throw new Error(
        `function ${name} returned a gradient different than None at position ${i + 1}, ` +
        "but the corresponding forward input was not a Variable",
      );
    }
    if (!(x instanceof Tensor)) throw new Error(`expected Variable or None (got ${pyTypeName(x)})`);
  });

  return a.argOfEdge.map((argIdx) => (list[argIdx] as Tensor | null | undefined) ?? null);
}

/** What Python's type(x).__name__ would say for the JS value `x` (numbers are floats, as in the API). */
function pyTypeName(x: unknown): string {
  switch (typeof x) {
    case "number": return "float";
    case "bigint": return "int";
    case "boolean": return "bool";
    case "string": return "str";
    case "function": return "function";
    default:
      if (Array.isArray(x)) return "list";
      if (x !== null && typeof x === "object" && (Object.getPrototypeOf(x) === Object.prototype || Object.getPrototypeOf(x) === null)) return "dict";
      return typeName(x);
  }
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "Array";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
