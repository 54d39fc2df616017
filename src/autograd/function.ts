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
 * Graph nodes here have one output each. A Function with one differentiable output
 * (the usual case, and any number of outputs marked non-differentiable or of
 * non-floating dtype) is one node, exactly as in PyTorch. With several
 * differentiable outputs, each output gets its own small node (also named
 * `<ClassName>Backward`) that hands its gradient, packed into one flat vector, to
 * the shared node whose edges are the inputs; the shared node unpacks the vector
 * and calls `backward` once with one gradient per output.
 */
import { FnNode, type GradRule, type Node } from "./node.js";
import { gradEdge } from "./engine.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { isFloating, promoteTypes, type DType } from "../dtype.js";
import { sameShape } from "../shape.js";
import { allocTensor, Tensor } from "../tensor.js";
import { sumToShape } from "../ops/reduce.js";
import { cat } from "../ops/movement.js";
import type { Backend } from "../backend/backend.js";

/** The `ctx` object passed to `forward` and `backward`. User code may store anything on it. */
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

  /** Keep tensors for `backward` (call once, in `forward`; `null` entries are allowed). */
  saveForBackward(...tensors: (Tensor | null | undefined)[]): void {
    tensors.forEach((t, i) => {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TypeError(`save_for_backward can only save variables, but argument ${i} is of type ${typeName(t)}`);
      }
    });
    this._toSave = tensors.map((t) => t ?? null);
  }

  /** The tensors given to `saveForBackward`, in order (checked against in-place changes;
   *  after the graph was freed this throws PyTorch's "backward through the graph a second time"). */
  get savedTensors(): Tensor[] {
    const node = this._node;
    if (node === null) return (this._toSave ?? []) as Tensor[];
    const saved = node.saved;
    return this._savedLayout.map((j) => (j < 0 ? null : saved[j]!)) as Tensor[];
  }

  /** Outputs that are not differentiable: they come back with requiresGrad false and no gradFn. */
  markNonDifferentiable(...outputs: Tensor[]): void {
    for (const t of outputs) {
      if (!(t instanceof Tensor)) throw new TypeError(`mark_non_differentiable can only accept Tensors, but got ${typeName(t)}`);
      this._nonDifferentiable.add(t);
    }
  }

  /** With `false`, gradients of outputs that received none are passed to `backward` as null, not zeros. */
  setMaterializeGrads(value: boolean): void { this._materializeGrads = !!value; }
}

/** What `apply` needs of a Function subclass: its static `forward` (and `backward`, for gradients). */
export interface FunctionClass {
  readonly name: string;
  forward(ctx: FunctionCtx, ...args: any[]): unknown;
  backward?(ctx: FunctionCtx, ...gradOutputs: any[]): unknown;
}

type ForwardArgs<C> = C extends { forward(ctx: FunctionCtx, ...args: infer A): unknown } ? A : unknown[];
type ForwardResult<C> = C extends { forward(...args: any[]): infer R } ? R : unknown;

/**
 * Base class of custom autograd functions:
 * ```ts
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx, x) { const r = x.exp(); ctx.saveForBackward(r); return r; }
 *   static backward(ctx, g) { const [r] = ctx.savedTensors; return g.mul(r); }
 * }
 * const y = Exp.apply(x);   // y.gradFn.name() === "ExpBackward"
 * ```
 * `forward(ctx, ...args)` computes the outputs (a Tensor, or an array) with grad mode off;
 * `backward(ctx, ...gradOutputs)` gets one gradient per output and returns one gradient
 * (or null) per `forward` argument after ctx (a single Tensor when there is one argument).
 * The base class declares neither, so subclasses need no `override` under
 * `noImplicitOverride`.
 */
export class Function {
  /** Run the function, recording it in the graph when an input requires grad. */
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
  /** Shape and dtype of each Tensor argument, for checking returned gradients. */
  inputMeta: { shape: number[]; dtype: DType }[];
  /** Per output of forward: its metadata (null for a non-tensor output). */
  outputs: (OutputMeta | null)[];
  /** Indices of the differentiable outputs. */
  diff: number[];
  /** With several differentiable outputs: where each sits in the packed gradient. */
  pack: { offsets: number[]; total: number; dtype: DType } | null;
}

