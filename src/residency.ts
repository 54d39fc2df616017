/**
 * Wasm linear memory as a cache of tensor storage.
 *
 * No JS engine tells a synchronous loop that an object died (WeakRef targets live to the
 * end of the job, finalizers run between tasks), so code written without `tidy` leaves
 * unreachable storage in linear memory that the library cannot free in time. Instead,
 * linear memory stays within `budget` bytes: when an allocation would not fit in it,
 * the blocks used least recently move out to the JS heap (a typed-array copy), where
 * the garbage collector reclaims them like any JS object once unreachable, and a block
 * moves back in when a kernel next reads it. Garbage is never read again, so it costs one
 * copy; live weights are used every step and stay in.
 *
 * The cache holds `Block`s, never the `Storage` that owns one, so a storage can be
 * collected while its block is resident. Where `FinalizationRegistry` exists, storages
 * that outlive the job that made them are registered (once the job ends, at the cost of
 * one registration each) so that the block of a collected storage is freed without the
 * copy; a synchronous loop never gets there and relies on the budget alone.
 *
 * A job that makes more storages than the registration list holds drops the oldest from it
 * (src/accounting.ts); their blocks are adopted in groups of ORPHAN_GROUP instead: each
 * group is registered once, through a token that only its members' storages reach, and
 * frees its members' blocks still resident once all of them are collected.
 *
 * A block made by an elementwise kernel from inputs that are still there (src/ops/
 * elementwise.ts records how: its `Recipe`) moves out without a copy: it is dropped, and
 * recomputed from its inputs (the same kernel on the same bytes, so the same result) if a
 * kernel reads it again. Garbage is then never copied at all. What a recipe reads is
 * pinned by `Contents`: when an input is about to change (a kernel writes it) or go
 * (dispose) while a dropped block still needs it, its bytes are kept first (a snapshot).
 * Recipes nest at most MAX_RECIPE_DEPTH deep, so a tensor a program keeps holds at most that
 * many generations of its inputs' storage alive.
 *
 * Which block goes first is decided as CLOCK does (an approximation of least recently
 * used that costs a use nothing but a counter): resident blocks wait in a queue in the
 * order they came in; the block at its head moves out, unless it was used since it
 * joined the queue, in which case it goes to the back for another round. A block used by
 * one of the last `PROTECT` look-ups never moves out, so the operands an op has just
 * looked up stay where the op found them.
 */
import type { WasmBackend } from "./backend/wasm/index.js";
import type { DType, TypedArray } from "./dtype.js";
import { itemSize } from "./dtype.js";
import { Account, accounting, stats } from "./accounting.js";

/** Uses (allocations and handle look-ups) during which a block cannot be moved out. */
const PROTECT = 8;
const DEFAULT_BUDGET = 256 * 1024 * 1024;
/** Freed blocks up to this size are parked for reuse without a call into Wasm (the
 *  per-op cost of small tensors is mostly such bookkeeping), up to PARK_BYTES in all. */
const PARK_MAX_BLOCK = 1024;
const PARK_BYTES = 1024 * 1024;
/** Blocks per group of orphans (see the file comment). */
const ORPHAN_GROUP = 64;
/** How deep recipes may nest (see the file comment). */
const MAX_RECIPE_DEPTH = 4;

/** The bytes of one block as recipes read them: current until the block is written or freed.
 *  It refers to no block, so that a recipe never keeps an input's block (or the bytes it
 *  moved out) alive. */
export class Contents {
  current = true;
  /** The bytes as they were, kept when the block changed while a dropped block needed them. */
  snapshot: TypedArray | null = null;
  /** A block was dropped on the strength of a recipe reading these contents. */
  needed = false;
}

/** How a storage's bytes were made: a kernel from `inputs` (their storages and the contents it
 *  read), to run again into a new pointer. Held by the storage, so that it lives as long as
 *  someone can still read the result, and no longer. */
export class Recipe {
  constructor(
    readonly inputs: readonly RecipeStorage[],
    readonly contents: readonly Contents[],
    readonly run: (inputs: readonly number[], out: number) => void,
    readonly depth: number,
  ) {}
}
/** A storage as the cache sees it: the owner of a block, and of the recipe that made it. */
export interface RecipeStorage {
  recipe: Recipe | null;
  readonly block: Block | null;
  readonly dtype: DType;
  readonly numel: number;
}

/** Blocks adopted together; freed (if still theirs and resident) when the token is collected. */
class Orphans { readonly blocks: Block[] = []; constructor(readonly cache: LinearMemoryCache) {} }
/** Each adopted storage's group token: reachable from the storage only, so the token dies
 *  with the last of its group's storages. */
