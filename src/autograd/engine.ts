/**
 * The backward engine, after PyTorch's (torch/csrc/autograd/engine.cpp). Each pass is a
 * GraphTask that owns everything about it: dependency counts, the gradients each node has
 * received so far (per output number), what autograd.grad captures. The graph's nodes hold
 * none of it, so passes nest: a custom Function's backward or a tensor hook may start
 * another pass (activation checkpointing) over nodes the outer pass is still using.
 *
 * A pass, in phases:
 *   1. computeDependencies: walk the graph from the roots (iteratively, so a chain of
 *      100,000 ops is fine), counting the edges into each node;
 *   2. decideExecution (autograd.grad only): which nodes lead to an input, and where to
 *      capture the inputs' gradients;
 *   3. evaluateNode, for each node whose dependencies are all done: its tensor hooks,
 *      captures, its rule (callRule, the one place a rule is called);
 *   4. routeOutputs: hand each gradient the rule returned to the node on that edge.
 * Every tensor the pass makes for itself is freed at the end unless it became a `.grad`,
 * a retained grad or a result of `autograd.grad`.
 */
import { AccumulateGrad, FnNode, type Node } from "./node.js";
import { isGradEnabled, setGradEnabled } from "./grad_mode.js";
import { checkNodeOutputs, isAnomalyEnabled, reportAnomaly } from "./anomaly.js";
import { validateOutputs } from "./validate.js";
import { closeScope, openScope, type Disposable } from "../scopes.js";
import { Tensor } from "../tensor.js";
import { kindOf } from "../argcheck.js";
import { refusePromise } from "../callbacks.js";
import { dtypeName } from "../dtype.js";

export interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** autograd.grad: return the gradients reaching these tensors instead of accumulating. */
  inputs?: readonly Tensor[];
  allowUnused?: boolean;
  /** backward(inputs=...) accumulates what the inputs' hooks return; autograd.grad does not. */
  captureAfterHooks?: boolean;
}

/** The node that receives a tensor's gradient: its gradFn, or its leaf accumulator.
 *  The tensor's gradient is that node's output number `t._outputNr` (read after this call). */
export function gradEdge(t: Tensor): Node | null {
  if (t.gradFn !== null) return t.gradFn;
  return t.requiresGrad ? t._accumulator() : null;
}

/** The input numbers of the edges to `inputs` (call after gradEdge on each): null when all
 *  are 0, which they are unless an input is a later output of a multi-output node. */
export function inputNrsOf(inputs: readonly (Tensor | null | undefined)[]): number[] | null {
  let nrs: number[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i];
    if (t != null && t._outputNr !== 0) (nrs ??= new Array<number>(inputs.length).fill(0))[i] = t._outputNr;
  }
  return nrs;
}

/** One node's state in one pass (PyTorch keeps these in GraphTask's dependencies_ and
 *  not_ready_). */
export class NodeState {
  constructor(readonly task: GraphTask, readonly node: Node) {}
  /** Edges into this node not yet evaluated. */
  deps = 0;
  /** The gradient received so far by a node with one output (most nodes: no array per node). */
  grad: Tensor | null = null;
  /** A node with several outputs: the gradients received so far, per output number. */
  grads: (Tensor | null)[] | null = null;
}

/** Where autograd.grad takes a gradient: input `at` of the call is output `outputNr` of a node. */
interface Capture { at: number; outputNr: number }

/**
 * PyTorch's GraphTask: one backward pass. The pass finds a node's state through the node's
 * `_state` field, stamped while the pass runs and cleared when it ends: a field read per edge
 * (a Map lookup per edge cost a 100-op backward about 5 µs). A node still stamped by an
 * enclosing pass (a hook or a custom Function's backward started this one over a shared part
 * of the graph) keeps that stamp; this pass keeps its state of the node in `others`.
 */
