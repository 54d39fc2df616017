/** torch.nn */
import * as functional from "./functional.js";

export { functional };
export {
  Module, Linear, ReLU, Tanh, Sigmoid, Sequential, ModuleList, ModuleDict, MSELoss, CrossEntropyLoss,
  type StateDict, type StateDictInput, type TensorJSON,
} from "./modules.js";
export type { Reduction } from "./functional.js";
