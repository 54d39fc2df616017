// Node: the main entry through the package's own name (package self-reference via
// package.json "exports"), started by top-level await on import.
import * as torch from "wasmgrad";
import { compute, resultLine } from "./program.js";

console.log(resultLine({ main: compute(torch) }));
