/**
 * sort and topk as PyTorch 1.13's CPU kernels compute them, shared by both backends: the
 * order of tied elements comes from the algorithm, so matching PyTorch's indices means
 * running its algorithm. PyTorch sorts (value, index) pairs with libstdc++'s std::sort
 * (introsort, insertion sort below 16 elements: not stable) and selects top-k with
 * std::partial_sort when k * 64 <= n, else std::nth_element then std::sort of the first
 * k - 1; the functions below follow libstdc++'s implementations step by step, comparing
 * values only, with NaN above everything (ascending: NaN last; descending: first).
 *
 * The wasm backend runs these on a copy of the data (src/backend/wasm/index.ts).
 */
import type { TypedArray } from "../dtype.js";

/** One slice being sorted: values and their original positions, moved together. */
class Pairs {
  constructor(readonly v: Float64Array, readonly i: Int32Array, readonly desc: boolean) {}

  /** comp(a, b): a goes before b. */
  less(a: number, b: number): boolean {
    const x = this.v[a]!, y = this.v[b]!;
    return this.desc ? (x !== x && y === y) || x > y : (x === x && y !== y) || x < y;
  }
  /** comp(value, element b) for a value held outside the arrays. */
  lessVal(x: number, b: number): boolean {
    const y = this.v[b]!;
    return this.desc ? (x !== x && y === y) || x > y : (x === x && y !== y) || x < y;
  }
  /** comp(element a, value). */
  lessThanVal(a: number, y: number): boolean {
    const x = this.v[a]!;
    return this.desc ? (x !== x && y === y) || x > y : (x === x && y !== y) || x < y;
  }
  swap(a: number, b: number): void {
    const v = this.v, i = this.i;
    const tv = v[a]!, ti = i[a]!;
    v[a] = v[b]!; i[a] = i[b]!;
    v[b] = tv; i[b] = ti;
  }
  move(to: number, from: number): void { this.v[to] = this.v[from]!; this.i[to] = this.i[from]!; }
}

const THRESHOLD = 16;

/** floor(log2(n)) for n >= 1 (libstdc++'s __lg). */
function lg(n: number): number { return 31 - Math.clz32(n); }

/** std::sort(first, last, comp). */
function stdSort(p: Pairs, first: number, last: number): void {
  if (last - first < 2) return;
  introsortLoop(p, first, last, lg(last - first) * 2);
  finalInsertionSort(p, first, last);
}

