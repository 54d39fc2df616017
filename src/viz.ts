/**
 * torch.viz: the backward graph of a tensor as Graphviz DOT, after torchviz's `make_dot`.
 *
 * - the tensor itself: a box with its shape (`(2, 2)`), darkolivegreen1; a view's base
 *   joins it with a dotted edge;
 * - one node per gradFn, labelled with its name (`MulBackward0`, `AccumulateGrad`);
 * - for each AccumulateGrad node, its leaf tensor as a lightblue box labelled with its
 *   parameter name, when `params` names it, and its shape, with an edge leaf -> AccumulateGrad
 *   (so a leaf reads leaf -> AccumulateGrad -> consumer, as torchviz draws it);
 * - saved tensors (orange, `saved[i]` and their shape) tied to the node that saved them
 *   with an undirected edge, unless `showSaved: false` (nodes whose saved tensors were
 *   freed by a backward pass show none);
 * - an edge from each input's node to the node that consumed it.
 *
 * The walk is iterative (a 100,000-op chain is fine) and ids are `n0, n1, ...` in order of
 * first appearance, so the output is deterministic.
 * @module
 * @category Autograd
 */
import { AccumulateGrad, FnNode, type Node } from "./autograd/node.js";
import * as A from "./argcheck.js";
import { Tensor } from "./tensor.js";

/** Options of {@link toDot}. */
export interface ToDotOptions {
  /** Names for leaf tensors, e.g. `model.namedParameters()` or `{ w: w, b: b }`. */
  params?: Record<string, Tensor> | Iterable<readonly [string, Tensor]> | Map<string, Tensor>;
  /** Show saved tensors' shapes (default true). */
  showSaved?: boolean;
}

/**
 * The backward graph that produced `tensor` (or several tensors) as Graphviz DOT text, like
 * torchviz's `make_dot`.
 *
 * Each `gradFn` is a node labelled with its name (`MulBackward0`, `AccumulateGrad`); the tensor
 * itself is a green box with its shape; leaves are blue boxes labelled with their name (from
 * `params`) and shape; saved tensors are orange boxes tied to the node that saved them. Node ids
 * are assigned in order of first appearance, so the output is deterministic.
 *
 * @returns `digraph { ... }`; render it with Graphviz (`dot -Tsvg`).
 * @throws `TypeError` for an argument that is not a Tensor (or array of them), or a `params` entry
 *   that is not a Tensor.
 * @example
 * ```ts
 * const dot = torch.viz.toDot(loss, { params: model.namedParameters() });
 * ```
 */
export function toDot(tensor: Tensor | Tensor[], opts: ToDotOptions = {}): string {
  const roots = Array.isArray(tensor) ? tensor : [tensor];
  for (const t of roots) {
    if (!(t instanceof Tensor)) throw new TypeError("toDot expects a Tensor or an array of Tensors");
  }
  A.checkOptions("toDot", opts, { params: "any", showSaved: "bool" });
  const showSaved = opts.showSaved ?? true;
  const paramName = new Map<Tensor, string>();
  if (opts.params !== undefined) {
    const entries = isIterable(opts.params) ? opts.params : Object.entries(opts.params);
    for (const [name, t] of entries) {
      if (!(t instanceof Tensor)) throw new TypeError(`toDot: params entry ${JSON.stringify(name)} is not a Tensor`);
      paramName.set(t, name);
    }
  }

  const ids = new Map<object, string>();
  const id = (x: object): string => {
    let s = ids.get(x);
    if (s === undefined) { s = `n${ids.size}`; ids.set(x, s); }
    return s;
  };
  const body: string[] = [];
  const node = (x: object, label: string, fill?: string) =>
    body.push(`\t${id(x)} [label=${quote(label)}${fill !== undefined ? ` fillcolor=${fill}` : ""}]`);
  const edge = (from: object, to: object, attrs = "") => body.push(`\t${id(from)} -> ${id(to)}${attrs}`);
  const varName = (t: Tensor, name?: string) => `${name ?? paramName.get(t) ?? ""}\n ${sizeToStr(t.shape)}`;

  const seen = new Set<object>();
  type Item = { tensor: Tensor; color: string } | { fn: Node };
  const stack: Item[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ tensor: roots[i]!, color: "darkolivegreen1" });

  while (stack.length > 0) {
    const item = stack.pop()!;
    if ("tensor" in item) {
      const v = item.tensor;
      if (seen.has(v)) continue;
      seen.add(v);
      node(v, varName(v), item.color);
      const later: Item[] = [];
      if (v.gradFn !== null) {
        edge(v.gradFn, v);
        later.push({ fn: v.gradFn });
      }
      const base = v._base;
      if (base !== null && base !== v) {
        edge(base, v, " [style=dotted]");
        later.push({ tensor: base, color: "darkolivegreen3" });
      }
      for (let i = later.length - 1; i >= 0; i--) stack.push(later[i]!);
      continue;
    }

    const fn = item.fn;
    if (seen.has(fn)) continue;
    seen.add(fn);
    if (fn instanceof AccumulateGrad) {
      // torchviz: the leaf's box (once, even when it is also a root), then leaf -> AccumulateGrad
      const v = fn.variable;
      if (!seen.has(v)) {
        seen.add(v);
        node(v, varName(v), "lightblue");
      }
      edge(v, fn);
    }
    node(fn, fn.name());
    if (showSaved && fn instanceof FnNode) {
      const saved = fn.peekSaved();
      saved.forEach((t, i) => {
        node(t, varName(t, saved.length === 1 ? "saved" : `saved[${i}]`), "orange");
        edge(t, fn, " [dir=none]");
      });
    }
    const children: Node[] = [];
    for (const u of fn.next) {
      if (u === null || u === undefined) continue;
      edge(u, fn);
      children.push(u);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push({ fn: children[i]! });
  }

  // torchviz's resize_graph: 0.15 inch per statement, at least 12
  const content = body.length * 0.15;
  const size = content > 12 ? (Number.isInteger(content) ? content.toFixed(1) : String(content)) : "12";
  return [
    "digraph {",
    `\tgraph [size="${size},${size}"]`,
    "\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box style=filled]",
    ...body,
    "}",
    "",
  ].join("\n");
}

function sizeToStr(shape: readonly number[]): string {
  return `(${shape.join(", ")})`;
}

/** A DOT double-quoted string: backslashes and quotes escaped, newlines as `\n`. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r?\n/g, "\\n")}"`;
}

function isIterable(x: unknown): x is Iterable<readonly [string, Tensor]> {
  return x !== null && typeof x === "object" && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
