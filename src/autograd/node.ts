/**
 * Graph nodes (PyTorch's `grad_fn`). The graph lives on tensors: each non-leaf
 * tensor points at the Node that made it (and which of its outputs it is,
 * `_outputNr`); each Node has one edge per input, a (node, inputNr) pair naming the
 * node that receives that input's gradient and which of its outputs the input was
 * (`nextFunctions`), with an AccumulateGrad node standing for a leaf.
 *
 * A node holds only the graph: everything about a backward pass lives in the pass's
 * GraphTask (engine.ts), so passes may nest.
 */
import { dtypeName } from "../dtype.js";
import type { Tensor } from "../tensor.js";
import type { DType } from "../dtype.js";
import { forwardTrace } from "./anomaly.js";
import { refuseAsync } from "../callbacks.js";
import type { NodeState } from "./engine.js";

/**
 * A gradient hook (see {@link Tensor.registerHook}): called with the gradient; returning a tensor
 * (of the gradient's shape and dtype) replaces it, returning nothing keeps it. It runs inside the
 * backward pass and must be synchronous.
 * @category Autograd
 */
export type TensorHook = (grad: Tensor) => Tensor | void | undefined;

/**
 * A node of the backward graph: what `tensor.gradFn` holds (PyTorch's `grad_fn` objects). The
 * library makes them as ops are recorded; a program reads them to inspect the graph.
 * @example
 * ```ts
 * const y = x.mul(2).sum();        // x requires grad
 * y.gradFn!.name();                // "SumBackward0"
 * String(y.gradFn);                // "<SumBackward0 object>"
 * y.gradFn!.nextFunctions;         // [[<MulBackward0 object>, 0]]
 * ```
 * @category Autograd
 */
export abstract class Node {
  /** @internal Tensor hooks (registerHook / retainGrad) of the tensors this node produces, per output number. */
  _preHooks: (TensorHook[] | undefined)[] | null = null;
  /** @internal How many outputs (gradients in) this node has; only a custom Function's node has several. */
  numOutputs = 1;
  /** @internal While a backward pass that reached this node runs: the node's state in that pass
   *  (engine.ts's GraphTask reads it per edge; null otherwise). */
  _state: NodeState | null = null;

  /**
   * @internal Edges, one per input: `next[i]` receives input i's gradient as its output number
   * `nextInputNr[i]` (null when every number is 0, as for all but a multi-output node's
   * consumers: two parallel arrays cost a small op nothing, an edge object per input would).
   */
  constructor(/** @internal */ readonly next: readonly (Node | null)[], /** @internal */ readonly nextInputNr: readonly number[] | null = null) {}

  /**
   * PyTorch 1.13's name of this node: `"AddBackward0"`, `"MulBackward0"`, `"MeanBackward0"`,
   * `"AccumulateGrad"` (a leaf), `"<ClassName>Backward"` for a custom {@link autograd.Function},
   * ...
   */
  abstract name(): string;

  /** @internal The output number of `next[i]` that input i's gradient goes to. */
  inputNrOf(i: number): number { return this.nextInputNr === null ? 0 : this.nextInputNr[i]!; }

  /**
   * PyTorch's `next_functions`: per input of this node, `[node, outputNr]`: the node its gradient
   * goes to (an {@link AccumulateGrad} for a leaf, `null` for an input that needs no gradient) and
   * which of that node's outputs the input was (0 except for a custom Function with several
   * outputs).
   */
  get nextFunctions(): [Node | null, number][] {
    return this.next.map((n, i) => [n ?? null, n == null ? 0 : this.inputNrOf(i)]);
  }

  /** `"<Name object>"`, as Python prints a node (e.g. `"<AddBackward0 object>"`). */
  toString(): string { return `<${this.name()} object>`; }

  [Symbol.for("nodejs.util.inspect.custom")](): string { return this.toString(); }

  /** @internal Drop saved tensors (after a backward pass without retainGraph). */
  releaseSaved(): void {}

