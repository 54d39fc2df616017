/** The optimizer tests' problem: loss(w) = sum(c * (w - t)^2), whose gradient 2 c (w - t) the
 *  tests compute independently in plain JS. */
import * as torch from "../../src/index.js";
import { values } from "./assert.js";

type Tensor = torch.Tensor;

export const W0 = [0.5, -1.5, 2.0];
export const C = [1.0, 0.5, 2.0];
export const TGT = [1.0, 1.0, -1.0];
export const jsGrad = (w: number[]) => w.map((v, i) => 2 * C[i]! * (v - TGT[i]!));
export const lossOf = (w: Tensor) => w.sub(torch.tensor(TGT)).pow(2).mul(torch.tensor(C)).sum();

/** `steps` optimizer steps on lossOf(w); w's values after each. */
export function runSteps(opt: InstanceType<typeof torch.optim.Optimizer>, w: Tensor, steps: number): number[][] {
  const seen: number[][] = [];
  for (let s = 0; s < steps; s++) {
    opt.zeroGrad();
    lossOf(w).backward();
    opt.step();
    seen.push(values(w));
  }
  return seen;
}
