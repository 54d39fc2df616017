/**
 * Reference-counted tensor storage, and the stack of scopes behind `tidy`.
 *
 * One Storage is shared by a tensor and all its views and aliases; each tensor object
 * holds one reference, and the bytes are freed when the last one goes (`dispose`,
 * `tidy`). Storage nobody disposes is left to the garbage collector: js-backend arrays
 * are JS objects already, and wasm storage lives in linear memory under a budget that
 * moves it to the JS heap when it has not been used for a while (residency.ts).
 */
import type { Backend, Handle } from "./backend/backend.js";
import type { WasmBackend } from "./backend/wasm/index.js";
import { itemSize, type DType } from "./dtype.js";
import { Account, accounting, stats } from "./accounting.js";
import { Block, LinearMemoryCache } from "./residency.js";

export { stats };

const caches = new Map<Backend, LinearMemoryCache>();
/** The linear-memory cache of a wasm backend (made on first use). */
export function memoryCache(backend: Backend): LinearMemoryCache {
  let c = caches.get(backend);
  if (c === undefined) caches.set(backend, (c = new LinearMemoryCache(backend as WasmBackend)));
  return c;
}

export class Storage {
  refs = 1;
  /** What it counts for in `memory()` (for wasm, its Block: where its bytes are). */
  private readonly account: Account;
  /** js: the typed array; wasm: a fixed pointer for storage outside the cache. */
  private _handle: Handle;
  /** wasm: where the bytes are now. */
  private readonly block: Block | null;
  private readonly cache: LinearMemoryCache | null;

  /** New storage of `numel` elements, zero-filled unless `zero` is false. */
  static allocate(backend: Backend, dtype: DType, numel: number, zero = true): Storage {
    if (backend.name === "wasm" && numel > 0) {
      const cache = memoryCache(backend);
      return new Storage(backend, dtype, numel, null, cache, cache.allocate(dtype, numel, zero));
    }
    return new Storage(backend, dtype, numel, backend.alloc(dtype, numel, zero), null, null);
  }

  /** Storage of the library's own (never counted, never moved): a scratch scalar. */
  static scratch(backend: Backend, dtype: DType, numel: number): Storage {
    const s = new Storage(backend, dtype, numel, backend.alloc(dtype, numel), null, null, false);
    return s;
  }

  private constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly numel: number,
    handle: Handle,
    cache: LinearMemoryCache | null,
    block: Block | null,
    /** Counted in `memory()` (the library's scratch storage is not). */
    readonly counted = true,
  ) {
    this._handle = handle;
    this.cache = cache;
    this.block = block;
    const account = (this.account = block ?? new Account(numel * itemSize(dtype)));
    if (!counted) return;
    accounting.countBytes(account.bytes);
    if (block === null && account.bytes > 0) accounting.joinJsGroup(account);
    accounting.watch(this, account);
  }

  /** The backend handle for a kernel: for wasm, moves the bytes back into linear memory
   *  if they were moved out, and marks them used. */
  get handle(): Handle {
    const b = this.block;
    return b === null ? this._handle : this.cache!.use(b, this);
  }

  /** Count one more (+1) or one fewer (-1) tensor object on this storage. */
  countTensor(delta: 1 | -1): void {
    if (this.counted) accounting.countTensor(this.account, delta);
  }

  retain(): this { this.refs++; return this; }

  release(): void {
    if (--this.refs !== 0) return;
    if (!this.counted) { this.backend.free(this._handle, this.dtype, this.numel); return; }
    const a = this.account;
    accounting.countBytes(-a.bytes);
    if (this.block !== null) { this.cache!.free(this.block); return; }
    accounting.unwatch(a);
    accounting.leaveGroup(a);
    this.backend.free(this._handle, this.dtype, this.numel);
    this._handle = null;
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
