/**
 * Random integers, permutations and categorical sampling: randint, randperm, multinomial, all
 * drawn from the seeded stream of src/creation.ts (deterministic under manualSeed; the stream is
 * wasmgrad's, not PyTorch's, so the numbers differ from PyTorch's, the distributions do not).
 * multinomial follows PyTorch 1.13's algorithms: without replacement (or for one sample) the top
 * k of p / q with q ~ Exp(1), with replacement a binary search of the normalised cumulative sum.
 */
import * as A from "./argcheck.js";
import { dtypeName, isDType, isFloating, typedArrayFor, type DType } from "./dtype.js";
import { numelOf } from "./shape.js";
import { Tensor } from "./tensor.js";
import { checkNewShape, fromArray, uniform, type CreateOptions } from "./creation.js";
import { topkColumns } from "./backend/sorting.js";

const CREATE_OPTIONS = { dtype: "dtype", requiresGrad: "bool" } as const;

function intDtype(fn: string, opts: CreateOptions | undefined): DType {
  A.checkOptions(fn, opts, CREATE_OPTIONS);
  const d = opts?.dtype ?? "int32";
  if (!isDType(d)) throw new TypeError(`${fn}(): unsupported dtype ${String(d)}`);
  return d;
}

function made(data: ArrayLike<number>, shape: number[], dtype: DType, opts: CreateOptions | undefined): Tensor {
  const typed = typedArrayFor(dtype, data.length);
  typed.set(data);
  const t = fromArray(typed, shape);
  if (opts?.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A uniform integer in [0, n) (n <= 2^53). */
function below(n: number): number {
  return Math.floor(uniform() * n);
}

/**
 * Random integers uniform in `[low, high)` (`torch.randint`), of `shape`. `randint(high, shape)`
 * starts at 0. The dtype is int32 (PyTorch: int64) unless `dtype` is given (float dtypes hold the
 * integers as floats).
 *
 * @throws `random_ expects 'from' to be less than 'to', but got from=5 >= to=5`.
 * @example
 * ```ts
 * torch.manualSeed(0);
 * const labels = torch.randint(0, 10, [64]);
 * ```
 */
export function randint(low: number, high: number, shape: number[], opts?: CreateOptions): Tensor;
/**
 * Random integers uniform in `[0, high)` (`torch.randint(high, size)`), of `shape`. See
 * {@link randint}.
 */
export function randint(high: number, shape: number[], opts?: CreateOptions): Tensor;
export function randint(...args: unknown[]): Tensor {
  const withLow = !Array.isArray(args[1]);
  const [low, high, shape, opts] = (withLow ? args : [0, ...args]) as [unknown, unknown, unknown, CreateOptions | undefined];
  A.checkInt("randint", withLow ? "low" : "high", 1, withLow ? low : high);
  if (withLow) A.checkInt("randint", "high", 2, high);
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw A.argError("randint", "size", withLow ? 3 : 2, "tuple of ints", shape);
  }
  const lo = low as number, hi = high as number;
  const dtype = intDtype("randint", opts);
  if (!(lo < hi)) throw new Error(`random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`);
  if (dtype === "bool" && (lo < 0 || hi - 1 > 1)) throw new Error(`${lo < 0 ? "from" : "to - 1"} is out of bounds for bool`);
  if (dtype === "int32" && (lo < -2147483648 || hi - 1 > 2147483647)) throw new Error(`${lo < -2147483648 ? "from" : "to - 1"} is out of bounds for int`);
  if (!(hi - lo <= 2 ** 53)) throw new Error(`randint(): the range [${lo}, ${hi}) is wider than 2^53`);
  checkNewShape(shape as number[], dtype);
  const n = numelOf(shape as number[]);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + below(hi - lo);
  return made(data, (shape as number[]).slice(), dtype, opts);
}

/**
 * A random permutation of `0 .. n-1` (`torch.randperm`), int32 (PyTorch: int64) unless `dtype`
 * is given. Fisher-Yates over the seeded stream.
 */
export function randperm(n: number, opts?: CreateOptions): Tensor {
  A.checkInt("randperm", "n", 1, n);
  const dtype = intDtype("randperm", opts);
  if (dtype === "bool") throw new Error(`"randperm" not implemented for '${dtypeName(dtype, "scalar")}'`);
  checkNewShape([n], dtype);
  const perm = new Float64Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = below(i + 1);
    const t = perm[i]!; perm[i] = perm[j]!; perm[j] = t;
  }
  return made(perm, [n], dtype, opts);
}

/**
 * `numSamples` category indices (int32) per row of `probs` (1-D, or 2-D: one distribution per
 * row), drawn with probability proportional to the row's non-negative weights
 * (`torch.multinomial`). Without replacement each index comes at most once (once the categories
 * with weight run out, PyTorch's algorithm, followed here, returns ones of zero weight).
 *
 * @throws `cannot sample n_sample > prob_dist.size(-1) samples without replacement`; `probability
 *   tensor contains either \`inf\`, \`nan\` or element < 0`; `invalid multinomial distribution
 *   (sum of probabilities <= 0)`.
 */