const orphanTokens = new WeakMap<object, object>();
const orphanRegistry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Orphans>((g) => g.cache.releaseOrphans(g))
  : null;

/** Where one wasm storage's bytes are: in linear memory (`ptr`) or on the JS heap (`spilled`). */
export class Block extends Account {
  /** Byte pointer into linear memory; 0 while spilled (or freed). */
  ptr: number;
  /** The bytes on the JS heap while not resident. */
  spilled: TypedArray | null = null;
  /** Queue links (resident blocks only). */
  prev: Block | null = null;
  next: Block | null = null;
  /** The cache's use counter at this block's last use, and when it joined the queue. */
  lastUse = 0;
  queuedAt = 0;
  constructor(readonly cache: LinearMemoryCache, readonly dtype: DType, readonly numel: number, bytes: number, ptr: number) {
    super(bytes);
    this.ptr = ptr;
  }
  /** The group of orphans this block belongs to while it stays resident, if any. */
  orphans: Orphans | null = null;
  /** What its storage's recipe reads, while the block could be dropped rather than copied. */
  recipe: readonly Contents[] | null = null;
  /** Moved out without a copy (see Recipe): recomputed when next used. */
  dropped = false;
  /** Its bytes as recipes of other blocks read them (made on first such read). */
  contents: Contents | null = null;
  /** The storage was garbage collected while resident: free its linear memory now. */
  override collected(): void {
    if (this.ptr !== 0) this.cache.evict(this);
  }
  override orphaned(storage: object): void {
    if (this.ptr !== 0) this.cache.adopt(this, storage);
  }
  override registered(): void {
    this.leaveOrphans();
  }
  /** Out of its group of orphans (freed, moved out, or registered on its own): the group must
   *  not keep the block, and with it bytes moved out to the JS heap, alive. */
  leaveOrphans(): void {
    const g = this.orphans;
    if (g === null) return;
    const list = g.blocks, i = list.indexOf(this);
    list[i] = list[list.length - 1]!;
    list.pop();
    this.orphans = null;
  }
}

/** Whether a block can be dropped rather than copied: it has a recipe, and what the recipe
 *  reads is still there or was kept. */
function recomputable(b: Block): boolean {
  const r = b.recipe;
  if (r === null) return false;
  for (const c of r) if (!c.current && c.snapshot === null) return false;
  return true;
}

export class LinearMemoryCache {
  budget = DEFAULT_BUDGET;
  /** Bytes of blocks now in linear memory. */
  residentBytes = 0;
  /** Blocks moved out to the JS heap, and moved back in, since start-up. */
  spills = 0;
  restores = 0;
  /** Blocks dropped (moved out without a copy), and recomputed, since start-up. */
  drops = 0;
  recomputes = 0;
  /** Smallest block that gets a recipe: below it a copy is cheap and the recipe is not (the
   *  tests set 0 to put every block through the recipe path). */
  recipeMinBytes = 64 * 1024;
  /** While a recompute runs: blocks used after this count stay put (-1: none pinned); the
   *  count does not advance meanwhile (see tick). */
  private pinnedAfter = -1;
  private head: Block | null = null; // next to move out, unless used since it was queued
  private tail: Block | null = null;
  private residentBlocks = 0;
  private uses = 0;
  /** Parked pointers per size class (bytes rounded up to 16, divided by 16). */
  private readonly parked: number[][] = Array.from({ length: PARK_MAX_BLOCK / 16 + 1 }, () => []);
  private parkedBytes = 0;
  /** The group of orphans taking members, and its token; let go when it is full or the job ends. */
  private orphans: Orphans | null = null;
  private orphanToken: object | null = null;
  private orphanRoom = 0;

  constructor(readonly backend: WasmBackend) {}

  /** Take on a resident block whose storage will not be registered on its own (see the
   *  file comment). */
  adopt(b: Block, storage: object): void {
    if (orphanRegistry === null) return;
    if (this.orphans === null) {
      this.orphans = new Orphans(this);
      this.orphanToken = {};
      this.orphanRoom = ORPHAN_GROUP;
      orphanRegistry.register(this.orphanToken, this.orphans);
      queueMicrotask(() => { this.orphans = null; this.orphanToken = null; });
    }
    b.leaveOrphans();
    this.orphans.blocks.push(b);
    b.orphans = this.orphans;
    orphanTokens.set(storage, this.orphanToken!);
    if (--this.orphanRoom === 0) this.orphans = this.orphanToken = null;
  }

  /** Every storage of group `g` was collected: free the blocks still resident and still its. */
  releaseOrphans(g: Orphans): void {
    for (const b of g.blocks) {
      b.orphans = null;
      if (b.ptr === 0) continue;
      stats.bytesInUse -= b.bytes;
      stats.tensors -= b.tensors;
      b.tensors = 0;
      this.evict(b);
    }
  }

