/**
 * The built package as users import it (through package.json "exports", from dist/):
 * the main entry starts itself; "wasmgrad/core" waits for init({ module }).
 * `npm test` builds dist/ first (pretest).
 */
import { describe, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const run = (code: string, flags: string[] = []) =>
  execFileSync(process.execPath, [...flags, "--input-type=module", "-e", code], { cwd: root, encoding: "utf8", timeout: 60_000 });

describe("package exports", () => {
  test("every export target and its types exist after the build", () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));
    /** Every file a (possibly nested) conditional export points at, with its condition path. */
    const targets = (t: unknown, at: string): [string, string][] =>
      typeof t === "string" ? [[at, t]] : Object.entries(t as Record<string, unknown>).flatMap(([k, v]) => targets(v, `${at} ${k}`));
    for (const [name, target] of Object.entries(pkg.exports as Record<string, unknown>)) {
      const files = targets(target, name);
      expect(files.length, name).toBeGreaterThan(0);
      for (const [where, file] of files) expect(existsSync(`${root}/${file}`), where).toBe(true);
      // every entry with code has types beside it
      if (typeof target !== "string") expect(files.some(([where]) => where.endsWith("types")), `${name} types`).toBe(true);
    }
  });

  test('require("wasmgrad") gives the same library, started (CommonJS)', () => {
    const out = execFileSync(process.execPath, ["--input-type=commonjs", "-e", `
      const torch = require("wasmgrad");
      const x = torch.ones(2, { requiresGrad: true });
      x.mul(x).sum().backward();
      console.log(torch.getBackend(), String(x.grad), x instanceof torch.Tensor, torch.float64, typeof torch.init);
    `], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(out.trim()).toBe("wasm tensor([2., 2.]) true float64 function");
  });

  test('"wasmgrad" is ready after import', () => {
    const out = run(`
      import * as torch from "wasmgrad";
      const x = torch.ones(2, { requiresGrad: true });
      x.mul(x).sum().backward();
      console.log(torch.getBackend(), String(x.grad), x instanceof torch.Tensor, torch.float64);
    `);
    expect(out.trim()).toBe("wasm tensor([2., 2.]) true float64");
  });

  test('"wasmgrad/core" throws before init and works after init({ module }) with bytes or a Module', () => {
    const out = run(`
      import * as core from "wasmgrad/core";
      import { readFileSync } from "node:fs";
      let before, noModule;
      try { core.ones(2); } catch (e) { before = e.message; }
      await core.init().catch((e) => { noModule = e.message; });
      const bytes = readFileSync("build/wasmgrad.wasm");
      await core.init({ module: new WebAssembly.Module(bytes) });
      await core.init({ module: bytes });          // idempotent
      console.log(before);
      console.log(noModule.startsWith(before + ", with { module }"));
      console.log(String(core.ones(2).add(1)));
    `);
    expect(out.trim().split("\n")).toEqual(["wasmgrad is not initialised: call init() first", "true", "tensor([2., 2.])"]);
  });

  test('"wasmgrad/core" init refuses a URL or path (what some bundlers give for the .wasm import) with what to do instead', () => {
    const out = run(`
      import * as core from "wasmgrad/core";
      import { readFileSync } from "node:fs";
      for (const where of ["/assets/wasmgrad-1a2b.wasm", new URL("file:///x/wasmgrad.wasm")]) {
        await core.init({ module: where }).then(() => console.log("accepted"), (e) => console.log(e.constructor.name + ": " + e.message));
      }
      await core.init({ module: readFileSync("build/wasmgrad.wasm") }); // a refused init leaves it startable
      console.log(String(core.ones(1)));
    `);
    expect(out.trim().split("\n")).toEqual([
      'TypeError: init({ module }) got the location "/assets/wasmgrad-1a2b.wasm", not the binary: pass await WebAssembly.compileStreaming(fetch(url)) (or the file\'s bytes)',
      'TypeError: init({ module }) got the location "file:///x/wasmgrad.wasm", not the binary: pass await WebAssembly.compileStreaming(fetch(url)) (or the file\'s bytes)',
      "tensor([1.])",
    ]);
  });

  test('require("wasmgrad/core") is the CommonJS build, not started', () => {
    const out = execFileSync(process.execPath, ["--input-type=commonjs", "-e", `
      const core = require("wasmgrad/core");
      let before;
      try { core.ones(1); } catch (e) { before = e.message; }
      core.init({ module: require("node:fs").readFileSync(require.resolve("wasmgrad/wasmgrad.wasm")) }).then(() => {
        console.log(before);
        console.log(String(core.ones(2)), core.ones(1) instanceof require("wasmgrad").Tensor);
      });
    `], { cwd: root, encoding: "utf8", timeout: 60_000 });
    expect(out.trim().split("\n")).toEqual(["wasmgrad is not initialised: call init() first", "tensor([1., 1.]) true"]);
  });

  test("unreachable tensors are reclaimed by the GC safety net once the event loop turns", () => {
    const out = run(`
      import * as torch from "wasmgrad";
      const tick = () => new Promise((r) => setTimeout(r, 0));
      const base = torch.memory();
      (() => { for (let i = 0; i < 2000; i++) torch.ones(256).mul(2); })();   // never disposed
      const grown = torch.memory();
      for (let i = 0; i < 20 && torch.memory().tensors > base.tensors; i++) { await tick(); globalThis.gc(); await tick(); }
      const after = torch.memory();
      console.log(grown.tensors - base.tensors, after.tensors - base.tensors, after.bytesInUse - base.bytesInUse);
    `, ["--expose-gc"]);
    const [made, left, bytesLeft] = out.trim().split(" ").map(Number);
    expect(made).toBe(4000);
    expect(left).toBe(0);
    expect(bytesLeft).toBe(0);
  });
});

