// wasmgrad's own memory allocator: alloc(bytes) / free(ptr) for the TypeScript side.
// It uses no AssemblyScript runtime (asconfig: runtime "stub"; nothing else allocates).
//
// Heap: [heapStart, memEnd) is a row of blocks, then a 16-byte used "sentinel" at the
// very end. Every block is a multiple of 16 bytes and starts 16-byte aligned:
//
//   block b:  u32 at b     size | FREE | PREV_FREE | QUICK   (size of the whole block, header included)
//             u32 at b+4   next free block  } only while free
//             u32 at b+8   prev free block  }
//             payload from b+16 (what alloc returns), size - 16 bytes
//             u32 at b+size-4: size again (footer), only while free
//
// Boundary tags: a freed block merges at once with a free right neighbour (found at
// b + size) and a free left neighbour (PREV_FREE says so; its footer gives its size), so
// two free blocks are never adjacent and the free memory is always in the largest pieces.
//
// Free blocks sit in segregated lists (TLSF-style classes): below 256 bytes one list per
// 16-byte size, above it 16 lists per power of two. Two bitmaps tell which lists are
// non-empty, so finding a block is O(1): look in the first class whose every block is big
// enough (ctz on the bitmaps); if none, scan the request's own class for a block that fits
// (so no free memory is out of reach of any request); if none, grow memory by what is
// missing (the top free block counts) plus modest slack: max(needed, heap/8, 1 MiB).
// A failed memory.grow makes alloc return 0; nothing traps.
//
// Quick lists (the fast path for small blocks, as in dlmalloc's fastbins): a freed block
// under QUICK_LIMIT bytes is parked, still marked used, on a LIFO list of its exact size,
// up to QUICK_BYTES in all; a request of that size takes it back in O(1) without
// splitting or merging. Before memory would grow, every parked block is freed for real
// (merging), so parked memory never makes the heap grow.
//
// Fresh pages from memory.grow are zero, and alloc does not touch them: `clean` is 16 bytes
// past the end of the highest block ever handed out; above it memory is zero except for
// the top free block's header and footer and the sentinel (the footer is cleared when the
// block is handed out, an old sentinel when memory grows), so alloc zero-fills only below.

// @ts-ignore: decorator
@inline const HDR: usize = 16;                 // header bytes before the payload
// @ts-ignore: decorator
@inline const MIN_BLOCK: usize = 32;
// @ts-ignore: decorator
@inline const FREE: u32 = 1;
// @ts-ignore: decorator
@inline const PREV_FREE: u32 = 2;
// @ts-ignore: decorator
@inline const QUICK: u32 = 4;                  // parked on a quick list
// @ts-ignore: decorator
@inline const TAGS: u32 = 15;
// @ts-ignore: decorator
@inline const SL_BITS: u32 = 4;                // 16 lists per power of two
// @ts-ignore: decorator
@inline const SL_COUNT: u32 = 16;
// @ts-ignore: decorator
@inline const SMALL: usize = 256;              // below: one list per 16 bytes (class 0)
// @ts-ignore: decorator
@inline const FL_COUNT: u32 = 25;              // classes 0 (< 256) and 1..24 (2^8 .. 2^31)
// @ts-ignore: decorator
@inline const MAX_BYTES: usize = 0xFFFE_0000;  // larger requests cannot fit in 4 GiB
// @ts-ignore: decorator
@inline const MAX_PAGES: i32 = 65536;

// @ts-ignore: decorator
@inline const QUICK_LIMIT: usize = 32768;      // block sizes below this are parked when freed
// @ts-ignore: decorator
@inline const QUICK_BYTES: usize = 8 << 20;    // at most this much parked

/** Quick list heads, one per block size 0, 16, ..., QUICK_LIMIT - 16. */
const QUICK_HEADS = memory.data(<i32>(QUICK_LIMIT >> 4) * 4, 16);
let quickBytes: usize = 0;

/** Non-empty lists in each class (bit sl), and non-empty classes (bit fl). */
const SL_MAP = memory.data(FL_COUNT * 4, 16);
/** List heads, [fl][sl]. */
const HEADS = memory.data(FL_COUNT * SL_COUNT * 4, 16);
let flMap: u32 = 0;
let heapStart: usize = 0;
/** The sentinel block at the end of memory (memEnd - 16). */
let tail: usize = 0;
/** Memory at and above this address has never been handed out (see the top). */
let clean: u64 = 0;

// ------------------------------------------------------------------------ block fields

// @ts-ignore: decorator
@inline function sizeOf(b: usize): usize { return load<u32>(b) & ~TAGS; }
// @ts-ignore: decorator
@inline function nextFree(b: usize): usize { return load<u32>(b, 4); }
// @ts-ignore: decorator
@inline function prevFree(b: usize): usize { return load<u32>(b, 8); }

