// The wasm allocator (assembly/memory.ts): regression tests for what the old allocator
// (TLSF plus a big-block table plus a JS size-keyed free list) got wrong, through the
// public API, then a random stress test at the backend level on fresh instances.
//
// These allocate GiBs of address space. Fresh pages are never touched by alloc (they are
// zero already), so most of it costs no real memory; every test frees what it makes.
// The tests share the module's one wasm heap, in order: the coalescing test needs a
// fresh heap, so it runs first.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { rng } from "./helpers/rng.js";
import * as torch from "../src/index.js";
import { WasmBackend, instantiate } from "../src/backend/wasm/index.js";
import { wasmBinary } from "../src/backend/wasm/binary.generated.js";
import type { Handle } from "../src/backend/backend.js";

const MiB = 2 ** 20;
const GiB = 2 ** 30;

/** float32 zeros of `bytes` bytes. */
const zerosBytes = (bytes: number) => torch.zeros(bytes / 4);
/** The last element of a 1-d tensor (through a view that is freed at once). */
const last = (t: torch.Tensor) => torch.tidy(() => t.index(t.numel() - 1).item());
/** The values of a small computation, its tensors freed. */
const values = (f: () => torch.Tensor) => torch.tidy(() => Array.from(f().toArray() as ArrayLike<number>));

describe("wasm allocator through the public API", () => {
  // a budget as large as wasm32 memory: these tests are about the allocator, not about
  // moving storage out of linear memory (test/spill.test.ts)
  beforeAll(() => { torch.setBackend("wasm"); torch.setMemoryBudget(4 * GiB); });
  afterAll(() => torch.setMemoryBudget(256 * MiB));

  test("freed neighbours coalesce: twelve adjacent 16 MiB blocks serve a 128 MiB request in place", () => {
    const ts = Array.from({ length: 12 }, () => zerosBytes(16 * MiB));
    const fence = zerosBytes(16 * MiB);                  // stays: the free run cannot extend past it
    const heap = torch.memory().wasmHeapBytes;
    // middle ones first (the old JS free list kept the first 64 MiB freed, splitting the run)
    torch.dispose([4, 5, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11].map((i) => ts[i]!));
    const big = zerosBytes(128 * MiB);
    expect(torch.memory().wasmHeapBytes - heap).toBeLessThanOrEqual(4 * MiB);
    expect(last(big)).toBe(0);
    torch.dispose([big, fence]);
  });

  test("growing temporaries (28 MiB, 36 MiB, ... +8 MiB) reuse the freed space; the heap stays bounded", () => {
    const start = torch.memory().bytesInUse;
    for (let step = 0; step < 60; step++) {
      const t = zerosBytes((28 + 8 * step) * MiB);
      t.dispose();
    }
    expect(torch.memory().bytesInUse).toBe(start);
    // the largest was 500 MiB; the heap grows by what is missing plus a little slack
    expect(torch.memory().wasmHeapBytes).toBeLessThan(GiB);
  });

  test("after filling ~3 GiB with 64 MiB tensors and freeing them, 2 GiB and 3 GiB tensors fit", () => {
    const keep = zerosBytes(19 * 1000 * 1000);           // a survivor at the bottom
    const ts = Array.from({ length: 47 }, () => zerosBytes(64 * MiB));
    torch.dispose(ts);
    const heap = torch.memory().wasmHeapBytes;
    const two = torch.zeros(2 ** 29);                    // 2 GiB
    expect(torch.memory().wasmHeapBytes).toBe(heap);     // served from the freed space
    expect(last(two)).toBe(0);
    two.dispose();
    const three = torch.zeros(3 * 2 ** 28);              // 3 GiB
    expect(last(three)).toBe(0);
    three.dispose();
    keep.dispose();
  });

  test("a request that cannot fit throws PyTorch's message and the library keeps working", () => {
    expect(() => torch.zeros(5 * 2 ** 28)).toThrow("not enough memory: you tried to allocate 5368709120 bytes");
    expect(values(() => torch.ones(3).add(1))).toEqual([2, 2, 2]);
  });
});

