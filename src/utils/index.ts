/**
 * torch.utils: `checkpoint(fn, ...args)` recomputes `fn`'s intermediates in backward instead of
 * keeping them; `data` holds datasets and the DataLoader.
 * @module
 * @category Autograd
 */
export { checkpoint } from "./checkpoint.js";
export * as data from "./data.js";
