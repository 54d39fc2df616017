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

/** Stack of open scopes; each collects the tensors made while it is innermost. Internal
 *  scopes (the backward engine's, an op's temporaries) are the library's own. */
const scopes: { made: Disposable[]; internal: boolean; compactAt: number }[] = [];

export function trackInScope(t: Disposable): void {
  const top = scopes[scopes.length - 1];
  if (top === undefined) return;
  if (top.made.push(t) > top.compactAt) compact(top);
}

/** Drop already-disposed entries (a long loop inside one scope that disposes as it goes). */
function compact(scope: { made: Disposable[]; compactAt: number }): void {
  scope.made = scope.made.filter((t) => !t.isDisposed);
  scope.compactAt = Math.max(1024, scope.made.length * 2);
}

/** Hand a tensor the library no longer owns to the innermost user scope (tidy), if any. */
export function trackInUserScope(t: Disposable): void {
  for (let i = scopes.length - 1; i >= 0; i--) {
    if (!scopes[i]!.internal) { scopes[i]!.made.push(t); return; }
  }
}

export function openScope(internal = false): void { scopes.push({ made: [], internal, compactAt: 1024 }); }

/** Close the innermost scope, disposing what it collected except `keep`;
 *  kept tensors move to the enclosing scope (tidies nest). */
export function closeScope(keep: Set<Disposable>): void {
  const made = scopes.pop()!.made;
  const outer = scopes[scopes.length - 1];
  const parent = outer?.made;
  for (const t of made) {
    if (t.isDisposed) continue;
    // kept tensors (a result, or a .grad that belongs to a tensor) stay tracked by the
    // enclosing scope: a .grad let go later (its tensor disposed, or replaced after it was
    // handed out) is then freed when that scope closes
    if (keep.has(t) || t._kept) { if (parent) parent.push(t); continue; }
    t.dispose();
  }
  // a long loop of inner scopes inside one outer scope hands it kept tensors that are
  // disposed later (replaced grads): drop those now and then so the list stays short
  if (outer !== undefined && outer.made.length > outer.compactAt) compact(outer);
}

/** Something the GC safety net can watch: `heldValue()` is what its finalizer releases,
 *  or null when there is nothing left to release (already disposed or released). */
export interface Watched<H> { _registered: boolean; _heldForCleanup(): H | null }

/**
 * A FinalizationRegistry whose registrations are deferred to the next microtask (or a
 * batch of 1024). Finalizers only ever run between tasks, so nothing is lost, and the
 * many objects disposed before then (temporaries, tidy scopes, nodes released by a
 * backward pass) never pay for registering.
 */
class DeferredRegistry<H> {
  private readonly registry: FinalizationRegistry<H>;
  private pending: Watched<H>[] = [];
  constructor(finalize: (held: H) => void) {
    this.registry = new FinalizationRegistry(finalize);
  }
  private readonly flush = (): void => {
    const list = this.pending;
    this.pending = [];
    for (const o of list) {
      const held = o._heldForCleanup();
      if (held === null) continue;
      this.registry.register(o, held, o);
      o._registered = true;
    }
  };
  watch(o: Watched<H>): void {
    if (this.pending.push(o) === 1) queueMicrotask(this.flush);
    else if (this.pending.length >= 1024) this.flush();
  }
  unwatch(o: Watched<H>): void {
    if (o._registered) { this.registry.unregister(o); o._registered = false; }
  }
}

/** A tensor object collected without dispose() drops its storage reference. */
export const tensorCleanup = new DeferredRegistry<Storage>((storage) => {
  stats.tensors--;
  storage.release();
});

/** A graph node collected before a backward released its saved tensors returns their
 *  storage references (one registration per node that saves anything). */
export const nodeCleanup = new DeferredRegistry<Storage[]>((storages) => {
  for (const s of storages) s.release();
});
