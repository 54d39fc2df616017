// Installs a side folder's dependencies from its own lockfile (`npm ci`) when they are
// missing or older than the lockfile: the peers `npm run bench` compares with
// (bench/deps) and the runtimes `npm run test:e2e` runs in (test/e2e/deps) stay out of
// the root install, which the quick start uses.
//   node scripts/ensure-deps.mjs bench/deps
import { execFileSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const dir = resolve(process.argv[2] ?? ".");
const lock = join(dir, "package-lock.json");
const installed = join(dir, "node_modules", ".package-lock.json");
if (!existsSync(lock)) throw new Error(`ensure-deps: no package-lock.json in ${dir}`);
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.log(`installing ${dir} from its lockfile`);
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
}
