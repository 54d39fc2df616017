// Allocation for the TypeScript side: alloc(bytes) / free(ptr) over AssemblyScript's
// TLSF heap (runtime "minimal"), 16-byte aligned and zero-filled.
//
// TLSF grows memory by itself and traps (`unreachable`) when memory.grow fails, which
// would leave the caller with a RuntimeError instead of an answer. So this module never
// lets TLSF grow: before heap.alloc it checks TLSF's free lists (the same look-up TLSF's
// searchBlock does, read-only) and, when nothing fits, grows memory itself and hands the
// new pages to TLSF as one free block, exactly as TLSF's own addMemory would. A failed
// memory.grow therefore just makes alloc return 0.
//
// Very large requests (>= BIG_BYTES) bypass TLSF, whose blocks top out at 1 GiB and whose
// size classes stop rounding at 512 MiB: they get whole fresh pages (already zero) and
// are kept in a small table for reuse by later big requests once freed.
import { ROOT } from "~lib/rt/tlsf";

// TLSF layout constants for wasm32 (assemblyscript 0.28, rt/tlsf.ts and rt/common.ts).
// @ts-ignore: decorator
@inline const OVERHEAD: usize = 4;                 // BLOCK_OVERHEAD: the mmInfo word
// @ts-ignore: decorator
@inline const AL_MASK: usize = 15;
// @ts-ignore: decorator
@inline const LEFTFREE: usize = 2;
// @ts-ignore: decorator
@inline const TAGS: usize = 3;
// @ts-ignore: decorator
@inline const SB_SIZE: usize = 256;                // 1 << (SL_BITS + AL_BITS)
// @ts-ignore: decorator
@inline const BLOCK_MINSIZE: usize = 12;
// @ts-ignore: decorator
@inline const BLOCK_MAXSIZE: usize = (1 << 30) - OVERHEAD;
// @ts-ignore: decorator
@inline const SL_START: usize = 4;                 // root: flMap, slMap[FL_BITS], heads..., tail
// @ts-ignore: decorator
@inline const HL_END: usize = 1568;                // offset of the tail pointer in the root

/** Requests of this many bytes or more bypass TLSF. */
// @ts-ignore: decorator
@inline const BIG_BYTES: usize = 1 << 28;
// @ts-ignore: decorator
@inline const BIG_SLOTS: i32 = 64;
// Big-block table: [ptr, capacity, used] per slot.
const BIG = memory.data(BIG_SLOTS * 12, 16);
let bigCount: i32 = 0;
let ready = false;

// @ts-ignore: decorator
@inline function computeSize(size: usize): usize {
  return size <= BLOCK_MINSIZE ? BLOCK_MINSIZE : ((size + OVERHEAD + AL_MASK) & ~AL_MASK) - OVERHEAD;
}

// @ts-ignore: decorator
@inline function roundSize(size: usize): usize {
  return size < (BLOCK_MAXSIZE >> 1) ? size + (<usize>1 << (27 - clz<usize>(size))) - 1 : size;
}

/** Whether TLSF's searchBlock would find a free block for `payload` (read-only). */
function tlsfHasBlock(payload: usize): bool {
  const root = changetype<usize>(ROOT);
  let fl: usize, sl: u32;
  if (payload < SB_SIZE) {
    fl = 0;
    sl = <u32>(payload >> 4);
  } else {
    const rs = roundSize(payload);
    fl = 31 - clz<usize>(rs);
    sl = <u32>((rs >> (fl - 4)) ^ 16);
    fl -= 7;
  }
  const slMap = load<u32>(root + (fl << 2), SL_START) & (~0 << sl);
  if (slMap) return true;
  const flMap = load<usize>(root) & (~0 << (fl + 1));
  return flMap != 0;
}