const rules = new WeakMap<FunctionClass, { main: GradRule; output: GradRule }>();

function rulesFor(cls: FunctionClass): { main: GradRule; output: GradRule } {
  let r = rules.get(cls);
  if (r === undefined) {
    const name = `${cls.name}Backward`;
    r = {
      main: { name, backward: (node, g) => runUserBackward(node, g) },
      output: { name, backward: (node, g) => [packGrad(node, g)] },
    };
    rules.set(cls, r);
  }
  return r;
}

function applyFunction(cls: FunctionClass, args: unknown[]): unknown {
  if (typeof cls.forward !== "function") {
    throw new Error("You must implement the forward function for custom autograd.Function.");
  }
  const ctx = new FunctionCtx();
  ctx.needsInputGrad = args.map((a) => a instanceof Tensor && a.requiresGrad);
  const executable = isGradEnabled() && ctx.needsInputGrad.some(Boolean);

  const raw = noGrad(() => cls.forward(ctx, ...args));
  const isTuple = Array.isArray(raw);
  const outs: unknown[] = isTuple ? (raw as unknown[]).slice() : [raw];

  const isInput = (t: Tensor) => args.includes(t);
  const seen = new Set<Tensor>();
  const diff: number[] = [];
  for (let i = 0; i < outs.length; i++) {
    const o = outs[i];
    if (!(o instanceof Tensor)) continue;
    const differentiable = executable && !ctx._nonDifferentiable.has(o) && isFloating(o.dtype);
    // An input returned as-is (or an output repeated) becomes a view of it, as PyTorch's
    // view_as; a tensor that already has history (or requires grad) is never re-parented.
    if (isInput(o) || seen.has(o)) outs[i] = o._view(o.shape.slice(), o._strides.slice(), o._offset);
    else if (o.requiresGrad) outs[i] = o.detach();
    seen.add(o);
    if (differentiable) diff.push(i);
  }

  if (executable && diff.length > 0) {
    const edgeArgs: number[] = [];
    args.forEach((a, i) => { if (a instanceof Tensor) edgeArgs.push(i); });
    const next: (Node | null)[] = edgeArgs.map((i) => gradEdge(args[i] as Tensor));
    const outputs = outs.map((o): OutputMeta | null =>
      o instanceof Tensor ? { shape: o.shape.slice(), dtype: o.dtype, backend: o._storage.backend } : null);
    let pack: FnAttrs["pack"] = null;
    if (diff.length > 1) {
      const offsets: number[] = [];
      let total = 0;
      let dtype: DType = "float32";
      for (const i of diff) {
        offsets.push(total);
        total += (outs[i] as Tensor).numel();
        dtype = promoteTypes(dtype, (outs[i] as Tensor).dtype);
      }
      pack = { offsets, total, dtype };
    }
    const r = rulesFor(cls);
    const attrs: FnAttrs = {
      cls, ctx, name: r.main.name, nArgs: args.length, argOfEdge: edgeArgs,
      inputMeta: edgeArgs.map((i) => ({ shape: (args[i] as Tensor).shape.slice(), dtype: (args[i] as Tensor).dtype })),
      outputs, diff, pack,
    };
    const node = new FnNode(r.main, next, attrs);
    if (pack === null) {
      (outs[diff[0]!] as Tensor).gradFn = node;
    } else {
      diff.forEach((i, k) => {
        const o = outs[i] as Tensor;
        o.gradFn = new FnNode(r.output, [node], { offset: pack!.offsets[k]!, total: pack!.total, dtype: pack!.dtype });
      });
    }
    ctx._node = node;
    // aliases are made after the outputs point at their nodes, so a saved output keeps its history
    const toSave = ctx._toSave ?? [];
    ctx._toSave = null;
    const kept: Tensor[] = [];
    ctx._savedLayout = toSave.map((t) => (t === null ? -1 : kept.push(t) - 1));
    if (kept.length > 0) node.save(kept.map((t) => t._alias()));
  }

  return isTuple ? outs : outs[0];
}

