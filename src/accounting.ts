/**
 * The counts behind `torch.memory()`, and how storage that nobody disposes leaves them.
 *
 * Every storage has an `Account`: its bytes and the live tensor objects on it. Storage
 * dropped without `dispose` is reclaimed by the garbage collector, which tells a program
 * only through FinalizationRegistry, between tasks. A registration costs about 0.5 µs and
 * keeps ~100 bytes per dead target until the job ends, which a long synchronous loop never
 * reaches, so registration is bounded:
 * - storages still alive when the job that made them ends are registered one by one
 *   (`watch`): exact counts, and a collected wasm storage frees its linear memory at once;
 * - storage on the JS heap that was not (js-backend arrays made in a long job, wasm blocks
 *   moved out of linear memory) is counted in groups registered once each: a group leaves
 *   the counts when all its members are collected.
 * Until the collector reports (and always where FinalizationRegistry does not exist),
 * collected storage still counts: between tasks the counts are an upper bound.
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

/** What one storage counts for. */
export class Account {
  /** Live tensor objects on the storage. */
  tensors = 0;
  /** The group counting it, if any. */
  group: Group | null = null;
  /** Registered on its own (see `watch`). */
  watched = false;
  /** Index in the list of storages waiting to be registered when the job ends, or -1. */
  pending = -1;
  constructor(readonly bytes: number) {}
  /** Its storage was garbage collected while registered on its own. */
  collected(): void {}
  /** Dropped from the waiting list without a registration of its own (a long job made too
   *  many storages): whatever else will report `storage`'s collection takes over. */
  orphaned(_storage: object): void {}
  /** Registered on its own from now on: nothing else may report its collection. */
  registered(): void {}
}

interface Totals { bytes: number; tensors: number; readonly spilled: boolean }
/** A group of accounts, registered once; its totals are what its finalizer takes off. */
class Group { constructor(readonly totals: Totals) {} }

/** Members per group (larger groups: fewer registrations, but one long-lived member keeps
 *  the others counted longer). */
const GROUP_SIZE = 64;
/** Most storages of one job waiting to be registered when it ends (at ~0.5 µs each), and
 *  most JS-heap bytes the waiting list may keep alive meanwhile; past either, the oldest
 *  entries are dropped (a long synchronous loop: they stay in their groups, or in the
 *  linear-memory budget's hands). */
const MAX_PENDING = 65536;
const MAX_PENDING_BYTES = 64 * 1024 * 1024;

const hasRegistry = typeof FinalizationRegistry === "function";
const groupRegistry = hasRegistry
  ? new FinalizationRegistry<Totals>((t) => {
    stats.bytesInUse -= t.bytes;
    if (t.spilled) stats.spilledBytes -= t.bytes;
    stats.tensors -= t.tensors;
  })
  : null;
const accountRegistry = hasRegistry
  ? new FinalizationRegistry<Account>((a) => {
    a.watched = false;
    stats.bytesInUse -= a.bytes;
    stats.tensors -= a.tensors;
    a.tensors = 0;
    a.collected();
  })
  : null;

/** The group now taking members: [js-backend storage and dropped wasm blocks, spilled wasm
 *  blocks]. Retired when
 *  the job ends, so that no group stays reachable from here once its members are not. */
const current: [Group | null, Group | null] = [null, null];
const currentFree = [0, 0];
let retiring = false;
function retireGroups(): void {
  current[0] = current[1] = null;
  currentFree[0] = currentFree[1] = 0;
  retiring = false;
}
interface Pending { storage: object; account: Account; heldBytes: number }
let pending: (Pending | null)[] = [];
/** Live entries in `pending`, and the JS-heap bytes they keep alive. */
let pendingLive = 0;
let pendingBytes = 0;

