// dist/cjs holds the CommonJS build (tsconfig.cjs.json); the package is "type": "module",
// so this folder says its .js and .d.ts files are CommonJS.
import { writeFileSync } from "node:fs";
writeFileSync(new URL("../dist/cjs/package.json", import.meta.url), JSON.stringify({ type: "commonjs" }) + "\n");
