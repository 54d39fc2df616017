/**
 * Reference-counted storage and the memory bookkeeping behind `dispose`, `tidy`,
 * `memory()` and the FinalizationRegistry safety net.
 *
 * One Storage is shared by a tensor and all its views/aliases; each tensor object
 * holds one reference. The backend handle is freed when the last reference goes.
 */
import type { Backend, Handle } from "./backend/backend.js";
import { itemSize, type DType } from "./dtype.js";

export class Storage {
  refs = 1;
  /** PyTorch's version counter, shared by every view of this storage. */
  version = 0;
  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    public handle: Handle,
    readonly numel: number,
    /** Counted in `memory().bytesInUse` (the library's own scratch storage is not). */
    readonly counted = true,
  ) {
    if (!counted) return;
    const bytes = numel * itemSize(dtype);
    stats.bytesInUse += bytes;
    if (stats.bytesInUse > stats.peakBytes) stats.peakBytes = stats.bytesInUse;
  }

  retain(): this { this.refs++; return this; }

  release(): void {
    if (--this.refs === 0) {
      if (this.counted) stats.bytesInUse -= this.numel * itemSize(this.dtype);
      this.backend.free(this.handle, this.dtype, this.numel);
      this.handle = null;
    }
  }
}

export const stats = { tensors: 0, bytesInUse: 0, peakBytes: 0 };

/** A soft limit on live tensor objects past which we warn once about GC-only reclamation. */
const SOFT_LIMIT_TENSORS = 100_000;
let warned = false;
export function noteTensorCreated(): void {
  if (++stats.tensors > SOFT_LIMIT_TENSORS && !warned && scopes.length === 0) {
    warned = true;
    console.warn(
      `wasmgrad: more than ${SOFT_LIMIT_TENSORS} tensors are alive. Unreachable tensors are only ` +
      "reclaimed between event-loop tasks; in a long synchronous loop wrap each step in " +
      "torch.tidy(() => ...) or call dispose(), or await now and then.",
    );
  }
}

/** Tensors that can be disposed: the shape scope.ts and the registry need. */
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
  /** Kept alive past the enclosing tidy scopes (e.g. became a leaf's .grad). */
  _kept: boolean;
}

/** Stack of open tidy scopes; each collects the tensors made while it is innermost. */
const scopes: Disposable[][] = [];

export function trackInScope(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top !== undefined) top.push(t);
}

export function openScope(): void { scopes.push([]); }

/** Close the innermost scope, disposing what it collected except `keep`;
 *  kept tensors move to the enclosing scope (tidies nest). */
export function closeScope(keep: Set<Disposable>): void {
  const made = scopes.pop()!;
  const parent = scopes[scopes.length - 1];
  for (const t of made) {
    if (t.isDisposed) continue;
    if (keep.has(t)) { if (parent) parent.push(t); continue; }
    if (t._kept) continue;
    t.dispose();
  }
}

/** Safety net: a tensor object that was collected without dispose() drops its reference. */
const registry = new FinalizationRegistry<Storage>((storage) => {
  stats.tensors--;
  storage.release();
});

/** What the GC safety net needs of a tensor. */
export interface Registrable extends Disposable { _storage: Storage; _registered: boolean }

/**
 * Registration with the FinalizationRegistry is deferred to the next microtask (or a
 * batch of 1024): finalizers only ever run between tasks, so nothing is lost, and the
 * many tensors disposed before then (temporaries, tidy scopes) never pay for it.
 */
let pending: Registrable[] = [];
function flushRegistrations(): void {
  const list = pending;
  pending = [];
  for (const t of list) {
    if (t.isDisposed) continue;
    registry.register(t, t._storage, t);
    t._registered = true;
  }
}
export function registerForCleanup(t: Registrable): void {
  if (pending.push(t) === 1) queueMicrotask(flushRegistrations);
  else if (pending.length >= 1024) flushRegistrations();
}
export function unregisterForCleanup(t: Registrable): void {
  if (t._registered) { registry.unregister(t); t._registered = false; }
}

/**
 * A graph node's saved tensors hold storage references of their own. When a node is
 * collected before a backward released them, this returns them: one registration per
 * node that saves anything, deferred like tensors' (most nodes are released first).
 */
const nodeRegistry = new FinalizationRegistry<Storage[]>((storages) => { for (const s of storages) s.release(); });
export interface SavingNode { _savedStorages(): Storage[] | null; _registered: boolean }
let pendingNodes: SavingNode[] = [];
function flushNodes(): void {
  const list = pendingNodes;
  pendingNodes = [];
  for (const n of list) {
    const storages = n._savedStorages();
    if (storages === null) continue;
    nodeRegistry.register(n, storages, n);
    n._registered = true;
  }
}
export function registerNodeForCleanup(n: SavingNode): void {
  if (pendingNodes.push(n) === 1) queueMicrotask(flushNodes);
  else if (pendingNodes.length >= 1024) flushNodes();
}
export function unregisterNodeForCleanup(n: SavingNode): void {
  if (n._registered) { nodeRegistry.unregister(n); n._registered = false; }
}
