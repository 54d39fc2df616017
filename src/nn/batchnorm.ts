/**
 * torch.nn's batch normalisation layers, BatchNorm1d and BatchNorm2d: PyTorch 1.13's parameters
 * (`weight`, `bias`), buffers (`running_mean`, `running_var`, `num_batches_tracked` in
 * `stateDict`; `runningMean`, `runningVar`, `numBatchesTracked` as properties), defaults, training
 * and evaluation behaviour and printed form. Each wraps {@link functional.batchNorm}.
 * @module
 */
import { noGrad } from "../autograd/grad_mode.js";
import type { DType } from "../dtype.js";
import { ones, zeros } from "../creation.js";
import { Tensor } from "../tensor.js";
import * as A from "../argcheck.js";
import { pyNum } from "../optim/optimizer.js";
import { Module } from "./modules.js";
import { batchNorm } from "./functional_batchnorm.js";

/** Options of {@link BatchNorm1d} and {@link BatchNorm2d}. */
export interface BatchNormModuleOptions {
  /** Added to the variance before its square root. Default 1e-5. */
  eps?: number;
  /**
   * The weight of each batch in the running statistics (default 0.1); `null` makes them the
   * cumulative average of all batches so far.
   */
  momentum?: number | null;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros). Default true. */
  affine?: boolean;
  /**
   * Keep running statistics (buffers) to normalise with in evaluation mode. Default true; when
   * false, the batch's statistics are used in both modes.
   */
  trackRunningStats?: boolean;
  /** The dtype of parameters and running statistics (default float32). */
  dtype?: DType;
}

/** Property name -> PyTorch's buffer name in `stateDict` and `namedBuffers`. */
const BUFFER_NAMES: Readonly<Record<string, string>> = {
  runningMean: "running_mean",
  runningVar: "running_var",
  numBatchesTracked: "num_batches_tracked",
};


/** What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`). */
abstract class BatchNormBase extends Module {
  // declared in PyTorch's registration order: stateDict keys come out in this order
  /** The per-channel scale, `[numFeatures]` (ones at first), or `null` without `affine`. */
  weight: Tensor | null;
  /** The per-channel shift, `[numFeatures]` (zeros at first), or `null` without `affine`. */
  bias: Tensor | null;
  /** Running mean (buffer `running_mean`, zeros at first), or `null` without `trackRunningStats`. */
  runningMean: Tensor | null;
  /** Running variance (buffer `running_var`, ones at first), or `null` without `trackRunningStats`. */
  runningVar: Tensor | null;
  /** Batches seen in training mode (buffer `num_batches_tracked`, a 0-d int32: PyTorch's int64), or `null`. */
  numBatchesTracked: Tensor | null;
  /** The number of channels C. */
  readonly numFeatures: number;
  /** Added to the variance before its square root. */
  eps: number;
  /** The running statistics' momentum, or `null` for a cumulative average. */
  momentum: number | null;
  /** Whether `weight` and `bias` are learned. */
  readonly affine: boolean;
  /** Whether running statistics are kept. */
  readonly trackRunningStats: boolean;