class GraphTask {
  /** Every state this pass made (to clear its stamps at the end). */
  readonly states: NodeState[] = [];
  /** States of nodes an enclosing pass has stamped (made on first need). */
  others: Map<Node, NodeState> | null = null;
  /** Nodes ready to evaluate (all their dependencies done), taken last-in first-out. */
  readonly ready: NodeState[] = [];
  /** autograd.grad: the nodes that must run to reach an input (PyTorch's exec_info_), and the
   *  gradients to capture; null for a plain backward, which runs everything reachable. */
  needed: Set<Node> | null = null;
  captures: Map<Node, Capture[]> | null = null;
  readonly results: (Tensor | null)[];
  /** What the pass made that must outlive its scope (results, gradients a hook saw). */
  readonly keep = new Set<Disposable>();

  constructor(readonly opts: RunOptions) {
    this.results = opts.inputs === undefined ? [] : opts.inputs.map(() => null);
  }

  /** The node's state in this pass; undefined when the pass has not reached it. */
  stateOf(node: Node): NodeState | undefined {
    const s = node._state;
    if (s !== null && s.task === this) return s;
    return this.others === null ? undefined : this.others.get(node);
  }

  /** The state of a node the pass reaches for the first time. */
  addState(node: Node): NodeState {
    const s = new NodeState(this, node);
    if (node._state === null) node._state = s;
    else (this.others ??= new Map()).set(node, s);
    this.states.push(s);
    return s;
  }

  /** Clear the stamps this pass set. */
  clearStamps(): void {
    const states = this.states;
    for (let i = 0; i < states.length; i++) {
      const s = states[i]!;
      if (s.node._state === s) s.node._state = null;
    }
  }
}

/** Add `g` to what `node` (whose state is `state`) received as output `outputNr`. */
function addGrad(state: NodeState, node: Node, outputNr: number, g: Tensor): void {
  if (node.numOutputs === 1) {
    const old = state.grad;
    state.grad = old === null ? g : old.add(g);
    return;
  }
  let grads = state.grads;
  if (grads === null) {
    state.grads = grads = new Array<Tensor | null>(node.numOutputs).fill(null);
  }
  const old = grads[outputNr]!;
  grads[outputNr] = old === null ? g : old.add(g);
}

export function runBackward(roots: readonly Tensor[], rootGrads: readonly Tensor[], opts: RunOptions): (Tensor | null)[] {
  // roots were checked (grad.ts): each has a node
  const rootNodes: Node[] = [];
  const rootNrs: number[] = [];
  for (const t of roots) { rootNodes.push(gradEdge(t)!); rootNrs.push(t._outputNr); }

  const task = new GraphTask(opts);
  const prevMode = isGradEnabled();
  openScope(true);
  try {
    const consumers = computeDependencies(task, rootNodes, opts.inputs !== undefined);
    if (opts.inputs !== undefined) decideExecution(task, opts.inputs, consumers!);
    setGradEnabled(opts.createGraph);
    for (let i = 0; i < rootNodes.length; i++) {
      const n = rootNodes[i]!;
      addGrad(task.stateOf(n)!, n, rootNrs[i]!, rootGrads[i]!);
    }
    for (let i = 0; i < rootNodes.length; i++) {
      const n = rootNodes[i]!;
      const state = task.stateOf(n)!;
      if (state.deps === 0 && rootNodes.indexOf(n) === i) task.ready.push(state);
    }
    while (task.ready.length > 0) evaluateNode(task, task.ready.pop()!);
    if (opts.inputs !== undefined && !opts.allowUnused && task.results.some((r) => r === null)) {
      throw new Error(
        "One of the differentiated Tensors appears to not have been used in the graph. " +
        "Set allow_unused=True if this is the desired behavior.",
      );
    }
  } finally {
    setGradEnabled(prevMode);
    task.clearStamps();
    closeScope(task.keep);
  }
  return task.results;
}

/** Phase 1: every node reachable from the roots, with the number of edges into it.
 *  Returns each node's consumers when autograd.grad needs them for pruning. */
