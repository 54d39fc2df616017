/** torch.optim */
export { Optimizer, required, type ParamGroup, type ParamGroupInput, type ParamsInput } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
export { Adam, type AdamOptions } from "./adam.js";
