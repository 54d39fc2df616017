// `npm run check:package`: the packed tarball, checked the way a user would get it.
//   publint                 package.json fields and exports against the files packed
//   @arethetypeswrong/cli   types for every export under node10, node16 (CJS and ESM), bundler
//   source maps             every dist/*.js map is packed and carries its sources, and a
//                           mapped position lands on the right line of the TypeScript
// The tools live in test/package/deps (installed from its lockfile by the npm script).
// One line per check (`ok` / `FAIL`), then `N passed, M failed`; exits non-zero on failure.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { installTarball, packTarball } from "../../scripts/pack.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const bin = (name) => join(here, "deps", "node_modules", ".bin", name);

/** Runs a linter; returns its output, or throws with it when it exits non-zero. */
function tool(name, args) {
  try {
    return execFileSync(bin(name), args, { encoding: "utf8", timeout: 120_000, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" } });
  } catch (e) {
    throw new Error(`${name} ${e.status === null ? `did not finish (${e.signal ?? e.message})` : `exited with ${e.status}`}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
}

// ---- source maps -------------------------------------------------------------------------------

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** The source-map "mappings" string as [generated line] -> [[genCol, src, srcLine, srcCol]]. */
function decodeMappings(mappings) {
  const lines = [];
  let src = 0, srcLine = 0, srcCol = 0;
  for (const line of mappings.split(";")) {
    const segs = [];
    let genCol = 0;
    for (const seg of line.split(",").filter(Boolean)) {
      const vals = [];
      let value = 0, shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) { shift += 5; continue; }
        vals.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0; shift = 0;
      }
      genCol += vals[0];
      if (vals.length >= 4) { src += vals[1]; srcLine += vals[2]; srcCol += vals[3]; segs.push([genCol, src, srcLine, srcCol]); }
    }
    lines.push(segs);
  }
  return lines;
}

/** Checks the maps of the installed package; returns a summary. */
function checkSourceMaps(pkg) {
  const jsFiles = readdirSync(join(pkg, "dist"), { recursive: true }).map(String).filter((f) => f.endsWith(".js"));
  const problems = [];
  let maps = 0;
  let located = 0;
  for (const f of jsFiles) {
    const js = join(pkg, "dist", f);
    const code = readFileSync(js, "utf8");
    const ref = /\n\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1];
    if (!ref) continue; // the embedded binary's file ships without one (scripts/strip-binary-maps.mjs)
    let map;
    try {
      map = JSON.parse(readFileSync(join(dirname(js), ref), "utf8"));
    } catch (e) {
      problems.push(`dist/${f}: its map ${ref} is not in the tarball or not JSON (${e.message})`);
      continue;
    }
    maps++;
    map.sources.forEach((s, i) => {
      if (typeof map.sourcesContent?.[i] !== "string") problems.push(`dist/${f}.map: no sourcesContent for ${s}`);
    });
    // a class or function declared in the output maps back to the source line declaring it
    const lines = code.split("\n");
    const mapped = decodeMappings(map.mappings);
    for (let g = 0; g < lines.length; g++) {
      const decl = /^(?:export )?(?:class|function) (\w+)/.exec(lines[g])?.[1];
      const seg = decl && mapped[g]?.[0];
      if (!seg) continue;
      const srcLine = map.sourcesContent?.[seg[1]]?.split("\n")[seg[2]] ?? "";
      if (!srcLine.includes(decl)) problems.push(`dist/${f}:${g + 1} (${decl}) maps to ${map.sources[seg[1]]}:${seg[2] + 1}, which reads ${JSON.stringify(srcLine.trim())}`);
      else located++;
    }
  }
  if (maps === 0) problems.push("no source maps found in dist/");
  if (located === 0) problems.push("no declaration could be located through a map");
  if (problems.length) throw new Error(problems.slice(0, 8).join("\n") + (problems.length > 8 ? `\n... and ${problems.length - 8} more` : ""));
  return `${maps} maps for ${jsFiles.length} .js files carry their sources; ${located} declarations map back to the line declaring them`;
}

// ---- main --------------------------------------------------------------------------------------

const work = mkdtempSync(join(tmpdir(), "wasmgrad-check-package-"));
let passed = 0;
let failed = 0;
try {
  const tarball = packTarball(work);
  const pkg = installTarball(tarball, join(work, "project"));
  console.log(`packed ${relative(work, tarball)} (${readdirSync(pkg, { recursive: true }).length} files and folders)`);
  const checks = {
    publint: () => tool("publint", ["run", tarball, "--strict"]).trim().split("\n").pop(),
    attw: () => {
      const out = tool("attw", [tarball, "--format", "ascii"]);
      return out.includes("No problems found") ? "no problems found (node10, node16 CJS and ESM, bundler)" : out;
    },
    "source maps": () => checkSourceMaps(pkg),
  };
  for (const [name, check] of Object.entries(checks)) {
    try {
      console.log(`ok ${name}: ${check()}`);
      passed++;
    } catch (e) {
      console.log(`FAIL ${name}: ${String(e && e.message || e).trim().replace(/\n/g, "\n    ")}`);
      failed++;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
