/**
 * torch.optim: optimizers that update parameters from their gradients (SGD, Adam), and the
 * Optimizer base class to write others.
 * @module
 * @category Neural networks
 */
export { Optimizer, required, type OptionKinds, type ParamGroup, type ParamGroupInput, type ParamsInput } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