/** Class of a block size (fl), then its list within the class (sl). */
// @ts-ignore: decorator
@inline function classFl(size: usize): u32 {
  return size < SMALL ? 0 : (31 - clz<u32>(<u32>size)) - 7;
}
// @ts-ignore: decorator
@inline function classSl(size: usize, fl: u32): u32 {
  return fl == 0 ? <u32>(size >> 4) : (<u32>(size >> (fl + 7 - SL_BITS)) ^ SL_COUNT);
}
// @ts-ignore: decorator
@inline function headAt(fl: u32, sl: u32): usize { return HEADS + ((<usize>fl * SL_COUNT + sl) << 2); }

function insert(b: usize, size: usize): void {
  const fl = classFl(size), sl = classSl(size, fl);
  const h = headAt(fl, sl);
  const first = load<u32>(h);
  store<u32>(b, first, 4);
  store<u32>(b, 0, 8);
  if (first) store<u32>(first, b, 8);
  store<u32>(h, b);
  const m = SL_MAP + (<usize>fl << 2);
  store<u32>(m, load<u32>(m) | (1 << sl));
  flMap |= 1 << fl;
}

function remove(b: usize): void {
  const size = sizeOf(b);
  const next = nextFree(b), prev = prevFree(b);
  if (next) store<u32>(next, prev, 8);
  if (prev) {
    store<u32>(prev, next, 4);
  } else {
    const fl = classFl(size), sl = classSl(size, fl);
    store<u32>(headAt(fl, sl), next);
    if (!next) {
      const m = SL_MAP + (<usize>fl << 2);
      const bits = load<u32>(m) & ~(1 << sl);
      store<u32>(m, bits);
      if (!bits) flMap &= ~(1 << fl);
    }
  }
}

/** Mark [b, b+size) free (keeping b's PREV_FREE bit), list it, write its footer, tell its right neighbour. */
function makeFree(b: usize, size: usize): void {
  store<u32>(b, <u32>size | FREE | (load<u32>(b) & PREV_FREE));
  store<u32>(b + size - 4, <u32>size);
  const n = b + size;
  store<u32>(n, load<u32>(n) | PREV_FREE);
  insert(b, size);
}

// -------------------------------------------------------------------------------- init

function init(): void {
  heapStart = (__heap_base + 15) & ~(<usize>15);
  const end = <u64>memory.size() << 16;
  tail = <usize>(end - HDR);
  clean = <u64>heapStart;
  store<u32>(tail, <u32>HDR);                 // the used sentinel
  if (tail - heapStart >= MIN_BLOCK) {
    store<u32>(heapStart, 0);
    makeFree(heapStart, tail - heapStart);
  } else {
    store<u32>(heapStart, <u32>HDR);          // (cannot happen with 1 MiB initial memory)
  }
}

// ------------------------------------------------------------------------------ search

/** A free block of at least `size` bytes, or 0. */
function find(size: usize): usize {
  // first choice: the first class all of whose blocks are >= size
  let fl: u32, sl: u32;
  if (size < SMALL) {
    fl = 0;
    sl = <u32>(size >> 4);
  } else {
    const r = <u64>size + (<u64>1 << (<u64>(31 - clz<u32>(<u32>size)) - SL_BITS)) - 1;
    if (r >= (<u64>1 << 32)) return scan(size);
    fl = classFl(<usize>r);
    sl = classSl(<usize>r, fl);
  }
  let bits = load<u32>(SL_MAP + (<usize>fl << 2)) & (~0 << sl);
  if (!bits) {
    const fls = flMap & (~0 << (fl + 1));
    if (!fls || fl + 1 >= FL_COUNT) return scan(size);
    fl = ctz<u32>(fls);
    bits = load<u32>(SL_MAP + (<usize>fl << 2));
  }
  return load<u32>(headAt(fl, ctz<u32>(bits)));
}

/** First fit in the request's own class (whose blocks may be smaller or larger). */
function scan(size: usize): usize {
  const fl = classFl(size);
  let b = <usize>load<u32>(headAt(fl, classSl(size, fl)));
  while (b) {
    if (sizeOf(b) >= size) return b;
    b = nextFree(b);
  }
  return 0;
}

/** Grow memory (to at most `maxPages`) so the top free block holds `size` bytes; returns
 *  that block (listed) or 0. */
function grow(size: usize, maxPages: i32): usize {
  const oldTail = tail;
  const lastFree = (load<u32>(oldTail) & PREV_FREE) != 0;
  const start: usize = lastFree ? oldTail - <usize>load<u32>(oldTail - 4) : oldTail;
  const oldEnd = <u64>oldTail + HDR;
  const needEnd = <u64>start + size + HDR;    // the block [start, start+size) and a new sentinel
  const pages = memory.size();
  const needed = <i32>((needEnd - oldEnd + 0xffff) >> 16);
  if (needed > maxPages - pages) return 0;
  let want = max(needed, max(pages >> 3, 16));
  if (want > maxPages - pages) want = maxPages - pages;
  if (want < needed || memory.grow(want) < 0) {
    if (memory.grow(needed) < 0) return 0;
  }
  const newEnd = <u64>memory.size() << 16;
  if (lastFree) remove(start);
  // the old footer and sentinel lie in never-used memory: clear them so it stays zero
  const from = max<u64>(clean, <u64>oldTail - 4);
  if (from < oldEnd) memory.fill(<usize>from, 0, <usize>(oldEnd - from));
  tail = <usize>(newEnd - HDR);
  store<u32>(tail, <u32>HDR);
  store<u32>(start, lastFree ? load<u32>(start) & PREV_FREE : 0);
  makeFree(start, tail - start);
  return start;
}

