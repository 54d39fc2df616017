// The source maps of the embedded binary (dist/**/binary.generated.js.map) would carry the
// whole base64 text again as sourcesContent (tsconfig "inlineSources"), doubling the
// tarball for a file with nothing to debug: drop them and the comments pointing at them.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";

for (const dir of ["dist/backend/wasm", "dist/cjs/backend/wasm"]) {
  const js = new URL(`../${dir}/binary.generated.js`, import.meta.url);
  if (!existsSync(js)) throw new Error(`strip-binary-maps: ${dir}/binary.generated.js is missing (run tsc first)`);
  writeFileSync(js, readFileSync(js, "utf8").replace(/\n\/\/# sourceMappingURL=binary\.generated\.js\.map\s*$/, "\n"));
  rmSync(new URL(`../${dir}/binary.generated.js.map`, import.meta.url), { force: true });
}