  /** @internal A hook on the gradient of output `outputNr` before this node uses it (a tensor hook). */
  addPreHook(fn: TensorHook, outputNr = 0): { remove(): void } {
    refuseAsync("registerHook()", "the hook", fn, "graph");
    const perOutput = (this._preHooks ??= []);
    const hooks = (perOutput[outputNr] ??= []);
    hooks.push(fn);
    return { remove: () => { const i = hooks.indexOf(fn); if (i >= 0) hooks.splice(i, 1); } };
  }
}

/** A gradient rule: PyTorch's derivatives.yaml entry for one op, written in Tensor ops
 *  so that `createGraph` makes higher-order gradients for free. Returns one gradient
 *  (or null) per input; it only needs to compute those with `node.needsInputGrad(i)`.
 *  The engine then shapes each to its input (validateOutputs, autograd/validate.ts). */
export interface GradRule {
  readonly name: string;
  backward(node: FnNode, grad: Tensor): (Tensor | null)[];
  /** For a node with several outputs (a custom Function's): one gradient per output, null
   *  for an output that received none. The engine calls this instead of `backward`. */
  backwardOutputs?(node: FnNode, grads: (Tensor | null)[]): (Tensor | null)[];
}

/** An input as a node's metadata sees it (null or undefined: not a tensor). */
export type MetadataInput = { readonly shape: readonly number[]; readonly dtype: DType } | null | undefined;

const SECOND_BACKWARD =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have " +
  "already been freed). Saved intermediate values of the graph are freed when you call .backward() or " +
  "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or " +
  "if you need to access saved tensors after calling backward. " +
  "(In wasmgrad: backward(undefined, { retainGraph: true }) or autograd.grad(..., { retainGraph: true }).)";

// what a node that saved nothing hands its rule: one frozen list, not a new one per backward
const NOTHING_SAVED: readonly Tensor[] = Object.freeze([]);

/**
 * What a node saved of one tensor (PyTorch's SavedVariable), beside the alias it keeps (same
 * storage and autograd identity, what the gradient rule gets; the alias's `_savedAs`): the
 * version counter's value at save time (a change in place since is an error), and the tensor
 * it was saved from, whose current gradFn that error names.
 */
export class SavedTensor {
  readonly version: number;
  readonly original: Tensor;
  constructor(t: Tensor) {
    this.version = t._version.n;
    this.original = t._savedAs !== null ? t._savedAs.original : t;
  }
}

/** The shared needsInputGrad functions, by pattern (see FnNode.needsInputGradFn), for nodes of up to 8 inputs. */
const MAX_SHARED_NEEDS = 8;
const sharedNeeds: ((i: number) => boolean)[] = [];
// Both made here, not in the method: a closure there would make every call allocate a context
// for `this`, and the shared functions would keep the first node of each pattern alive.
function needsFromPattern(pattern: number): (i: number) => boolean {
  return (i) => ((pattern >> i) & 1) === 1;
}
function needsOfNode(node: FnNode): (i: number) => boolean {
  return (i) => node.needsInputGrad(i);
}

/** PyTorch's error for a saved tensor changed in place since `node` saved it (alias `t`). Out of
 *  the `saved` getter, which runs per node per backward: a short getter is inlined into the engine. */
function modifiedInPlaceError(node: FnNode, t: Tensor): Error {
  const s = t._savedAs!;
  // a saved output names the node that made it; a saved input its tensor's current node
  const origin = t.gradFn === node ? t : s.original;
  return new Error(
    "one of the variables needed for gradient computation has been modified by an inplace operation: " +
    `[${dtypeName(t.dtype, "tensor")} [${t.shape.join(", ")}]]` +
    (origin.gradFn !== null ? `, which is output ${origin._outputNr} of ${origin.gradFn.name()},` : "") + " " +
    `is at version ${t._version.n}; expected version ${s.version} instead. Hint: enable anomaly ` +
    "detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True). " +
    "(In wasmgrad: torch.autograd.setDetectAnomaly(true), or torch.autograd.detectAnomaly(() => ...).)",
  );
}