  /** A resident block of `numel` elements, making room under the budget first. */
  allocate(dtype: DType, numel: number, zero: boolean): Block {
    const bytes = numel * itemSize(dtype);
    const ptr = this.allocPtr(dtype, numel, bytes, zero);
    const b = new Block(this, dtype, numel, bytes, ptr);
    this.link(b);
    return b;
  }

  /** The block's pointer, moving it back into linear memory if it was moved out; marks it used. */
  use(b: Block, storage: RecipeStorage): number {
    if (b.ptr === 0) {
      if (b.dropped) this.recompute(b, storage); else { this.restore(b); storage.recipe = null; }
      accounting.watch(storage, b, 0);
    }
    b.lastUse = this.tick();
    return b.ptr;
  }

  /** Give the block of `storage` the recipe that made its bytes (see Recipe), unless recipes
   *  would nest too deep; `inputs` were just read, so they are resident. */
  recordRecipe(b: Block, storage: RecipeStorage, inputs: readonly RecipeStorage[], run: Recipe["run"]): void {
    let depth = 1;
    const contents: Contents[] = [];
    for (const s of inputs) {
      const ib = s.block;
      if (ib === null || ib.ptr === 0) return;
      depth = Math.max(depth, (s.recipe?.depth ?? 0) + 1);
      contents.push(ib.contents ??= new Contents());
    }
    if (depth > MAX_RECIPE_DEPTH) return;
    storage.recipe = new Recipe(inputs, contents, run, depth);
    b.recipe = contents;
  }

  /** A kernel may write the block now (or it is freed): its recipe no longer describes it,
   *  and dropped blocks that read its contents keep a snapshot of them. */
  written(b: Block, storage: RecipeStorage): void {
    this.keepContents(b, storage);
    storage.recipe = null;
    b.recipe = null;
  }

  /** The block's bytes are about to change or go: if a dropped block needs them, keep a copy. */
  private keepContents(b: Block, storage: RecipeStorage): void {
    const c = b.contents;
    if (c === null) return;
    b.contents = null;
    c.current = false;
    if (!c.needed) return;
    if (b.spilled !== null) { c.snapshot = b.spilled; return; } // never written: restore copies it in
    const p = this.use(b, storage);
    c.snapshot = this.backend.read(p, b.dtype, 0, b.numel);
  }

  /** Free a block whose storage was released (dispose, tidy, refcount zero). */
  free(b: Block, storage: RecipeStorage): void {
    this.written(b, storage);
    b.leaveOrphans();
    accounting.unwatch(b);
    if (b.ptr !== 0) {
      this.evict(b);
    } else if (b.spilled !== null) {
      b.spilled = null;
      accounting.leaveGroup(b);
      stats.spilledBytes -= b.bytes;
    } else if (b.dropped) {
      b.dropped = false;
      accounting.leaveGroup(b);
    }
  }

  /** Move blocks out until `bytes` more fit under the budget. */
  makeRoom(bytes: number): void {
    while (this.residentBytes + bytes > this.budget && this.moveOutOldest()) { /* next */ }
  }

  /** Move one block out to the JS heap (see the file comment for which); false when every
   *  resident block is protected (used by one of the last PROTECT look-ups). */
  private moveOutOldest(): boolean {
    const recent = this.pinnedAfter >= 0 ? Math.min(this.pinnedAfter, this.uses - PROTECT) : this.uses - PROTECT;
    let b = this.head;
    // used since queued (or protected): to the back; two rounds at most, since a block
    // sent back is movable on its next turn unless it is protected
    for (let turns = 2 * this.residentBlocks; b !== null && (b.lastUse > b.queuedAt || b.lastUse > recent); b = this.head) {
      if (turns-- === 0) return false;
      this.unlink(b);
      this.queue(b);
    }
    if (b === null) return false;
    accounting.unwatch(b);
    b.leaveOrphans(); // counted by a group of moved-out blocks from here on
    const drop = recomputable(b);
    if (drop) {
      for (const c of b.recipe!) c.needed = true;
      b.dropped = true;
      this.drops++;
    } else {
      b.recipe = null; // its storage's recipe goes when the block comes back
      b.spilled = this.backend.read(b.ptr, b.dtype, 0, b.numel);
      stats.spilledBytes += b.bytes;
      this.spills++;
    }
    this.evict(b);
    // a dropped block is counted until collected, but holds no bytes on the JS heap
    accounting.joinCurrentGroup(b, !drop);
    return true;
  }