/** Grow memory so TLSF has a free block for `payload`; false (nothing changed) on failure. */
function growFor(payload: usize): bool {
  const want = (payload >= SB_SIZE ? roundSize(payload) : payload) + 2 * OVERHEAD + 32;
  const pagesNeeded = <i32>((want + 0xffff) >>> 16);
  const before = memory.size();
  const pagesWanted = max(before, pagesNeeded); // double, as TLSF does
  if (memory.grow(pagesWanted) < 0) {
    if (memory.grow(pagesNeeded) < 0) return false;
  }
  const after = memory.size();
  const start = <usize>before << 16;
  const end = <usize>(<u64>after << 16);          // wraps to 0 at 4 GiB; differences stay right
  const root = changetype<usize>(ROOT);
  const tail = load<usize>(root, HL_END);
  let blk: usize, leftFree: usize = 0;
  if (tail + OVERHEAD == start) {                 // TLSF's zero-length tail ends the old memory: take it over
    blk = tail;
    leftFree = load<usize>(tail) & LEFTFREE;
  } else {                                        // memory in between is not TLSF's (big blocks)
    blk = start + 16 - OVERHEAD;
  }
  const newTail = end - OVERHEAD;
  const size = newTail - blk - OVERHEAD;
  store<usize>(blk, size | leftFree);             // a used block spanning the new pages...
  store<usize>(newTail, 0);                       // ...before a new zero-length used tail
  store<usize>(root, newTail, HL_END);
  heap.free(blk + OVERHEAD);                      // ...which TLSF frees (merging to the left)
  return true;
}

function allocBig(bytes: usize): usize {
  const cap = (bytes + 0xffff) & ~(<usize>0xffff);
  // first fit among freed big blocks
  for (let i = 0; i < bigCount; i++) {
    const e = BIG + <usize>i * 12;
    if (!load<u32>(e, 8) && load<usize>(e, 4) >= cap) {
      store<u32>(e, 1, 8);
      const p = load<usize>(e);
      memory.fill(p, 0, bytes);
      return p;
    }
  }
  if (bigCount >= BIG_SLOTS) return 0;
  const before = memory.size();
  if (cap == 0 || memory.grow(<i32>(cap >>> 16)) < 0) return 0;
  const p = <usize>before << 16;                  // fresh pages are zero
  const e = BIG + <usize>bigCount * 12;
  store<usize>(e, p);
  store<usize>(e, cap, 4);
  store<u32>(e, 1, 8);
  bigCount++;
  return p;
}

/** `bytes` zero-filled bytes, 16-byte aligned; 0 when memory cannot grow enough. */
export function alloc(bytes: usize): usize {
  return allocate(bytes, true);
}

/** Like `alloc`, without zero-filling a reused TLSF block: for outputs a kernel overwrites whole. */
export function allocUninit(bytes: usize): usize {
  return allocate(bytes, false);
}

function allocate(bytes: usize, zeroFill: bool): usize {
  if (!ready) {
    heap.free(heap.alloc(16));                    // let TLSF set up its root
    ready = true;
  }
  if (bytes == 0) bytes = 1;
  if (bytes >= BIG_BYTES) return allocBig(bytes);
  const payload = computeSize(bytes);
  if (!tlsfHasBlock(payload)) {
    if (!growFor(payload) || !tlsfHasBlock(payload)) return 0;
  }
  const p = heap.alloc(bytes);
  if (zeroFill) memory.fill(p, 0, bytes);
  return p;
}

/** Release a block from `alloc`. 0 is ignored. */
export function free(ptr: usize): void {
  if (ptr == 0) return;
  for (let i = 0; i < bigCount; i++) {
    const e = BIG + <usize>i * 12;
    if (load<usize>(e) == ptr) { store<u32>(e, 0, 8); return; }
  }
  heap.free(ptr);
}

/** Usable bytes of a block from `alloc` (at least what was asked for). */
export function capacity(ptr: usize): usize {
  for (let i = 0; i < bigCount; i++) {
    const e = BIG + <usize>i * 12;
    if (load<usize>(e) == ptr) return load<usize>(e, 4);
  }
  return load<usize>(ptr - OVERHEAD) & ~TAGS;
}

/** Zero `bytes` bytes at `ptr` (for reused blocks). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
