// Chromium (Debian's /usr/bin/chromium driven by playwright-core): a static server on
// 127.0.0.1 serves the repo's dist/, build/ and test/e2e/ plus these pages, each written as
// a page without a bundler would be (docs/guides/browser.md):
//   /main.html     an import map ("wasmgrad" -> /dist/index.js), then
//                  <script type="module"> import * as torch from "wasmgrad" </script>
//   /core.html     "/dist/core.js" by path + fetch("/build/wasmgrad.wasm") -> compileStreaming -> init
//   /console.html  console.log(t), read through the DevTools protocol twice: the default
//                  object preview, and with custom formatters on (Runtime.consoleAPICalled)
// Prints one E2E-RESULT line.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { resultLine } from "./program.js";
import { runPage, startServer, withChromium } from "./chromium.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));

// Static imports, as a page would write them: if one fails, the script never runs and the
// failure shows up as a pageerror/console error in the reason.
const page = (title, imports, body, head = "") => `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>${head}</head>
<body><pre id="out"></pre>
<script type="module">
${imports}
const out = document.getElementById("out");
const done = (r) => { out.textContent = JSON.stringify(r); document.body.dataset.done = "1"; };
try {
${body}
} catch (e) {
  done({ error: String(e && e.stack || e) });
}
</script></body></html>`;

const pages = {
  "/main.html": page("wasmgrad main entry", `
import * as torch from "wasmgrad";
import { compute } from "/test/e2e/program.js";`, `
  done({ main: compute(torch) });`, `
<script type="importmap">{ "imports": { "wasmgrad": "/dist/index.js", "wasmgrad/core": "/dist/core.js" } }</script>`),
  "/core.html": page("wasmgrad core entry", `
import * as core from "/dist/core.js";
import { compute, thrownMessage } from "/test/e2e/program.js";`, `
  const preInit = thrownMessage(() => core.ones(1));
  const module = await WebAssembly.compileStreaming(fetch("/build/wasmgrad.wasm"));
  await core.init({ module });
  done({ preInit, core: compute(core) });`),
  "/console.html": page("wasmgrad in the console", `
import * as torch from "/dist/index.js";`, `
  const x = torch.ones(2, 2, { requiresGrad: true });
  console.log(x);
  console.log(x.mul(3).sum().gradFn);
  done({ logged: true });`),
};

/** console.log's arguments as the DevTools protocol reports them, custom formatters on or off. */
async function consoleView(context, url, customFormatters) {
  const logged = [];
  let cdp;
  let body = null;
  const r = await runPage(context, url, {
    async beforeLoad(tab) {
      cdp = await context.newCDPSession(tab);
      cdp.on("Runtime.consoleAPICalled", (e) => { if (e.type === "log") logged.push(e.args[0]); });
      await cdp.send("Runtime.enable");
      await cdp.send("Runtime.setCustomObjectFormatterEnabled", { enabled: customFormatters });
    },
    async afterLoad() {
      // the body is fetched when the user expands the entry: DevTools calls the getter so
      const getter = logged[0]?.customPreview?.bodyGetterId;
      if (!getter) return;
      const got = await cdp.send("Runtime.callFunctionOn", {
        objectId: getter,
        functionDeclaration: "function () { return this(); }",
        returnByValue: true,
      });
      body = JSON.stringify(got.result?.value ?? got.exceptionDetails?.text ?? null);
    },
  });
  if (r.error) return { error: r.error };
  const [tensor, node] = logged;
  if (!tensor) return { error: "no console.log call was reported" };
  if (!customFormatters) {
    return {
      description: tensor.description,
      firstFields: (tensor.preview?.properties ?? []).slice(0, 2).map((p) => `${p.name}: ${p.value}`).join(", "),
    };
  }
  return {
    header: tensor.customPreview ? JSON.parse(tensor.customPreview.header) : null,
    nodeHeader: node?.customPreview ? JSON.parse(node.customPreview.header) : null,
    body,
  };
}

const result = {};
let server;
try {
  server = await startServer(root, ["dist", "build", join("test", "e2e")], pages);
  await withChromium(async (context, version) => {
    result.browser = version;
    for (const name of ["main", "core"]) {
      const got = await runPage(context, `${server.origin}/${name}.html`);
      if (got.error) result[`${name}Error`] = got.error;
      else Object.assign(result, got);
    }
    const plain = await consoleView(context, `${server.origin}/console.html`, false);
    const custom = await consoleView(context, `${server.origin}/console.html`, true);
    if (plain.error || custom.error) result.consoleError = plain.error ?? custom.error;
    else result.console = { plain, custom };
  });
} catch (e) {
  result.error = String(e && e.message || e).split("\n")[0];
} finally {
  await server?.close();
}
console.log(resultLine(result));
