// The package as users get it: `npm pack` of the built repo, extracted into a project's
// node_modules/wasmgrad. Used by the e2e checks (test/e2e/run.mjs) and `npm run check:package`.
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Packs the repo (as built) into `dir`; returns the tarball's path. */
export function packTarball(dir) {
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: root, encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "pipe"],
  });
  const [{ filename }] = JSON.parse(out);
  return join(dir, filename);
}

/** Extracts `tarball` as `project/node_modules/wasmgrad`, as npm would install it. */
export function installTarball(tarball, project) {
  const modules = join(project, "node_modules");
  mkdirSync(modules, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", modules], { timeout: 60_000 });
  renameSync(join(modules, "package"), join(modules, "wasmgrad"));
  return join(modules, "wasmgrad");
}
