/**
 * The counts behind `torch.memory()`.
 *
 * Storage on the JS heap (js-backend arrays, wasm blocks moved out of linear memory) is
 * reclaimed by the garbage collector without a word to the library. One
 * FinalizationRegistry registration per storage would tell it, but costs about 0.5 µs
 * each and keeps ~100 bytes per dead storage until the job ends, which a long
 * synchronous loop never reaches. So storages join a group, and the group is registered
 * once: a group is collected when all its members are, and its bytes and tensors then
 * leave the counts. Until then (and always where FinalizationRegistry does not exist)
 * collected storage still counts: `memory()` is an upper bound between tasks.
 */

export const stats = {
  /** Live tensor objects (views included; the library's saved aliases excluded). */
  tensors: 0,
  /** Bytes of storage not disposed and not known to be collected. */
  bytesInUse: 0,
  /** High-water mark of bytesInUse. */
  peakBytes: 0,
  /** Of bytesInUse, the bytes of wasm storage now held on the JS heap. */
  spilledBytes: 0,
};

/** Something counted in a group: a storage's bytes and the live tensors on it. */
export interface Member { readonly bytes: number; tensors: number; group: Group | null }

interface Totals { bytes: number; tensors: number; readonly spilled: boolean }
/** The registry's target; its totals are what the finalizer takes off the counts. */
class Group { constructor(readonly totals: Totals) {} }

/** Members per group for js-backend storage (larger groups: fewer registrations, but one
 *  long-lived member keeps the others counted longer). */
const JS_GROUP_SIZE = 64;

const registry = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<Totals>((t) => {
    stats.bytesInUse -= t.bytes;
    if (t.spilled) stats.spilledBytes -= t.bytes;
    stats.tensors -= t.tensors;
  })
  : null;

let jsGroup: Group | null = null;
let jsGroupFree = 0;

export const accounting = {
  /** A new group; `spilled` when its members are wasm blocks moved to the JS heap. */
  openGroup(spilled: boolean): Group {
    const totals: Totals = { bytes: 0, tensors: 0, spilled };
    const g = new Group(totals);
    registry?.register(g, totals);
    return g;
  },

  joinGroup(m: Member, g: Group): void {
    m.group = g;
    g.totals.bytes += m.bytes;
    g.totals.tensors += m.tensors;
  },

  leaveGroup(m: Member): void {
    const g = m.group;
    if (g === null) return;
    g.totals.bytes -= m.bytes;
    g.totals.tensors -= m.tensors;
    m.group = null;
  },

  /** A js-backend storage joins the current group for such storage. */
  joinJsGroup(m: Member): void {
    if (jsGroupFree === 0) { jsGroup = accounting.openGroup(false); jsGroupFree = JS_GROUP_SIZE; }
    jsGroupFree--;
    accounting.joinGroup(m, jsGroup!);
  },

  /** One more (or, with -1, one fewer) live tensor object on a member's storage. */
  countTensor(m: Member, delta: 1 | -1): void {
    m.tensors += delta;
    stats.tensors += delta;
    if (m.group !== null) m.group.totals.tensors += delta;
  },

  /** Storage made (+bytes) or freed (-bytes) by the library itself. */
  countBytes(bytes: number): void {
    stats.bytesInUse += bytes;
    if (stats.bytesInUse > stats.peakBytes) stats.peakBytes = stats.bytesInUse;
  },
};

export type { Group };