export class FnNode extends Node {
  /** @internal */
  private _saved: Tensor[] | null = null;
  /** @internal The tensor this node is the gradFn of (null when unknown); see releaseUnreachable. */
  _out: Tensor | null = null;
  /** @internal */
  private _released = false;

  /** Where the forward op ran, in anomaly mode (see anomaly.ts); null otherwise. */
  readonly forwardTrace: string | null = forwardTrace();

  constructor(
    readonly rule: GradRule,
    next: readonly (Node | null)[],
    /** Non-tensor facts the rule needs (shapes, dims, scalars); typed by the rule. */
    readonly attrs: unknown,
    /** Output number of each edge's node (null: all 0; see Node). */
    nextInputNr: readonly number[] | null = null,
    /** The inputs (one per edge), whose shape and dtype the node keeps; null: gradients are
     *  not checked (a node whose rule shapes its gradients itself). */
    inputs: readonly MetadataInput[] | null = null,
  ) {
    super(next, nextInputNr);
    this.checksGradients = inputs !== null;
    const n = inputs === null ? 0 : inputs.length;
    const t0 = n > 0 ? inputs![0] : null, t1 = n > 1 ? inputs![1] : null;
    this._shape0 = t0 == null ? null : t0.shape;
    this._dtype0 = t0 == null ? null : t0.dtype;
    this._shape1 = t1 == null ? null : t1.shape;
    this._dtype1 = t1 == null ? null : t1.dtype;
    let rest: (readonly number[] | DType | null)[] | null = null;
    if (n > 2) {
      rest = new Array(2 * (n - 2));
      for (let i = 2; i < n; i++) {
        const t = inputs![i];
        rest[2 * i - 4] = t == null ? null : t.shape;
        rest[2 * i - 3] = t == null ? null : t.dtype;
      }
    }
    this._metaRest = rest;
  }

  // PyTorch's input_metadata: per input, the shape and dtype its gradient must have (null for a
  // non-tensor input). A shape is the tensor's own array: no op changes one in place (`.data =`
  // replaces it). The first two inputs' are fields, the others' a list [shape2, dtype2, ...]:
  // most ops have one or two inputs, and an array per recorded op cost a recorded 4-element
  // add 1.3% more instructions, a mul 5% (bench/instructions.js).
  /** @internal Whether the engine fits the rule's gradients to the inputs' shapes and dtypes (validate.ts). */
  readonly checksGradients: boolean;
  /** @internal */ private readonly _shape0: readonly number[] | null;
  /** @internal */ private readonly _dtype0: DType | null;
  /** @internal */ private readonly _shape1: readonly number[] | null;
  /** @internal */ private readonly _dtype1: DType | null;
  /** @internal */ private readonly _metaRest: readonly (readonly number[] | DType | null)[] | null;

  /** @internal The shape input `i`'s gradient must have (null: not a tensor, or not kept). */
  inputShape(i: number): readonly number[] | null {
    return i === 0 ? this._shape0 : i === 1 ? this._shape1 : (this._metaRest?.[2 * i - 4] ?? null) as readonly number[] | null;
  }
  /** @internal The dtype input `i`'s gradient must have (null: not a tensor, or not kept). */
  inputDtype(i: number): DType | null {
    return i === 0 ? this._dtype0 : i === 1 ? this._dtype1 : (this._metaRest?.[2 * i - 3] ?? null) as DType | null;
  }

