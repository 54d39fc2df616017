/**
 * Reference-counted tensor storage.
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
import { Account, accounting } from "./accounting.js";
import { Block, LinearMemoryCache, type Recipe } from "./residency.js";


const caches = new Map<Backend, LinearMemoryCache>();
/** The linear-memory cache of a wasm backend (made on first use). */
let lastBackend: Backend | null = null;
let lastCache: LinearMemoryCache | null = null;
export function memoryCache(backend: Backend): LinearMemoryCache {
  if (backend === lastBackend) return lastCache!;
  let c = caches.get(backend);
  if (c === undefined) caches.set(backend, (c = new LinearMemoryCache(backend as WasmBackend)));
  lastBackend = backend;
  lastCache = c;
  return c;
}

export class Storage {
  refs = 1;
  /** What it counts for in `memory()` (for wasm, its Block: where its bytes are). */
  private readonly account: Account;
  /** @internal js: the typed array; wasm: a fixed pointer for storage outside the cache. */
  private _handle: Handle;
  /** @internal wasm: where the bytes are now (its cache moves them in and out). */
  readonly block: Block | null;
  /** wasm: how its bytes were made, while they could be made again (residency.ts). */
  recipe: Recipe | null = null;

  /** New storage of `numel` elements, zero-filled unless `zero` is false. */
  static allocate(backend: Backend, dtype: DType, numel: number, zero = true): Storage {
    if (backend.name === "wasm" && numel > 0) {
      return new Storage(backend, dtype, numel, null, memoryCache(backend).allocate(dtype, numel, zero));
    }
    return new Storage(backend, dtype, numel, backend.alloc(dtype, numel, zero), null);
  }

  /** Storage of the library's own (never counted, never moved): a scratch scalar. */
  static scratch(backend: Backend, dtype: DType, numel: number): Storage {
    return new Storage(backend, dtype, numel, backend.alloc(dtype, numel), null, false);
  }

  private constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly numel: number,
    handle: Handle,
    block: Block | null,
    /** Counted in `memory()` (the library's scratch storage is not). */
    readonly counted = true,
  ) {
    this._handle = handle;
    this.block = block;
    const account = (this.account = block ?? new Account(numel * itemSize(dtype)));
    if (!counted) return;
    accounting.countBytes(account.bytes);
  }

  /** js-backend storage the garbage collector may take without the library seeing it (a
   *  tensor on it left every scope, or only a graph's saved tensors hold it now): counted in a
   *  group from here on (accounting.ts). Storage a scope frees never gets that far, and never
   *  pays for it. */
  private joinGroup(): void {
    const a = this.account;
    if (this.block === null && a.group === null && !a.watched && a.bytes > 0) accounting.joinCurrentGroup(a, false);
  }

  /** Let the garbage collector report this storage if it is still alive when the job ends
   *  (called for storage outside every tidy scope: scoped storage is freed by its scope). */
  watch(): void {
    if (!this.counted) return;
    this.joinGroup();
    accounting.watch(this, this.account, this.block === null ? this.account.bytes : 0);
  }

  /** The backend handle for a kernel that may write the bytes: for wasm, moves them back
   *  into linear memory if they were moved out, and marks them used. */
  get handle(): Handle {
    const b = this.block;
    if (b === null) return this._handle;
    const p = b.cache.use(b, this);
    if (this.recipe !== null || b.contents !== null) b.cache.written(b, this);
    return p;
  }

  /** The handle for a kernel that only reads the bytes (a recipe that reads them stays valid). */
  get readHandle(): Handle {
    const b = this.block;
    return b === null ? this._handle : b.cache.use(b, this);
  }

  /** Whether `recordRecipe` would keep a recipe (ops check first, so that small tensors do not
   *  pay for making one). */
  get wantsRecipe(): boolean {
    const b = this.block;
    return b !== null && b.bytes >= b.cache.recipeMinBytes;
  }

  /** Record how a kernel just made this storage's bytes from `inputs` (read through
   *  `readHandle`): `run` does it again, given the inputs' pointers and a new one for the
   *  result. Lets the wasm cache drop the bytes rather than copy them (residency.ts). Only
   *  where `wantsRecipe`. */
  recordRecipe(inputs: readonly Storage[], run: (inputs: readonly number[], out: number) => void): void {
    this.block!.cache.recordRecipe(this.block!, this, inputs, run);
  }

  /** Count one more (+1) or one fewer (-1) tensor object on this storage. */
  countTensor(delta: 1 | -1): void {
    if (this.counted) accounting.countTensor(this.account, delta);
  }

  retain(): this { this.refs++; return this; }

  release(): void {
    if (--this.refs !== 0) {
      // the rest may be a graph's saved tensors, which no scope frees: watched like a tensor
      // that left every scope, so that a graph dropped without backward leaves the counts
      if (this.account.tensors === 0) this.watch();
      return;
    }
    if (!this.counted) { this.backend.free(this._handle, this.dtype, this.numel); return; }
    const a = this.account;
    accounting.countBytes(-a.bytes);
    if (this.block !== null) { this.block.cache.free(this.block, this); return; }
    accounting.unwatch(a);
    accounting.leaveGroup(a);
    this.backend.free(this._handle, this.dtype, this.numel);
    this._handle = null;
  }
}