describe("wasm allocator at the 4 GiB limit (backend level, no memory budget)", () => {
  test("filling the address space fails with PyTorch's message; freed memory then serves any size", async () => {
    const be = new WasmBackend(await instantiate(await WebAssembly.compile(wasmBinary)));
    const hs: { h: Handle; n: number }[] = [];
    const messages: string[] = [];
    // 1 GiB blocks, then 64 MiB ones, then 1 MiB ones, each until one fails
    for (const size of [GiB, 64 * MiB, MiB]) {
      for (;;) {
        try { hs.push({ h: be.alloc("bool", size, true), n: size }); } catch (e) { messages.push((e as Error).message); break; }
      }
    }
    expect(messages).toEqual([GiB, 64 * MiB, MiB].map((n) => `not enough memory: you tried to allocate ${n} bytes`));
    expect(be.heapBytes()).toBeGreaterThan(4 * GiB - 2 * MiB);
    expect(() => be.alloc("bool", 300 * MiB, true)).toThrow(`not enough memory: you tried to allocate ${300 * MiB} bytes`);
    // one freed 1 GiB block serves a 512 MiB and a 300 MiB request and small ones
    const first = hs.shift()!;
    be.free(first.h, "bool", first.n);
    const a = be.alloc("bool", 512 * MiB, true), b = be.alloc("bool", 300 * MiB, true);
    expect(be.read(b, "bool", 300 * MiB - 4, 4)).toEqual(new Uint8Array(4));
    const small = be.alloc("float32", 4, true);
    be.write(small, "float32", Float32Array.of(1, 2, 3, 4), 0);
    expect(Array.from(be.read(small, "float32", 0, 4))).toEqual([1, 2, 3, 4]);
    for (const { h, n } of hs) be.free(h, "bool", n);
    be.free(a, "bool", 512 * MiB);
    be.free(b, "bool", 300 * MiB);
    // everything merged back
    const all = be.alloc("bool", 4 * GiB - 4 * MiB, false);
    be.free(all, "bool", 4 * GiB - 4 * MiB);
  });
});


describe("wasm allocator stress (backend level)", () => {
  let wasmModule: WebAssembly.Module;
  beforeAll(async () => { wasmModule = await WebAssembly.compile(wasmBinary); });

  for (const seed of [1, 2, 3]) {
    test(`random alloc/free, 1 B .. 64 MiB, seed ${seed}: blocks never overlap, contents survive, free space merges back`, async () => {
      const be = new WasmBackend(await instantiate(wasmModule));
      const r = rng(seed);
      type Live = { h: number; n: number; cap: number; v: number };
      const live: Live[] = [];
      /** Where a byte pattern goes: the whole of a small block; 16 bytes at the head, middle and tail of others. */
      const spots = (n: number) => (n < 48 ? [0] : [0, (n >> 1) - 8, n - 16]);
      const pattern = (v: number, len: number) => Uint8Array.from({ length: len }, (_, i) => (v * 31 + i * 7) & 255);
      const put = (b: Live) => { for (const o of spots(b.n)) be.write(b.h, "bool", pattern(b.v + o, b.n < 48 ? b.n : 16), o); };
      const check = (b: Live) => {
        for (const o of spots(b.n)) {
          const got = be.read(b.h, "bool", o, b.n < 48 ? b.n : 16);
          const want = pattern(b.v + o, got.length);
          for (let i = 0; i < got.length; i++) {
            if (got[i] !== want[i]) throw new Error(`block ${b.h} (${b.n} B) corrupted at ${o + i}: ${got[i]} != ${want[i]}`);
          }
        }
      };
      for (let step = 0; step < 1500; step++) {
        if (live.length > 0 && (live.length >= 48 || r() < 0.45)) {
          const b = live.splice(Math.floor(r() * live.length), 1)[0]!;
          check(b);
          be.free(b.h as Handle, "bool", b.n);
        } else {
          const n = Math.max(1, Math.floor(2 ** (r() * 26)));  // log-uniform, 1 B .. 64 MiB
          const zero = r() < 0.5;
          const h = be.alloc("bool", n, zero) as number;
          const cap = be.exports.capacity(h) >>> 0;
          expect(h % 16).toBe(0);
          expect(cap).toBeGreaterThanOrEqual(n);
          for (const o of live) {
            if (h < o.h + o.cap && o.h < h + cap) throw new Error(`[${h}, +${cap}) overlaps [${o.h}, +${o.cap})`);
          }
          if (zero) {
            for (const o of spots(n)) if (be.read(h, "bool", o, n < 48 ? n : 16).some((x) => x !== 0)) throw new Error("alloc not zeroed");
          }
          const b = { h, n, cap, v: step };
          put(b);
          live.push(b);
        }
      }
      live.forEach(check);
      for (const b of live) be.free(b.h, "bool", b.n);
      // everything merged back: one block of nearly the whole heap fits without growing
      const heap = be.heapBytes();
      expect(heap).toBeLessThan(2 * GiB);
      const h = be.alloc("bool", heap - MiB, false);
      expect(be.heapBytes()).toBe(heap);
      be.free(h, "bool", heap - MiB);
    });
  }
});