  /** @internal */
  constructor(name: string, numFeatures: number, opts: BatchNormModuleOptions | undefined) {
    super();
    A.checkInt(name, "num_features", 1, numFeatures);
    A.checkOptions(name, opts, { eps: "number", momentum: "any", affine: "bool", trackRunningStats: "bool", dtype: "dtype" });
    const o = opts ?? {};
    const momentum = o.momentum === undefined ? 0.1 : o.momentum;
    if (momentum !== null && typeof momentum !== "number") throw A.argError(name, "momentum", undefined, "float or None", momentum);
    if (numFeatures < 0) throw new Error(`Trying to create tensor with negative dimension ${numFeatures}: [${numFeatures}]`);
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = momentum;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    const dtype = o.dtype ?? "float32";
    this.weight = null;
    this.bias = null;
    this.runningMean = null;
    this.runningVar = null;
    this.numBatchesTracked = null;
    this.registerParameter("weight", this.affine ? ones([numFeatures], { dtype, requiresGrad: true }) : null);
    this.registerParameter("bias", this.affine ? zeros([numFeatures], { dtype, requiresGrad: true }) : null);
    this.registerBuffer("runningMean", this.trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer("runningVar", this.trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer("numBatchesTracked", this.trackRunningStats ? zeros([], { dtype: "int32" }) : null);
  }

  /** @internal Buffers under PyTorch's snake_case names (`running_mean`), parameters as they are. */
  override _own(): ReturnType<Module["_own"]> {
    const own = super._own();
    return { ...own, buffers: own.buffers.map(([k, t]): [string, Tensor] => [BUFFER_NAMES[k] ?? k, t]) };
  }

  /** Reset the running statistics: mean 0, variance 1, no batches tracked (in place). */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Reset the running statistics and, with `affine`, `weight` to ones and `bias` to zeros (in place). */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /** @internal PyTorch's `_check_input_dim`. */
  protected abstract checkInputDim(input: Tensor): void;

  /**
   * Normalise `input` per channel (dim 1): in training mode with the batch's statistics (and, when
   * tracked, update the running ones and count the batch), in evaluation mode with the running
   * statistics (the batch's when none are kept).
   */
  override forward(input: Tensor): Tensor {
    A.checkTensor(this.constructor.name, "input", 1, input);
    this.checkInputDim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked !== null) {
      const counter = this.numBatchesTracked;
      noGrad(() => counter.add_(1));
      factor = this.momentum === null ? 1 / (counter.item() as number) : this.momentum;
    }
    const bnTraining = this.training ? true : this.runningMean === null && this.runningVar === null;
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? this.runningMean : null, useRunning ? this.runningVar : null, this.weight, this.bias,
      { training: bnTraining, momentum: factor, eps: this.eps });
  }

  /** As PyTorch: `3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`. */
  override extraRepr(): string {
    const py = (b: boolean) => (b ? "True" : "False");
    const momentum = this.momentum === null ? "None" : pyNum(this.momentum);
    return `${this.numFeatures}, eps=${pyNum(this.eps)}, momentum=${momentum}, affine=${py(this.affine)}, track_running_stats=${py(this.trackRunningStats)}`;
  }
}

/**
 * Batch normalisation over `[N, C]` or `[N, C, L]` input (PyTorch's `nn.BatchNorm1d`): each channel
 * normalised to zero mean and unit variance over the batch (and length), then scaled by `weight`
 * and shifted by `bias`. Training mode uses the batch's statistics and updates `runningMean` /
 * `runningVar`; `eval()` switches to the running ones.
 * @example
 * ```ts
 * const bn = new torch.nn.BatchNorm1d(3);
 * const y = bn.call(torch.randn(8, 3)); // per-feature mean 0, variance 1
 * Object.keys(bn.stateDict()); // ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
 * bn.eval();
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  /**
   * @param numFeatures - The number of channels C.
   * @param opts - `eps` (1e-5), `momentum` (0.1, or `null`), `affine` (true), `trackRunningStats` (true), `dtype`.
   * @throws For a negative `numFeatures` or bad options; `forward` for input that is not 2-D or 3-D.
   */
  constructor(numFeatures: number, opts?: BatchNormModuleOptions) {
    super("BatchNorm1d", numFeatures, opts);
  }
  /** @internal */
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`expected 2D or 3D input (got ${input.ndim}D input)`);
  }
}

/**
 * Batch normalisation over `[N, C, H, W]` input (PyTorch's `nn.BatchNorm2d`), per channel over the
 * batch and both spatial dims; otherwise as {@link BatchNorm1d}.
 * @example
 * ```ts
 * const bn = new torch.nn.BatchNorm2d(8);
 * const y = bn.call(torch.randn(4, 8, 5, 5));
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  /**
   * @param numFeatures - The number of channels C.
   * @param opts - As {@link BatchNorm1d}.
   * @throws For a negative `numFeatures` or bad options; `forward` for input that is not 4-D.
   */
  constructor(numFeatures: number, opts?: BatchNormModuleOptions) {
    super("BatchNorm2d", numFeatures, opts);
  }
  /** @internal */
  protected checkInputDim(input: Tensor): void {
    if (input.ndim !== 4) throw new Error(`expected 4D input (got ${input.ndim}D input)`);
  }
}