function computeDependencies(task: GraphTask, rootNodes: readonly Node[], wantConsumers: boolean): Map<Node, Node[]> | null {
  const consumers: Map<Node, Node[]> | null = wantConsumers ? new Map() : null;
  const stack: Node[] = [];
  for (const n of rootNodes) if (task.stateOf(n) === undefined) { task.addState(n); stack.push(n); }
  while (stack.length > 0) {
    const n = stack.pop()!;
    const next = n.next;
    for (let i = 0; i < next.length; i++) {
      const m = next[i];
      if (m === null || m === undefined) continue;
      let s = task.stateOf(m);
      if (s === undefined) { s = task.addState(m); stack.push(m); }
      s.deps++;
      if (consumers !== null) { const c = consumers.get(m); if (c) c.push(n); else consumers.set(m, [n]); }
    }
  }
  return consumers;
}

/** Phase 2 (autograd.grad): capture at the inputs' edges; run only nodes that lead there. */
function decideExecution(task: GraphTask, inputs: readonly Tensor[], consumers: Map<Node, Node[]>): void {
  const captures = (task.captures = new Map<Node, Capture[]>());
  inputs.forEach((t, at) => {
    const e = gradEdge(t);
    if (e === null) throw new Error("One of the differentiated Tensors does not require grad");
    const capture = { at, outputNr: t._outputNr };
    const list = captures.get(e);
    if (list) list.push(capture); else captures.set(e, [capture]);
  });
  // a node runs when some capture node lies strictly below it: walk consumers upward
  // (a captured node itself runs only if another capture lies below it, as PyTorch)
  const needed = (task.needed = new Set<Node>());
  const work: Node[] = [];
  for (const n of captures.keys()) if (task.stateOf(n) !== undefined) work.push(n);
  while (work.length > 0) {
    for (const p of consumers.get(work.pop()!) ?? []) if (!needed.has(p)) { needed.add(p); work.push(p); }
  }
}

/** Phase 3: a node whose dependencies are all done: hooks and captures on the gradients it
 *  received, then its rule, then phase 4 for what the rule returned. */
function evaluateNode(task: GraphTask, state: NodeState): void {
  const node = state.node;
  let grad = state.grad;
  let grads = state.grads;
  state.grad = state.grads = null; // the pass no longer holds them once the node is done
  const opts = task.opts;
  const run = task.needed === null || task.needed.has(node);
  const captures = task.captures === null ? undefined : task.captures.get(node);
  // hooks and captures work on one list of gradients per output (for one output: made only here)
  if (grad !== null && (captures !== undefined || node._preHooks !== null)) grads = [grad];
  if (grads !== null) {
    // autograd.grad takes an input's gradient before that tensor's hooks run (PyTorch 1.13)
    if (captures !== undefined && !opts.captureAfterHooks) capture(task, captures, grads);
    if ((run || (captures !== undefined && opts.captureAfterHooks)) && node._preHooks !== null) runPreHooks(task, node, grads);
    if (captures !== undefined && opts.captureAfterHooks) capture(task, captures, grads);
    if (node.numOutputs === 1) grad = grads[0]!;
  }
  if (node instanceof AccumulateGrad) {
    if (run && grad !== null && task.captures === null) node.variable._accumulateGrad(grad, opts.createGraph);
  } else if (node instanceof FnNode) {
    const ran = run && (node.numOutputs === 1 ? grad !== null : grads !== null && anyGrad(grads));
    const inputGrads = ran ? validateOutputs(node, callRule(node, grad, grads)) : null;
    routeOutputs(task, node, inputGrads);
    // PyTorch frees saved tensors only of nodes that ran (pruned branches keep theirs)
    if (!opts.retainGraph && inputGrads !== null) node.releaseSaved();
  }
}

function anyGrad(grads: readonly (Tensor | null)[]): boolean {
  for (let k = 0; k < grads.length; k++) if (grads[k] !== null) return true;
  return false;
}