  /** Bring a dropped block back by running its recipe again, on its inputs' current bytes (or
   *  their snapshots). What the recompute uses stays put until it is done, so the pointers
   *  it holds (and those of the op that asked) stay valid. */
  private recompute(b: Block, storage: RecipeStorage): void {
    const r = storage.recipe!;
    const outer = this.pinnedAfter < 0;
    if (outer) this.pinnedAfter = Math.max(0, this.uses - PROTECT);
    const temps: number[] = [];
    try {
      const ptrs = r.contents.map((c, i) => {
        const s = r.inputs[i]!;
        if (c.current) return this.use(s.block!, s);
        const p = this.backend.alloc(s.dtype, s.numel, false) as number;
        temps.push(p);
        this.backend.write(p, s.dtype, c.snapshot!, 0);
        return p;
      });
      b.ptr = this.allocPtr(b.dtype, b.numel, b.bytes, false);
      r.run(ptrs, b.ptr);
    } finally {
      if (outer) this.pinnedAfter = -1;
      for (const p of temps) this.backend.exports.free(p);
    }
    b.dropped = false;
    accounting.leaveGroup(b);
    this.recomputes++;
    this.link(b);
  }

  private restore(b: Block): void {
    const data = b.spilled!;
    b.ptr = this.allocPtr(b.dtype, b.numel, b.bytes, false);
    this.backend.write(b.ptr, b.dtype, data, 0);
    b.spilled = null;
    accounting.leaveGroup(b);
    stats.spilledBytes -= b.bytes;
    this.restores++;
    this.link(b);
  }

  /**
   * A pointer for a new resident block. Linear memory stays within the budget: when the
   * request does not fit without growing past it, blocks move out (least recently used
   * first) until it does. Past the budget memory grows only when every block left is
   * protected (in use by the ops running now); the backend's out-of-memory error stands
   * if even that fails.
   */
  private allocPtr(dtype: DType, numel: number, bytes: number, zero: boolean): number {
    if (bytes <= PARK_MAX_BLOCK) {
      const list = this.parked[(bytes + 15) >> 4]!;
      if (list.length > 0) {
        const p = list.pop()!;
        this.parkedBytes -= (bytes + 15) & ~15;
        if (zero) this.backend.exports.zero(p, bytes);
        return p;
      }
    }
    this.makeRoom(bytes);
    const be = this.backend;
    let p = be.allocWithin(dtype, numel, zero, this.budget);
    if (p === 0 && this.parkedBytes > 0) { this.unpark(); p = be.allocWithin(dtype, numel, zero, this.budget); }
    while (p === 0 && this.moveOutOldest()) p = be.allocWithin(dtype, numel, zero, this.budget);
    return p !== 0 ? p : be.alloc(dtype, numel, zero) as number;
  }

  /** Hand every parked block back to the allocator (so free space can merge). */
  private unpark(): void {
    for (const list of this.parked) {
      for (const p of list) this.backend.exports.free(p);
      list.length = 0;
    }
    this.parkedBytes = 0;
  }

  /** Take a resident block out of linear memory (its bytes are elsewhere or not needed). */
  evict(b: Block): void {
    if (!b.dropped) b.recipe = null; // a resident block in the queue must not keep contents (and snapshots) alive
    this.unlink(b);
    this.residentBlocks--;
    const bytes = b.bytes;
    this.residentBytes -= bytes;
    const size = (bytes + 15) & ~15;
    if (bytes <= PARK_MAX_BLOCK && this.parkedBytes + size <= PARK_BYTES) {
      this.parked[size >> 4]!.push(b.ptr);
      this.parkedBytes += size;
    } else {
      this.backend.free(b.ptr, b.dtype, b.numel);
    }
    b.ptr = 0;
  }

  /** The use counter for a look-up or allocation. A recompute's own look-ups do not advance
   *  it: they would push the operands the op that asked for it already holds out of the
   *  last PROTECT (and everything the recompute uses stays put while it runs anyway). */
  private tick(): number {
    return this.pinnedAfter >= 0 ? this.uses : ++this.uses;
  }

  private link(b: Block): void {
    b.lastUse = this.tick();
    this.queue(b);
    this.residentBlocks++;
    this.residentBytes += b.bytes;
  }

  /** Put a resident block at the back of the queue. */
  private queue(b: Block): void {
    b.queuedAt = this.uses;
    b.prev = this.tail;
    b.next = null;
    if (this.tail !== null) this.tail.next = b; else this.head = b;
    this.tail = b;
  }

  private unlink(b: Block): void {
    if (b.prev !== null) b.prev.next = b.next; else this.head = b.next;
    if (b.next !== null) b.next.prev = b.prev; else this.tail = b.prev;
    b.prev = b.next = null;
  }
}