export function multinomial(probs: Tensor, numSamples: number, replacement = false): Tensor {
  A.checkTensor("multinomial", "input", 1, probs);
  A.checkInt("multinomial", "num_samples", 2, numSamples);
  A.checkBool("multinomial", "replacement", 3, replacement);
  if (!(probs.ndim > 0 && probs.ndim <= 2)) throw new Error("prob_dist must be 1 or 2 dim");
  if (!isFloating(probs.dtype)) {
    throw new Error(`multinomial only supports floating-point dtypes for input, got: ${dtypeName(probs.dtype, "scalar")}`);
  }
  if (!(numSamples > 0)) throw new Error("cannot sample n_sample <= 0 samples");
  const cats = probs.shape[probs.ndim - 1]!;
  if (!replacement && numSamples > cats) throw new Error("cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  if (cats > 2 ** 24) throw new Error("number of categories cannot exceed 2^24");
  const rows = probs.ndim === 1 ? 1 : probs.shape[0]!;
  const p = probs.toArray();
  const out = new Int32Array(rows * numSamples);
  if (!replacement || numSamples === 1) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (!(v >= 0 && v < Infinity)) throw new Error("probability tensor contains either `inf`, `nan` or element < 0");
    }
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < cats; j++) sum += p[r * cats + j]!;
      if (sum === 0) throw new Error("invalid multinomial distribution (sum of probabilities <= 0)");
    }
    // the largest p / q, q ~ Exp(1) (Gumbel-max): argmax for one sample, topk for several
    const keys = new Float64Array(rows * cats);
    for (let i = 0; i < keys.length; i++) {
      const q = -Math.log(1 - uniform());
      keys[i] = probs.dtype === "float32" ? Math.fround(Math.fround(p[i]!) / Math.fround(q)) : p[i]! / q;
    }
    if (numSamples === 1) {
      for (let r = 0; r < rows; r++) {
        let best = 0;
        for (let j = 1; j < cats; j++) if (keys[r * cats + j]! > keys[r * cats + best]!) best = j;
        out[r] = best;
      }
    } else {
      topkColumns(keys, 0, rows, cats, 1, numSamples, true, true, new Float64Array(rows * numSamples), out);
    }
  } else {
    const cdf = new Float64Array(cats);
    for (let r = 0; r < rows; r++) {
      let sum = 0;
      for (let j = 0; j < cats; j++) {
        const v = p[r * cats + j]!;
        if (!(v >= 0)) throw new Error("invalid multinomial distribution (encountering probability entry < 0)");
        if (!Number.isFinite(v)) throw new Error("invalid multinomial distribution (encountering probability entry = infinity or NaN)");
        sum += v;
        cdf[j] = sum;
      }
      if (!(sum > 0)) throw new Error("invalid multinomial distribution (sum of probabilities <= 0)");
      for (let j = 0; j < cats; j++) cdf[j] = cdf[j]! / sum;
      cdf[cats - 1] = 1;
      for (let s = 0; s < numSamples; s++) {
        // the first category whose cumulative probability reaches the uniform draw
        const u = uniform();
        let left = 0, right = cats;
        while (right - left > 0) {
          const mid = left + ((right - left) >> 1);
          if (cdf[mid]! < u) left = mid + 1;
          else right = mid;
        }
        out[r * numSamples + s] = left;
      }
    }
  }
  const t = fromArray(out, probs.ndim === 1 ? [numSamples] : [rows, numSamples]);
  return t;
}

/**
 * The one-hot encoding of an int32 tensor of class indices (`F.one_hot`): int32, of shape
 * `[...t.shape, numClasses]`, 1 at each index. `numClasses` -1 (default) means the largest index
 * plus one.
 *
 * @throws `Class values must be non-negative.`, `Class values must be smaller than num_classes.`,
 *   `one_hot is only applicable to index tensor.` for a tensor that is not int32.
 * @example
 * ```ts
 * torch.nn.functional.oneHot(torch.tensor([0, 2, 1], { dtype: "int32" })); // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 * ```
 */
export function oneHot(t: Tensor, numClasses = -1): Tensor {
  A.checkTensor("one_hot", "tensor", 1, t);
  A.checkInt("one_hot", "num_classes", 2, numClasses);
  if (t.dtype !== "int32") throw new Error("one_hot is only applicable to index tensor.");
  const values = t.toArray();
  let max = -Infinity, min = Infinity;
  for (let i = 0; i < values.length; i++) { max = Math.max(max, values[i]!); min = Math.min(min, values[i]!); }
  let n = numClasses;
  if (values.length === 0) {
    if (n === -1) throw new Error("Can not infer total number of classes from empty tensor.");
  } else {
    if (min < 0) throw new Error("Class values must be non-negative.");
    if (n === -1) n = max + 1;
    else if (max >= n) throw new Error("Class values must be smaller than num_classes.");
  }
  const shape = [...t.shape, n];
  checkNewShape(shape, "int32");
  const data = new Int32Array(numelOf(shape));
  for (let i = 0; i < values.length; i++) data[i * n + values[i]!] = 1;
  return fromArray(data, shape);
}