/** The tensor hooks of each output, in order; a hook may replace the gradient (same dtype and shape). */
function runPreHooks(task: GraphTask, node: Node, grads: (Tensor | null)[]): void {
  const perOutput = node._preHooks!;
  for (let k = 0; k < perOutput.length; k++) {
    const hooks = perOutput[k];
    let g = grads[k];
    if (hooks === undefined || g === null || g === undefined) continue;
    for (const hook of hooks.slice()) {
      task.keep.add(g); // a user hook may hold on to the gradient it was given
      const r: unknown = refusePromise("backward()", "a tensor hook", hook(g), "graph");
      if (r === undefined || r === null) continue;
      // PyTorch's check_single_result
      if (!(r instanceof Tensor)) throw new TypeError(`expected Variable, but hook returned '${kindOf(r)}'`);
      const name = hook.name || "<anonymous>";
      if (r.dtype !== g.dtype) {
        throw new Error(`hook '${name}' has changed the type of value (was ${dtypeName(g.dtype, "tensor")} got ${dtypeName(r.dtype, "tensor")})`);
      }
      if (r.shape.length !== g.shape.length || r.shape.some((d, i) => d !== g!.shape[i])) {
        throw new Error(`hook '${name}' has changed the size of value`);
      }
      g = r;
    }
    grads[k] = g;
  }
}

/** Record the gradient of each captured output as the result for its input, in that input's dtype. */
function capture(task: GraphTask, captures: readonly Capture[], grads: readonly (Tensor | null)[]): void {
  const inputs = task.opts.inputs!;
  for (const { at, outputNr } of captures) {
    const grad = grads[outputNr];
    if (grad === null || grad === undefined) continue;
    const want = inputs[at]!.dtype;
    const gi = grad.dtype === want ? grad : grad.to(want);
    task.results[at] = gi;
    task.keep.add(gi);
  }
}

/**
 * The one place the engine runs a node's gradient rule: the gradient of a one-output node
 * (`grad`), or of each output of a node with several (`grads`, null where none arrived);
 * one gradient (or null) per input out.
 */
export function callRule(node: FnNode, grad: Tensor | null, grads: (Tensor | null)[] | null): (Tensor | null)[] {
  return isAnomalyEnabled() ? callRuleInAnomalyMode(node, grad, grads) : runRule(node, grad, grads);
}

/** Anomaly mode (anomaly.ts): NaN outputs throw; errors name the forward op's stack. (Its own
 *  function: callRule runs per node and stays short enough to be inlined into the engine.) */
function callRuleInAnomalyMode(node: FnNode, grad: Tensor | null, grads: (Tensor | null)[] | null): (Tensor | null)[] {
  try {
    const out = runRule(node, grad, grads);
    checkNodeOutputs(node.name(), out);
    return out;
  } catch (e) {
    reportAnomaly(node.name(), node.forwardTrace);
    throw e;
  }
}

function runRule(node: FnNode, grad: Tensor | null, grads: (Tensor | null)[] | null): (Tensor | null)[] {
  const rule = node.rule;
  if (node.numOutputs === 1) return rule.backward(node, grad!);
  return rule.backwardOutputs!(node, grads!);
}

/** Phase 4: give each edge its gradient (shaped by validateOutputs) and mark the edge done. */
function routeOutputs(task: GraphTask, node: FnNode, inputGrads: (Tensor | null)[] | null): void {
  const next = node.next;
  for (let i = 0; i < next.length; i++) {
    const m = next[i];
    if (m === null || m === undefined) continue;
    const state = task.stateOf(m)!;
    const gi = inputGrads === null ? null : inputGrads[i];
    if (gi !== null && gi !== undefined) addGrad(state, m, node.inputNrOf(i), gi);
    if (--state.deps === 0) task.ready.push(state); // every edge into m is done
  }
}
