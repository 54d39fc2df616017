// The API reference in docs/api is generated from the doc comments by TypeDoc (with its markdown
// plugin), which needs TypeScript 5's compiler API: both live in docs/deps, installed from that
// folder's lockfile, so the root install stays light.
//   node scripts/docs.mjs          regenerate docs/api (`npm run docs`)
//   node scripts/docs.mjs --check  fail on an export without a doc comment, or when docs/api is
//                                  not what the comments give (`npm run docs:check`)
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const check = process.argv.includes("--check");
const committed = join(root, "docs", "api");
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: "inherit" });

run(["scripts/ensure-deps.mjs", "docs/deps"]);
// src/index.ts imports the generated binary module: build whatever is missing or stale
run(["scripts/build-if-stale.mjs"]);

const typedoc = ["docs/deps/node_modules/typedoc/bin/typedoc", "--options", "docs/typedoc.json"];
if (!check) {
  run(typedoc);
  process.exit(0);
}

const fresh = mkdtempSync(join(tmpdir(), "wasmgrad-docs-"));
try {
  try {
    // an export without a doc comment (validation.notDocumented) is a warning; make it fatal
    run([...typedoc, "--out", fresh, "--treatValidationWarningsAsErrors"]);
  } catch {
    console.error("docs:check: TypeDoc reported the problems above (every export needs a doc comment)");
    process.exit(1);
  }
  const differences = compareTrees(committed, fresh);
  if (differences.length > 0) {
    console.error(`docs:check: docs/api is not what the doc comments give (${differences.length} files):`);
    for (const d of differences.slice(0, 20)) console.error(`  ${d}`);
    console.error("run `npm run docs` and commit docs/api");
    process.exit(1);
  }
  console.log("docs:check: every export is documented and docs/api is up to date");
} finally {
  rmSync(fresh, { recursive: true, force: true });
}

/** Files that differ between two folders, as "changed: path", "missing: path", "extra: path". */
function compareTrees(want, got) {
  const list = (dir) => (existsSync(dir) ? walk(dir).map((f) => relative(dir, f)) : []);
  const have = new Set(list(want)), made = new Set(list(got));
  const out = [];
  for (const f of made) {
    if (!have.has(f)) out.push(`missing: docs/api/${f}`);
    else if (!readFileSync(join(want, f)).equals(readFileSync(join(got, f)))) out.push(`changed: docs/api/${f}`);
  }
  for (const f of have) if (!made.has(f)) out.push(`extra: docs/api/${f}`);
  return out.sort();
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
}
