// `npm run build`, but each half only when its inputs changed since it last ran: the Wasm
// (assembly/, asconfig.json, the ABI generator) and then the TypeScript (src/, tsconfig.json,
// package.json). `npm start` uses it, so a second start prints at once; `npm test` and CI
// always build in full.
import { execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const at = (p) => join(root, p);

/** Newest modification time under the given files and folders (0 when none exist). */
function newest(paths) {
  let t = 0;
  for (const p of paths.map(at)) {
    if (!existsSync(p)) continue;
    const s = statSync(p);
    if (s.isDirectory()) t = Math.max(t, newest(readdirSync(p).map((f) => join(p, f).slice(root.length))));
    else t = Math.max(t, s.mtimeMs);
  }
  return t;
}
/** Oldest of the outputs (0 when one is missing: build it). */
function oldest(paths) {
  let t = Infinity;
  for (const p of paths.map(at)) t = existsSync(p) ? Math.min(t, statSync(p).mtimeMs) : 0;
  return t;
}
const run = (script) => execSync(`npm run --silent ${script}`, { cwd: root, stdio: "inherit" });

const wasmOut = ["build/wasmgrad.wasm", "src/backend/wasm/binary.generated.ts", "src/backend/abi.generated.ts"];
if (newest(["assembly", "asconfig.json", "scripts/gen-abi.mjs", "scripts/embed-wasm.mjs"]) > oldest(wasmOut)) run("build:wasm");
if (newest(["src", "tsconfig.json", "tsconfig.cjs.json", "package.json", "scripts/mark-cjs.mjs", "scripts/strip-binary-maps.mjs"]) > oldest(["dist/index.js", "dist/core.js", "dist/cjs/cjs.js"])) run("build:ts");
