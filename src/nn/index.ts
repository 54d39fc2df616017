/**
 * torch.nn: modules (layers, containers, losses) to build networks from, `nn.functional`, the
 * same operations as functions, `nn.init` to initialise weights and `nn.utils` to clip gradients.
 * @module
 * @category Neural networks
 */
import * as functional from "./functional.js";

export { functional };
export {
  Module, Linear, ReLU, Tanh, Sigmoid, Sequential, ModuleList, ModuleDict, MSELoss, CrossEntropyLoss,
  type StateDict, type StateDictInput, type TensorJSON,
} from "./modules.js";
export type { Reduction } from "./functional.js";
export { Conv1d, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Identity, type ConvModuleOptions } from "./conv.js";
export * as init from "./init.js";
export * as utils from "./utils.js";
export {
  LayerNorm, Dropout, MultiheadAttention, NonDynamicallyQuantizableLinear, TransformerEncoderLayer, TransformerEncoder, Transformer,
  type MultiheadAttentionOptions, type TransformerEncoderLayerOptions, type TransformerActivation,
} from "./transformer.js";
export type { AttentionCallOptions, DropoutOptions } from "./functional_attn.js";
export { BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from "./batchnorm.js";
export { Embedding, type EmbeddingModuleOptions } from "./embedding.js";
