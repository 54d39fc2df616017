// Node: the main entry through the package's own name (package self-reference via
// package.json "exports"), started by top-level await on import.
import * as torch from "wasmgrad";
import { inspect } from "node:util";
import { compute, resultLine } from "./program.js";

// what console.log(t) prints (util.inspect, through Symbol.for("nodejs.util.inspect.custom"))
const logged = inspect(torch.ones(2, 2, { requiresGrad: true }));

console.log(resultLine({ main: compute(torch), logged }));
