/**
 * torch.utils.data: datasets and the DataLoader that batches them, as PyTorch's map-style
 * datasets.
 *
 * A dataset is any object with a `length` and either a `get(index)` method (PyTorch's
 * `__getitem__`: {@link Dataset} subclasses, {@link TensorDataset}) or index access
 * (`dataset[i]`: a plain array of samples works). A {@link DataLoader} draws indices in order, or
 * shuffled with wasmgrad's random number generator (so `torch.manualSeed` fixes the order), and
 * joins each batch's samples with {@link defaultCollate}: tensors are stacked, numbers become a
 * tensor, and arrays and objects of them are joined position by position.
 * @module
 */
import * as A from "../argcheck.js";
import { rand, tensor } from "../creation.js";
import { stack } from "../ops/movement.js";
import { Tensor } from "../tensor.js";
import { pyNum } from "../optim/optimizer.js";

/**
 * What a {@link DataLoader} takes: a `length` and `get(index)` (PyTorch's `__len__` and
 * `__getitem__`), or a `length` and index access, as an array has.
 */
export type DatasetLike<T> = IndexedDataset<T> | ArrayLike<T>;

/** A dataset with `get(index)` (PyTorch's `__getitem__`), as {@link Dataset} subclasses are. */
export interface IndexedDataset<T> {
  /** The number of samples. */
  readonly length: number;
  /** The sample at `index` (0 to `length - 1`). */
  get(index: number): T;
}

/**
 * Base class of map-style datasets (PyTorch's `torch.utils.data.Dataset`): a subclass defines
 * `length` and `get(index)`.
 * @example
 * ```ts
 * class Squares extends torch.utils.data.Dataset<[torch.Tensor, torch.Tensor]> {
 *   get length() { return 100; }
 *   get(i: number): [torch.Tensor, torch.Tensor] { return [torch.tensor([i]), torch.tensor([i * i])]; }
 * }
 * ```
 */
export abstract class Dataset<T> {
  /** The number of samples. */
  abstract get length(): number;
  /** The sample at `index` (0 to `length - 1`). */
  abstract get(index: number): T;
}

/**
 * A dataset of tensors that share their first dimension: sample `i` is `[t0[i], t1[i], ...]`
 * (PyTorch's `TensorDataset`; the entries are views of the rows).
 * @example
 * ```ts
 * const ds = new torch.utils.data.TensorDataset(images, labels);
 * const [x0, y0] = ds.get(0);
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors, as given. */
  readonly tensors: Tensor[];

  /**
   * @param tensors - One or more tensors with the same size in dimension 0.
   * @throws `TypeError` for an argument that is not a Tensor; `Size mismatch between tensors` when
   *   their first dimensions differ; for no tensor, or a 0-dimensional one.
   */
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new Error("TensorDataset(): needs at least one tensor");
    tensors.forEach((t, i) => {
      A.checkTensor("TensorDataset", `tensors[${i}]`, i + 1, t);
      if (t.ndim === 0) throw new Error(`TensorDataset(): tensors[${i}] has no dimensions (a dataset's tensors are indexed along dimension 0)`);
    });
    if (!tensors.every((t) => t.shape[0] === tensors[0]!.shape[0])) throw new Error("Size mismatch between tensors");
    this.tensors = tensors;
  }

  /** The size of the tensors' first dimension. */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /**
   * Row `index` of each tensor (a view); a negative index counts from the end.
   * @throws `index 5 is out of bounds for dimension 0 with size 5`; `TypeError` for a non-integer.
   */
  get(index: number): Tensor[] {
    A.checkInt("TensorDataset.get", "index", 1, index);
    return this.tensors.map((t) => t.index(index));
  }
}

/** What {@link defaultCollate} returns for a batch of samples of type `T`. */
export type Collated<T> =
  T extends Tensor ? Tensor
    : T extends number | boolean ? Tensor
      : T extends string ? string[]
        : T extends readonly unknown[] ? { [K in keyof T]: Collated<T[K]> }
          : T extends object ? { [K in keyof T]: Collated<T[K]> }
            : unknown;

function collateError(x: unknown): TypeError {
  return new TypeError(`default_collate: batch must contain tensors, numbers, typed arrays, dicts or lists; found ${A.kindOf(x)}`);
}

