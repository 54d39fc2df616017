// Deno and Bun: the built main entry imported by file path (no package resolution, no
// node_modules), exactly as a browser page or a plain script would.
import * as torch from "../../dist/index.js";
import { compute, resultLine } from "./program.js";

console.log(resultLine({ main: compute(torch) }));
