/**
 * torch.optim: optimizers that update parameters from their gradients (SGD, Adam, AdamW, RMSprop,
 * Adagrad), the Optimizer base class to write others, and `lrScheduler`, which changes their
 * learning rates as training goes.
 * @module
 * @category Neural networks
 */
export {
  Optimizer, required, type OptionKinds, type ParamGroup, type ParamGroupInput, type ParamsInput,
  type OptimizerStateDict, type OptimizerStateDictInput, type OptimizerTensorJSON, type PackedParamGroup,
} from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export { RMSprop, type RMSpropOptions } from "./rmsprop.js";
export { Adagrad, type AdagradOptions } from "./adagrad.js";
export * as lrScheduler from "./lr_scheduler.js";