/**
 * Join a batch of samples as PyTorch's `default_collate`: tensors are stacked along a new first
 * dimension; numbers become a 1-D tensor (int32 when all are integers, PyTorch's int64; float64
 * otherwise, as PyTorch makes from Python floats), booleans a bool tensor, typed arrays a stacked
 * tensor; strings stay an array; arrays (tuples) and plain objects are joined position by position
 * (key by key).
 * @param batch - The samples, all of the same structure.
 * @throws `each element in list of batch should be of equal size` for arrays of different
 *   lengths; PyTorch's stack error for tensors of different shapes; `TypeError` for anything else.
 */
export function defaultCollate<T>(batch: T[]): Collated<T> {
  if (!Array.isArray(batch) || batch.length === 0) throw A.argError("default_collate", "batch", 1, "a non-empty list of samples", batch);
  return collate(batch, []) as Collated<T>;
}

/** defaultCollate below the top; `within` holds the containers being joined (a sample that
 *  contains itself would recurse for ever). */
function collate(batch: unknown[], within: unknown[]): unknown {
  const elem: unknown = batch[0];
  if (elem !== null && typeof elem === "object" && within.includes(elem)) throw new TypeError("default_collate: a sample contains itself");
  if (elem instanceof Tensor) {
    batch.forEach((b) => { if (!(b instanceof Tensor)) throw collateError(b); });
    return stack(batch as Tensor[], 0);
  }
  if (typeof elem === "number") {
    if (!batch.every((b) => typeof b === "number")) throw collateError(batch.find((b) => typeof b !== "number"));
    const nums = batch as number[];
    const ints = nums.every((x) => Number.isInteger(x) && x >= -2147483648 && x < 2147483648);
    return tensor(nums, { dtype: ints ? "int32" : "float64" });
  }
  if (typeof elem === "boolean") {
    if (!batch.every((b) => typeof b === "boolean")) throw collateError(batch.find((b) => typeof b !== "boolean"));
    return tensor(batch as boolean[]);
  }
  if (typeof elem === "string") return batch.slice();
  if (ArrayBuffer.isView(elem) && !(elem instanceof DataView)) {
    const parts = batch.map((b) => {
      if (!ArrayBuffer.isView(b) || b instanceof DataView) throw collateError(b);
      return tensor(b);
    });
    try {
      return stack(parts, 0);
    } finally {
      for (const p of parts) p.dispose();
    }
  }
  if (Array.isArray(elem)) {
    const n = elem.length;
    if (!batch.every((b) => Array.isArray(b) && b.length === n)) {
      const odd = batch.find((b) => !Array.isArray(b));
      if (odd !== undefined) throw collateError(odd);
      throw new Error("each element in list of batch should be of equal size");
    }
    return Array.from({ length: n }, (_, i) => collate((batch as unknown[][]).map((b) => b[i]), [...within, elem]));
  }
  if (A.kindOf(elem) === "dict") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(elem as object)) {
      out[k] = collate(batch.map((b) => {
        if (A.kindOf(b) !== "dict" || !(k in (b as object))) throw new Error(`default_collate: the samples' keys differ (a sample has no '${k}')`);
        return (b as Record<string, unknown>)[k];
      }), [...within, elem]);
    }
    return out;
  }
  throw collateError(elem);
}

/** Options of {@link DataLoader}. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize: number;
  /** Draw the samples in a new random order each epoch (default false), from wasmgrad's generator. */
  shuffle: boolean;
  /** Leave out the last batch when it would be smaller than `batchSize` (default false). */
  dropLast: boolean;
  /** Joins a batch's samples (default {@link defaultCollate}). */
  collateFn: (samples: T[]) => B;
}

/** A sample's type, from a dataset's type. */
export type SampleOf<D> = D extends IndexedDataset<infer T> ? T : D extends ArrayLike<infer T> ? T : unknown;

/**
 * Iterates over a dataset in batches (PyTorch's `DataLoader`, in the same thread): each `for...of`
 * is one epoch, reading the dataset's length when it starts and, with `shuffle`, drawing a new
 * order from wasmgrad's random number generator (`torch.manualSeed` makes it repeat). A batch is
 * what `collateFn` makes of its samples: for a {@link TensorDataset}, an array of stacked tensors.
 * @example
 * ```ts
 * const loader = new torch.utils.data.DataLoader(new torch.utils.data.TensorDataset(x, y), { batchSize: 64, shuffle: true });
 * for (const [xb, yb] of loader) {
 *   opt.zeroGrad();
 *   lossFn.call(model.call(xb), yb).backward();
 *   opt.step();
 * }
 * ```
 */
