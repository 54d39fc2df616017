// Deno and Bun: the built main entry imported by file path (no package resolution, no
// node_modules), exactly as a browser page or a plain script would.
import * as torch from "../../dist/index.js";
import { compute, resultLine } from "./program.js";

// what console.log(t) prints: each runtime's own inspect, which console.log uses
const inspect = globalThis.Deno?.inspect ?? globalThis.Bun?.inspect;
const logged = inspect ? inspect(torch.ones(2, 2, { requiresGrad: true })) : "(no Deno.inspect or Bun.inspect)";

console.log(resultLine({ main: compute(torch), logged }));
