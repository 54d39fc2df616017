/** Small assertions shared by the unit tests. */
import { expect } from "vitest";
import type { Tensor } from "../../src/index.js";

/** The message of the error `fn` throws; fails the test when `fn` returns instead. */
export function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error("expected an error, but the call returned");
}

/** Elementwise |actual - expected| <= atol + rtol * |expected|, naming the first element off. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, e = expected[i]!;
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`element ${i}: expected ${e}, got ${a} (actual [${Array.from(actual).join(", ")}], expected [${Array.from(expected).join(", ")}])`);
    }
  }
}

/** A numeric tensor's elements as a plain array. */
export const values = (t: Tensor): number[] => Array.from(t.toArray() as ArrayLike<number>);