export class DataLoader<D extends DatasetLike<unknown>, B = Collated<SampleOf<D>>> implements Iterable<B> {
  /** The dataset. */
  readonly dataset: D;
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch draws a new random order. */
  readonly shuffle: boolean;
  /** Whether a last, smaller batch is left out. */
  readonly dropLast: boolean;
  /** Joins a batch's samples. */
  readonly collateFn: (samples: SampleOf<D>[]) => B;

  /**
   * @param dataset - See {@link DatasetLike}.
   * @param opts - See {@link DataLoaderOptions}.
   * @throws PyTorch's `batch_size should be a positive integer value, but got batch_size=0`,
   *   `drop_last should be a boolean value, but got drop_last=1`, `num_samples should be a
   *   positive integer value, but got num_samples=0` (shuffling an empty dataset); `TypeError`
   *   for a dataset without a length, or other options of the wrong kind.
   */
  constructor(dataset: D, opts: Partial<DataLoaderOptions<SampleOf<D>, B>> = {}) {
    if (dataset === null || (typeof dataset !== "object" && typeof dataset !== "function")) {
      throw A.argError("DataLoader", "dataset", 1, "a dataset (an object with length and get(index), or an array)", dataset);
    }
    A.checkOptions("DataLoader", opts, { batchSize: "any", shuffle: "bool", dropLast: "any", collateFn: "any" });
    const { batchSize = 1, shuffle = false, dropLast = false, collateFn } = opts ?? {};
    const shown = (v: unknown) => (typeof v === "number" ? pyNum(v) : typeof v === "string" ? v : A.show(v));
    if (!Number.isInteger(batchSize) || (batchSize as number) <= 0) throw new Error(`batch_size should be a positive integer value, but got batch_size=${shown(batchSize)}`);
    if (typeof dropLast !== "boolean") throw new Error(`drop_last should be a boolean value, but got drop_last=${shown(dropLast)}`);
    if (collateFn !== undefined) A.checkFunction("DataLoader", "collateFn", undefined, collateFn);
    this.dataset = dataset;
    const n = this.datasetLength();
    if (shuffle && n === 0) throw new Error("num_samples should be a positive integer value, but got num_samples=0");
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.dropLast = dropLast;
    this.collateFn = collateFn ?? (defaultCollate as unknown as (samples: SampleOf<D>[]) => B);
  }

  private datasetLength(): number {
    const n = (this.dataset as { length?: unknown }).length;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new TypeError(`DataLoader: the dataset's length must be a non-negative integer, not ${A.show(n)} (a dataset has length and get(index), or is an array)`);
    }
    return n;
  }

  /** The number of batches in an epoch (PyTorch's `len(loader)`). */
  get length(): number {
    const n = this.datasetLength();
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample at `i`, through `get(i)` or index access. */
  private sample(i: number): SampleOf<D> {
    const ds = this.dataset as { get?: unknown } & ArrayLike<unknown>;
    if (typeof ds.get === "function") return (ds.get as (i: number) => SampleOf<D>)(i);
    const s = ds[i];
    if (s === undefined) throw new TypeError(`DataLoader: dataset[${i}] is undefined (a dataset has get(index), or index access for 0 to length - 1)`);
    return s as SampleOf<D>;
  }

  /** One epoch's sample order: 0 to n-1, or a permutation drawn from wasmgrad's generator. */
  private order(n: number): number[] {
    const idx = Array.from({ length: n }, (_, i) => i);
    if (!this.shuffle) return idx;
    const draws = rand([n], { dtype: "float64" });
    const u = draws.toArray();
    draws.dispose();
    // Fisher-Yates with the drawn uniforms
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(u[i]! * (i + 1));
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    return idx;
  }

  /** One epoch of batches. */
  *[Symbol.iterator](): Iterator<B> {
    const n = this.datasetLength();
    if (this.shuffle && n === 0) throw new Error("num_samples should be a positive integer value, but got num_samples=0");
    const order = this.order(n);
    // the rows TensorDataset makes are views made here: freed once stacked into the batch
    const ownsSamples = this.dataset instanceof TensorDataset && this.collateFn === (defaultCollate as unknown);
    for (let start = 0; start < n; start += this.batchSize) {
      const end = Math.min(start + this.batchSize, n);
      if (end - start < this.batchSize && this.dropLast) break;
      const samples: SampleOf<D>[] = [];
      for (let k = start; k < end; k++) samples.push(this.sample(order[k]!));
      let batch: B;
      try {
        batch = this.collateFn(samples);
      } finally {
        if (ownsSamples) for (const s of samples as unknown as Tensor[][]) for (const t of s) t.dispose();
      }
      yield batch;
    }
  }
}