/** Drop emptied entries, and the oldest ones while the list is over its limits. */
function trimPending(): void {
  const live = pending.filter((p): p is Pending => p !== null);
  let from = 0;
  while (from < live.length && (live.length - from > MAX_PENDING / 2 || pendingBytes > MAX_PENDING_BYTES / 2)) {
    const p = live[from++]!;
    p.account.pending = -1;
    pendingBytes -= p.heldBytes;
    p.account.orphaned(p.storage);
  }
  pending = live.slice(from);
  pending.forEach((p, i) => { p!.account.pending = i; });
  pendingLive = pending.length;
}

function flush(): void {
  const list = pending;
  pending = [];
  pendingLive = 0;
  pendingBytes = 0;
  for (const p of list) {
    if (p === null) continue;
    const { storage, account } = p;
    account.pending = -1;
    // only the library's saved aliases use it: freed with them, and counted by its group until then
    if (account.tensors === 0 && account.group !== null) continue;
    accounting.leaveGroup(account);
    accountRegistry!.register(storage, account, account);
    account.watched = true;
    account.registered();
  }
}

/** A new group, registered once; `spilled` when its members are wasm blocks moved out. */
function openGroup(spilled: boolean): Group {
  const totals: Totals = { bytes: 0, tensors: 0, spilled };
  const g = new Group(totals);
  groupRegistry?.register(g, totals);
  return g;
}

function joinGroup(a: Account, g: Group): void {
  a.group = g;
  g.totals.bytes += a.bytes;
  g.totals.tensors += a.tensors;
}

export const accounting = {
  leaveGroup(a: Account): void {
    const g = a.group;
    if (g === null) return;
    g.totals.bytes -= a.bytes;
    g.totals.tensors -= a.tensors;
    a.group = null;
  },

  /** Join the group now taking storage whose bytes are not in linear memory: js-backend
   *  arrays and dropped wasm blocks (residency.ts), or (`spilled`) wasm blocks moved out. */
  joinCurrentGroup(a: Account, spilled: boolean): void {
    const k = spilled ? 1 : 0;
    if (currentFree[k] === 0) {
      current[k] = openGroup(spilled);
      currentFree[k] = GROUP_SIZE;
      if (!retiring && groupRegistry !== null) { retiring = true; queueMicrotask(retireGroups); }
    }
    currentFree[k] = currentFree[k]! - 1;
    joinGroup(a, current[k]!);
  },

  /**
   * Register `storage` on its own when the current job ends, if it is still in use then.
   * `heldBytes`: what waiting keeps alive on the JS heap (js-backend arrays; 0 for a wasm
   * block, which leaves the list when it moves out of linear memory).
   */
  watch(storage: object, a: Account, heldBytes: number): void {
    if (accountRegistry === null || a.pending >= 0 || a.watched) return;
    if (pending.length === 0) queueMicrotask(flush);
    a.pending = pending.length;
    pending.push({ storage, account: a, heldBytes });
    pendingLive++;
    pendingBytes += heldBytes;
    if (pendingLive > MAX_PENDING || pendingBytes > MAX_PENDING_BYTES || pending.length > 2 * pendingLive + 1024) trimPending();
  },

  /** No registration of its own any more (released, or moved out of linear memory);
   *  the pending list must not keep the storage alive either. */
  unwatch(a: Account): void {
    if (a.pending >= 0) {
      pendingBytes -= pending[a.pending]!.heldBytes;
      pending[a.pending] = null;
      pendingLive--;
      a.pending = -1;
    }
    if (a.watched) { accountRegistry!.unregister(a); a.watched = false; }
  },

  /** One more (or, with -1, one fewer) live tensor object on a storage. */
  countTensor(a: Account, delta: 1 | -1): void {
    a.tensors += delta;
    stats.tensors += delta;
    if (a.group !== null) a.group.totals.tensors += delta;
  },

  /** Storage made (+bytes) or freed (-bytes). */
  countBytes(bytes: number): void {
    stats.bytesInUse += bytes;
    if (stats.bytesInUse > stats.peakBytes) stats.peakBytes = stats.bytesInUse;
  },
};
