/**
 * Browser DevTools "custom formatters" (Chrome and Firefox; off until the user ticks
 * "Enable custom formatters" in DevTools settings): `console.log(t)` then shows PyTorch's
 * text, as Node's util.inspect does, instead of the object's fields. Without them a
 * browser console shows own fields only and never calls toString (docs/guides/browser.md).
 */

type JsonML = [string, Record<string, unknown>, ...unknown[]];

interface TensorLike {
  toString(): string;
  readonly shape: number[];
  readonly dtype: string;
  readonly requiresGrad: boolean;
  readonly gradFn: unknown;
  readonly grad: unknown;
}

const PRE = { style: "white-space: pre" };
const KEY = { style: "color: #881391" };

/** Registers one formatter for this copy of the library's Tensor and autograd Node classes. */
export function registerDevtoolsFormatter(
  TensorClass: abstract new (...args: never[]) => TensorLike,
  NodeClass: abstract new (...args: never[]) => { toString(): string },
): void {
  const g = globalThis as { devtoolsFormatters?: unknown };
  // someone else's non-array value is theirs: leave it alone
  if (g.devtoolsFormatters !== undefined && !Array.isArray(g.devtoolsFormatters)) return;
  const text = (x: object): string => {
    try { return String(x); } catch (e) { return `<${(e as Error)?.message ?? "unprintable"}>`; }
  };
  const field = (name: string, read: () => unknown): JsonML => {
    let value: unknown;
    try { value = read(); } catch (e) { value = `<${(e as Error)?.message ?? "unreadable"}>`; }
    const shown = value !== null && typeof value === "object" ? ["object", { object: value }] : String(value);
    return ["li", {}, ["span", KEY, `${name}: `], shown];
  };
  const formatter = {
    header(x: unknown, config?: { wasmgradRaw?: boolean }): JsonML | null {
      if (config?.wasmgradRaw) return null; // the "fields" entry of the body: DevTools' own view
      if (x instanceof TensorClass || x instanceof NodeClass) return ["span", PRE, text(x)];
      return null;
    },
    hasBody(x: unknown): boolean { return x instanceof TensorClass; },
    body(x: unknown): JsonML | null {
      if (!(x instanceof TensorClass)) return null;
      const t = x as TensorLike;
      return ["ol", { style: "list-style-type: none; margin: 0; padding-left: 12px" },
        field("shape", () => `[${t.shape.join(", ")}]`),
        field("dtype", () => t.dtype),
        field("requiresGrad", () => t.requiresGrad),
        field("gradFn", () => t.gradFn),
        field("grad", () => t.grad),
        ["li", {}, ["span", KEY, "fields: "], ["object", { object: x, config: { wasmgradRaw: true } }]],
      ];
    },
  };
  ((g.devtoolsFormatters ??= []) as unknown[]).push(formatter);
}