// ------------------------------------------------------------------------------ export

/** `bytes` zero-filled bytes, 16-byte aligned; 0 when memory cannot grow enough. */
export function alloc(bytes: usize): usize {
  return allocate(bytes, true, MAX_PAGES);
}

/** Like `alloc`, without zero-filling reused memory: for outputs a kernel overwrites whole. */
export function allocUninit(bytes: usize): usize {
  return allocate(bytes, false, MAX_PAGES);
}

/** Like `alloc` (zero-filled or not), but memory grows to at most `maxPages` pages: 0 when
 *  the request does not fit within them (the caller may then make room and try again). */
export function allocWithin(bytes: usize, zeroFill: bool, maxPages: i32): usize {
  return allocate(bytes, zeroFill, min(maxPages, MAX_PAGES));
}

function allocate(bytes: usize, zeroFill: bool, maxPages: i32): usize {
  if (bytes > MAX_BYTES) return 0;
  if (!tail) init();
  let size = (bytes + HDR + 15) & ~(<usize>15);
  if (size < MIN_BLOCK) size = MIN_BLOCK;
  if (size < QUICK_LIMIT) {
    const q = QUICK_HEADS + (size >> 2);
    const b = <usize>load<u32>(q);
    if (b) {                                  // fast path: a parked block of this very size
      store<u32>(q, load<u32>(b, 4));
      store<u32>(b, load<u32>(b) & ~QUICK);
      quickBytes -= size;
      const p = b + HDR;
      if (zeroFill) memory.fill(p, 0, size - HDR);
      return p;
    }
  }
  let b = find(size);
  if (!b && quickBytes) {
    flushQuick();
    b = find(size);
  }
  if (!b) {
    b = grow(size, maxPages);
    if (!b) return 0;
  }
  remove(b);
  const have = sizeOf(b);
  const head = load<u32>(b) & PREV_FREE;
  let end = b + have;
  if (have - size >= MIN_BLOCK) {             // split: the rest stays free
    end = b + size;
    store<u32>(b, <u32>size | head);
    store<u32>(end, 0);
    makeFree(end, have - size);
  } else {
    store<u32>(b, <u32>have | head);
    store<u32>(end, load<u32>(end) & ~PREV_FREE);
  }
  const p = b + HDR;
  if (zeroFill) {
    const c = clean;
    if (<u64>end <= c) {
      memory.fill(p, 0, end - p);
    } else {
      if (<u64>p < c) memory.fill(p, 0, <usize>c - p);
      if (have - size < MIN_BLOCK) store<u32>(end - 4, 0);   // the old footer (never-used memory)
    }
  }
  const e = <u64>end + HDR;
  if (e > clean) clean = e;
  return p;
}

/** Release a block from `alloc`. 0 (and a block that is already free) is ignored. */
export function free(ptr: usize): void {
  if (ptr < HDR) return;
  const b = ptr - HDR;
  const word = load<u32>(b);
  if (word & (FREE | QUICK)) return;
  const size = <usize>(word & ~TAGS);
  if (size < QUICK_LIMIT && quickBytes + size <= QUICK_BYTES) {
    const q = QUICK_HEADS + (size >> 2);
    store<u32>(b, word | QUICK);
    store<u32>(b, load<u32>(q), 4);
    store<u32>(q, b);
    quickBytes += size;
    return;
  }
  release(b, word);
}

/** Free every parked block for real. */
function flushQuick(): void {
  for (let q = QUICK_HEADS; q < QUICK_HEADS + (QUICK_LIMIT >> 2); q += 4) {
    let b = <usize>load<u32>(q);
    store<u32>(q, 0);
    while (b) {
      const next = <usize>load<u32>(b, 4);
      release(b, load<u32>(b) & ~QUICK);
      b = next;
    }
  }
  quickBytes = 0;
}

/** Free the used block at `b` (header word `word`), merging with free neighbours. */
function release(b: usize, word: u32): void {
  let size = <usize>(word & ~TAGS);
  const n = b + size;
  const nw = load<u32>(n);
  if (nw & FREE) {                            // merge the right neighbour
    remove(n);
    size += nw & ~TAGS;
  }
  if (word & PREV_FREE) {                     // merge the left neighbour
    const ps = <usize>load<u32>(b - 4);
    b -= ps;
    remove(b);
    size += ps;
  }
  makeFree(b, size);
}

/** Usable bytes of a block from `alloc` (at least what was asked for). */
export function capacity(ptr: usize): usize {
  return sizeOf(ptr - HDR) - HDR;
}

/** Zero `bytes` bytes at `ptr` (for reused blocks). */
export function zero(ptr: usize, bytes: usize): void {
  memory.fill(ptr, 0, bytes);
}
