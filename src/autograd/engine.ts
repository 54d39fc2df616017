/**
 * The backward engine: an iterative topological walk (no recursion, so a chain of
 * 100,000 ops is fine), gradients summed per node, leaf `.grad` accumulated.
 * Every tensor the pass makes for itself is freed at the end unless it became a
 * `.grad`, a retained grad or a result of `autograd.grad`.
 */
import { AccumulateGrad, FnNode, type Node } from "./node.js";
import { isGradEnabled, setGradEnabled } from "./grad_mode.js";
import { validateOutputs } from "./validate.js";
import { closeScope, openScope, type Disposable } from "../scopes.js";
import type { Tensor } from "../tensor.js";

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** autograd.grad: return the gradients reaching these tensors instead of accumulating. */
  inputs?: readonly Tensor[];
  allowUnused?: boolean;
  /** backward(inputs=...) accumulates what the inputs' hooks return; autograd.grad does not. */
  captureAfterHooks?: boolean;
}

/** The node that receives a tensor's gradient: its gradFn, or its leaf accumulator. */
export function gradEdge(t: Tensor): Node | null {
  if (t.gradFn !== null) return t.gradFn;
  return t.requiresGrad ? t._accumulator() : null;
}

function addGrad(node: Node, g: Tensor): void {
  node._grad = node._grad === null ? g : node._grad.add(g);
}

/** Record `grad` as the result for each input index in `at`, in that input's dtype. */
function takeCapture(at: number[], grad: Tensor, inputs: readonly Tensor[], results: (Tensor | null)[], keep: Set<Disposable>): void {
  for (const i of at) {
    const want = inputs[i]!.dtype;
    const gi = grad.dtype === want ? grad : grad.to(want);
    results[i] = gi;
    keep.add(gi);
  }
}

export function runBackward(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: RunOptions): (Tensor | null)[] {
  const rootNodes: Node[] = [];
  for (let i = 0; i < roots.length; i++) {
    const edge = gradEdge(roots[i]!);
    if (edge === null) throw new Error(`element ${i} of tensors does not require grad and does not have a grad_fn`);
    rootNodes.push(edge);
  }

  // 1. Discover the reachable graph (iterative DFS) and count each node's consumers.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: Node[] = [];
  for (const n of rootNodes) if (!seen.has(n)) { seen.add(n); n._deps = 0; stack.push(n); }
  // consumers of each node, kept only for autograd.grad's pruning
  const consumers: Map<Node, Node[]> | null = opts.inputs !== undefined ? new Map() : null;
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const m of n.next) {
      if (m === null) continue;
      if (!seen.has(m)) { seen.add(m); m._deps = 0; stack.push(m); }
      m._deps++;
      if (consumers !== null) { const c = consumers.get(m); if (c) c.push(n); else consumers.set(m, [n]); }
    }
  }

  // 2. For autograd.grad: capture at the inputs' nodes; run only nodes that lead there.
  const inputs = opts.inputs;
  let capture: Map<Node, number[]> | null = null;
  let needed: Set<Node> | null = null;
  if (inputs !== undefined) {
    capture = new Map();
    inputs.forEach((t, i) => {
      const e = gradEdge(t);
      if (e === null) throw new Error("One of the differentiated Tensors does not require grad");
      const list = capture!.get(e);
      if (list) list.push(i); else capture!.set(e, [i]);
    });
    // a node runs when some capture node lies strictly below it: walk consumers upward
    // (a captured node itself runs only if another capture lies below it, as PyTorch)
    needed = new Set();
    const work: Node[] = [];
    for (const n of capture.keys()) if (seen.has(n)) work.push(n);
    while (work.length > 0) {
      for (const p of consumers!.get(work.pop()!) ?? []) if (!needed.has(p)) { needed.add(p); work.push(p); }
    }
  }

  const results: (Tensor | null)[] = inputs ? inputs.map(() => null) : [];
  const keep = new Set<Disposable>();
  const prevMode = isGradEnabled();
  openScope(true);
  try {
    setGradEnabled(opts.createGraph);
    for (let i = 0; i < rootNodes.length; i++) addGrad(rootNodes[i]!, rootGrads[i]!);

    // 3. Kahn's algorithm over the counted graph.
    const ready: Node[] = rootNodes.filter((n, i) => n._deps === 0 && rootNodes.indexOf(n) === i);
    while (ready.length > 0) {
      const node = ready.pop()!;
      let g = node._grad;
      node._grad = null;
      const run = needed === null || needed.has(node);
      const captured = g !== null && capture !== null && capture.has(node);
      // autograd.grad takes an input's gradient before that tensor's hooks run (PyTorch 1.13)
      if (captured && !opts.captureAfterHooks) takeCapture(capture!.get(node)!, g!, inputs!, results, keep);
      if ((run || (captured && opts.captureAfterHooks)) && g !== null && node._preHooks !== null) {
        for (const hook of node._preHooks.slice()) {
          keep.add(g); // a user hook may hold on to the gradient it was given
          const r = hook(g);
          if (r === undefined || r === null) continue;
          if (r.shape.length !== g.shape.length || r.shape.some((d, k) => d !== g!.shape[k])) {
            throw new Error("hook 'hook' has changed the size of value");
          }
          g = r;
        }
      }
      if (captured && opts.captureAfterHooks) takeCapture(capture!.get(node)!, g!, inputs!, results, keep);
      if (node instanceof AccumulateGrad) {
        if (run && g !== null && capture === null) node.variable._accumulateGrad(g, opts.createGraph);
      } else if (node instanceof FnNode) {
        const grads = run && g !== null ? validateOutputs(node, node.rule.backward(node, g)) : null;
        for (let i = 0; i < node.next.length; i++) {
          const m = node.next[i];
          if (m === null || m === undefined) continue;
          const gi = grads === null ? null : grads[i];
          if (gi !== null && gi !== undefined) addGrad(m, gi);
          if (--m._deps === 0) ready.push(m);
        }
        // PyTorch frees saved tensors only of nodes that ran (pruned branches keep theirs)
        if (!opts.retainGraph && grads !== null) node.releaseSaved();
      }
    }
    if (inputs !== undefined && !opts.allowUnused) {
      const unused = results.findIndex((r) => r === null);
      if (unused >= 0) {
        throw new Error(
          "One of the differentiated Tensors appears to not have been used in the graph. " +
          "Set allow_unused=True if this is the desired behavior.",
        );
      }
    }
  } finally {
    setGradEnabled(prevMode);
    for (const n of order) n._grad = null;
    closeScope(keep);
  }
  return results;
}