  /** Keep tensors for backward (set once, after the output already points at this node). */
  save(tensors: readonly Tensor[]): void {
    const aliases = new Array<Tensor>(tensors.length);
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      aliases[i] = t._alias(new SavedTensor(t));
    }
    this._saved = aliases;
    if (savingObservers.length > 0) savingObservers[savingObservers.length - 1]!.push(this);
  }

  /** The saved tensors without version checks or errors (empty once released); for tools like viz. */
  peekSaved(): readonly Tensor[] { return this._saved === null ? [] : this._saved.slice(); }

  name(): string { return this.rule.name; }

  needsInputGrad(i: number): boolean { return this.next[i] !== null && this.next[i] !== undefined; }

  /** needsInputGrad as a function, for a rule's math: nodes with the same inputs needing a gradient
   *  share one (a closure per node made every backward pay an allocation per node). */
  needsInputGradFn(): (i: number) => boolean {
    const next = this.next;
    if (next.length > MAX_SHARED_NEEDS) return needsOfNode(this);
    let pattern = 0; // bit i: input i needs a gradient
    for (let i = 0; i < next.length; i++) if (next[i] !== null && next[i] !== undefined) pattern |= 1 << i;
    return (sharedNeeds[pattern] ??= needsFromPattern(pattern));
  }

  /** The tensors saved in forward, checked against in-place changes since. The node's own
   *  list (no copy per backward): rules read it and must not change it. */
  get saved(): readonly Tensor[] {
    const saved = this._saved;
    if (saved === null) {
      if (this._released) throw new Error(SECOND_BACKWARD);
      return NOTHING_SAVED;
    }
    for (let i = 0; i < saved.length; i++) {
      const t = saved[i]!;
      if (t._version.n !== t._savedAs!.version) throw modifiedInPlaceError(this, t);
    }
    return saved;
  }

  /** @internal Whether the node still holds saved tensors. */
  get holdsSaved(): boolean { return this._saved !== null; }

  override releaseSaved(): void {
    const saved = this._saved;
    if (saved === null) return;
    for (let i = 0; i < saved.length; i++) saved[i]!.dispose();
    this._saved = null;
    this._released = true;
  }
}

/**
 * The node standing for a leaf tensor that requires grad: backward adds the gradient that reaches
 * it into `variable.grad`. Appears in `nextFunctions` of the nodes that used the leaf.
 * @category Autograd
 */
export class AccumulateGrad extends Node {
  /**
   * @internal
   * @param variable - The leaf tensor whose `.grad` this node fills (PyTorch's
   *   `AccumulateGrad.variable`).
   */
  constructor(readonly variable: Tensor) { super([]); }
  name(): string { return "AccumulateGrad"; }
}

const savingObservers: FnNode[][] = [];

/** Run `fn` and list the nodes that saved tensors meanwhile, so a throw-away evaluation
 *  (gradcheck, functional) can release what its graph saved at once. */
export function collectSavingNodes<T>(fn: () => T): { result: T; nodes: FnNode[] } {
  const nodes: FnNode[] = [];
  savingObservers.push(nodes);
  try {
    return { result: fn(), nodes };
  } finally {
    savingObservers.pop();
    const parent = savingObservers[savingObservers.length - 1];
    if (parent !== undefined) parent.push(...nodes);
  }
}

/**
 * After a tidy scope closed: release the saved tensors of the given nodes that no live
 * tensor can reach any more (their output was disposed and no kept tensor's graph leads
 * to them). PyTorch frees such a graph when its last tensor goes; a graph recorded but
 * never backpropagated (inference without noGrad) would otherwise hold its saved
 * tensors until the garbage collector finds the nodes.
 */
export function releaseUnreachable(nodes: readonly FnNode[], kept: Iterable<Tensor>): void {
  // most often a backward pass inside the scope released them all already: no walk
  if (!nodes.some((n) => n.holdsSaved)) return;
  const reachable = new Set<Node>();
  const stack: Node[] = [];
  const visit = (n: Node | null) => { if (n !== null && !reachable.has(n)) { reachable.add(n); stack.push(n); } };
  for (const t of kept) visit(t.gradFn);
  for (const n of nodes) if (n._out === null || !n._out.isDisposed) visit(n);
  while (stack.length > 0) for (const m of stack.pop()!.next) visit(m);
  for (const n of nodes) if (!reachable.has(n)) n.releaseSaved();
}