function introsortLoop(p: Pairs, first: number, last: number, depth: number): void {
  while (last - first > THRESHOLD) {
    if (depth === 0) {
      partialSort(p, first, last, last);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(p, first, last);
    introsortLoop(p, cut, last, depth);
    last = cut;
  }
}

function unguardedPartitionPivot(p: Pairs, first: number, last: number): number {
  const mid = first + ((last - first) >> 1);
  moveMedianToFirst(p, first, first + 1, mid, last - 1);
  return unguardedPartition(p, first + 1, last, first);
}

function moveMedianToFirst(p: Pairs, result: number, a: number, b: number, c: number): void {
  if (p.less(a, b)) {
    if (p.less(b, c)) p.swap(result, b);
    else if (p.less(a, c)) p.swap(result, c);
    else p.swap(result, a);
  } else if (p.less(a, c)) p.swap(result, a);
  else if (p.less(b, c)) p.swap(result, c);
  else p.swap(result, b);
}

function unguardedPartition(p: Pairs, first: number, last: number, pivot: number): number {
  for (;;) {
    while (p.less(first, pivot)) first++;
    last--;
    while (p.less(pivot, last)) last--;
    if (!(first < last)) return first;
    p.swap(first, last);
    first++;
  }
}

function finalInsertionSort(p: Pairs, first: number, last: number): void {
  if (last - first > THRESHOLD) {
    insertionSort(p, first, first + THRESHOLD);
    for (let i = first + THRESHOLD; i < last; i++) unguardedLinearInsert(p, i);
  } else {
    insertionSort(p, first, last);
  }
}

function insertionSort(p: Pairs, first: number, last: number): void {
  if (first === last) return;
  for (let i = first + 1; i < last; i++) {
    if (p.less(i, first)) {
      const v = p.v[i]!, ix = p.i[i]!;
      for (let k = i; k > first; k--) p.move(k, k - 1); // move_backward
      p.v[first] = v; p.i[first] = ix;
    } else {
      unguardedLinearInsert(p, i);
    }
  }
}

function unguardedLinearInsert(p: Pairs, last: number): void {
  const v = p.v[last]!, ix = p.i[last]!;
  let next = last - 1;
  while (p.lessVal(v, next)) {
    p.move(last, next);
    last = next;
    next--;
  }
  p.v[last] = v; p.i[last] = ix;
}

/** std::__partial_sort: heap-select the smallest (middle - first), then sort that heap. */
function partialSort(p: Pairs, first: number, middle: number, last: number): void {
  heapSelect(p, first, middle, last);
  sortHeap(p, first, middle);
}

function heapSelect(p: Pairs, first: number, middle: number, last: number): void {
  makeHeap(p, first, middle);
  for (let i = middle; i < last; i++) if (p.less(i, first)) popHeap(p, first, middle, i);
}

function makeHeap(p: Pairs, first: number, last: number): void {
  const len = last - first;
  if (len < 2) return;
  let parent = (len - 2) >> 1;
  for (;;) {
    const v = p.v[first + parent]!, ix = p.i[first + parent]!;
    adjustHeap(p, first, parent, len, v, ix);
    if (parent === 0) return;
    parent--;
  }
}

function popHeap(p: Pairs, first: number, last: number, result: number): void {
  const v = p.v[result]!, ix = p.i[result]!;
  p.move(result, first);
  adjustHeap(p, first, 0, last - first, v, ix);
}

function sortHeap(p: Pairs, first: number, last: number): void {
  while (last - first > 1) {
    last--;
    popHeap(p, first, last, last);
  }
}

function adjustHeap(p: Pairs, first: number, hole: number, len: number, v: number, ix: number): void {
  const top = hole;
  let child = hole;
  while (child < ((len - 1) >> 1)) {
    child = 2 * (child + 1);
    if (p.less(first + child, first + child - 1)) child--;
    p.move(first + hole, first + child);
    hole = child;
  }
  if ((len & 1) === 0 && child === (len - 2) >> 1) {
    child = 2 * (child + 1);
    p.move(first + hole, first + child - 1);
    hole = child - 1;
  }
  // __push_heap
  let parent = (hole - 1) >> 1;
  while (hole > top && p.lessThanVal(first + parent, v)) {
    p.move(first + hole, first + parent);
    hole = parent;
    parent = (hole - 1) >> 1;
  }
  p.v[first + hole] = v; p.i[first + hole] = ix;
}

/** std::nth_element(first, nth, last, comp). */
function nthElement(p: Pairs, first: number, nth: number, last: number): void {
  if (first === last || nth === last) return;
  let depth = lg(last - first) * 2;
  while (last - first > 3) {
    if (depth === 0) {
      heapSelect(p, first, nth + 1, last);
      p.swap(first, nth);
      return;
    }
    depth--;
    const cut = unguardedPartitionPivot(p, first, last);
    if (cut <= nth) first = cut;
    else last = cut;
  }
  insertionSort(p, first, last);
}

/** Gather one [outer, axis, inner] column into a Pairs buffer. */
function load(p: Pairs, x: TypedArray, base: number, axis: number, inner: number): void {
  for (let k = 0; k < axis; k++) { p.v[k] = x[base + k * inner]!; p.i[k] = k; }
}

/**
 * Sort each column of the contiguous [outer, axis, inner] block `x` (from `xOffset`) along
 * the axis: `values` (x's kind) and `indices` (int32), both [outer, axis, inner].
 */
export function sortColumns(x: TypedArray, xOffset: number, outer: number, axis: number, inner: number, values: TypedArray, indices: Int32Array, descending: boolean): void {
  const p = new Pairs(new Float64Array(axis), new Int32Array(axis), descending);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * axis * inner + j;
      load(p, x, xOffset + base, axis, inner);
      stdSort(p, 0, axis);
      for (let k = 0; k < axis; k++) { values[base + k * inner] = p.v[k]!; indices[base + k * inner] = p.i[k]!; }
    }
  }
}

/**
 * The k largest (or smallest) of each column of [outer, axis, inner] along the axis, as
 * PyTorch's topk: `values` and `indices` are [outer, k, inner].
 */
export function topkColumns(x: TypedArray, xOffset: number, outer: number, axis: number, inner: number, k: number, largest: boolean, sorted: boolean, values: TypedArray, indices: Int32Array): void {
  if (k === 0) return;
  const p = new Pairs(new Float64Array(axis), new Int32Array(axis), largest);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      load(p, x, xOffset + o * axis * inner + j, axis, inner);
      if (k * 64 <= axis) {
        partialSort(p, 0, k, axis);
      } else {
        nthElement(p, 0, k - 1, axis);
        if (sorted) stdSort(p, 0, k - 1);
      }
      const base = o * k * inner + j;
      for (let m = 0; m < k; m++) { values[base + m * inner] = p.v[m]!; indices[base + m * inner] = p.i[m]!; }
    }
  }
}
