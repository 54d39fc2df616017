// A bundled app using the main entry: ready after import (top-level await inside wasmgrad).
// Bundled by the e2e suite with esbuild (--format=esm), Vite and webpack (docs/guides/).
import * as torch from "wasmgrad";
import { compute } from "./program.js";
import { report } from "./report.js";

const t = torch.ones(2, 2, { requiresGrad: true });
// what a browser console shows once DevTools' custom formatters are on (docs/guides/browser.md)
const formatters = globalThis.devtoolsFormatters ?? [];
const devtoolsHeader = formatters.map((f) => f.header(t)).find((h) => h != null) ?? null;

report({ main: compute(torch), devtoolsHeader });