// ---- backward --------------------------------------------------------------------------------

/** A differentiable output's own node (several differentiable outputs): its gradient, flattened
 *  into its slot of a zero vector the size of all differentiable outputs together. */
function packGrad(node: FnNode, g: Tensor): Tensor {
  const { offset, total, dtype } = node.attrs as { offset: number; total: number; dtype: DType };
  const n = g.numel();
  const be = g._storage.backend;
  const parts: Tensor[] = [];
  if (offset > 0) parts.push(allocTensor(be, dtype, [offset]));
  parts.push(g.reshape([n]).to(dtype));
  if (total - offset - n > 0) parts.push(allocTensor(be, dtype, [total - offset - n]));
  return parts.length === 1 ? parts[0]! : cat(parts, 0);
}

function runUserBackward(node: FnNode, g: Tensor): (Tensor | null)[] {
  const a = node.attrs as FnAttrs;
  const { ctx, name } = a;

  // one gradient per forward output
  const gradOutputs: (Tensor | null)[] = a.outputs.map(() => null);
  if (a.pack === null) {
    gradOutputs[a.diff[0]!] = g;
  } else {
    a.diff.forEach((i, k) => {
      const m = a.outputs[i]!;
      const off = a.pack!.offsets[k]!;
      const n = m.shape.reduce((x, y) => x * y, 1);
      gradOutputs[i] = g.index([off, off + n] as [number, number]).reshape(m.shape).to(m.dtype);
    });
  }
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
  const res: unknown = a.cls.backward(ctx, ...gradOutputs);
  let list: unknown[] = Array.isArray(res) ? res.slice() : [res];
  if (list.length > a.nArgs && list.slice(a.nArgs).every((x) => x === null || x === undefined)) list = list.slice(0, a.nArgs);
  if (list.length !== a.nArgs) {
    throw new Error(`function ${name} returned an incorrect number of gradients (expected ${a.nArgs}, got ${list.length})`);
  }
  const isEdgeArg = new Set(a.argOfEdge);
  list.forEach((x, i) => {
    if (x !== null && x !== undefined && !isEdgeArg.has(i)) {
      throw new Error(
        `function ${name} returned a gradient different than None at position ${i + 1}, ` +
        "but the corresponding forward input was not a Variable",
      );
    }
  });

  return a.argOfEdge.map((argIdx, k) => {
    const gi = list[argIdx];
    if (gi === null || gi === undefined) return null;
    if (!(gi instanceof Tensor)) {
      throw new TypeError(`function ${name} returned a gradient of type ${typeName(gi)} at position ${argIdx + 1}; expected a Tensor or null`);
    }
    if (!node.needsInputGrad(k)) return null;
    const meta = a.inputMeta[k]!;
    let out = gi;
    if (!sameShape(out.shape, meta.shape)) {
      if (!expandableTo(meta.shape, out.shape)) {
        throw new Error(
          `Function ${name} returned an invalid gradient at index ${k} - got [${out.shape.join(", ")}] ` +
          `but expected shape compatible with [${meta.shape.join(", ")}]`,
        );
      }
      out = sumToShape(out, meta.shape);
    }
    if (out.dtype !== meta.dtype) out = out.to(meta.dtype);
    return out;
  });
}

/** PyTorch's is_expandable_to(shape, desired). */
function expandableTo(shape: readonly number[], desired: readonly number[]): boolean {
  if (shape.length > desired.length) return false;
  for (let i = 1; i <= shape.length; i++) {
    const s = shape[shape.length - i]!, d = desired[desired.length - i]!;
    if (s !== d && s !== 1) return false;
  }
  return true;
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (Array.isArray(x)) return "Array";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
