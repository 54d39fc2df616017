/**
 * torch.utils.data beyond the PyTorch cases (test/oracle: data area, unshuffled batches):
 * shuffling (each index once per epoch, a new order each epoch, the same orders under
 * manualSeed, on both backends), datasets as arrays and Dataset subclasses, defaultCollate's
 * rules, lengths, argument errors, and memory (an epoch leaves only the batches the program
 * keeps).
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { errorOf } from "./helpers/assert.js";

const { data } = torch.utils;
type Tensor = torch.Tensor;

const ints = (t: Tensor) => Array.from(t.toArray() as Int32Array);

/** The sample indices an epoch visits, from a TensorDataset of 0..n-1. */
function epochOrder(loader: InstanceType<typeof data.DataLoader<InstanceType<typeof data.TensorDataset>>>): number[][] {
  return Array.from(loader, ([idx]) => ints(idx!));
}

for (const backend of ["wasm", "js"] as const) {
  describe(`utils.data [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
      torch.manualSeed(0);
    });

    test("shuffle: every index once per epoch, a new order each epoch, the same orders under manualSeed", () => {
      const n = 23;
      const ds = new data.TensorDataset(torch.arange(n), torch.arange(n).mul(10));
      const loader = new data.DataLoader(ds, { batchSize: 4, shuffle: true });
      torch.manualSeed(42);
      const epochs = [epochOrder(loader), epochOrder(loader), epochOrder(loader)];
      for (const batches of epochs) {
        expect(batches.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 3]);
        expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      }
      expect(epochs[0]!.flat()).not.toEqual(epochs[1]!.flat());
      expect(epochs[1]!.flat()).not.toEqual(epochs[2]!.flat());
      expect(epochs[0]!.flat()).not.toEqual(Array.from({ length: n }, (_, i) => i));
      // the second tensor's rows travel with the first's
      for (const [i, y] of loader) expect(ints(y!)).toEqual(ints(i!).map((v) => v * 10));
      torch.manualSeed(42);
      expect([epochOrder(loader), epochOrder(loader), epochOrder(loader)]).toEqual(epochs);
    });

    test("shuffle: each position gets each index about equally often", () => {
      const n = 4, epochs = 2000;
      const counts = Array.from({ length: n }, () => new Array(n).fill(0) as number[]);
      const loader = new data.DataLoader(new data.TensorDataset(torch.arange(n)), { batchSize: n, shuffle: true });
      torch.manualSeed(7);
      for (let e = 0; e < epochs; e++) for (const [b] of loader) ints(b!).forEach((v, pos) => { counts[pos]![v]! += 1; });
      // expected 500 each; 5 standard deviations is about 97
      for (const row of counts) for (const c of row) expect(Math.abs(c - epochs / n)).toBeLessThan(100);
    });

    test("the same order on both backends", () => {
      const loader = new data.DataLoader(new data.TensorDataset(torch.arange(10)), { batchSize: 10, shuffle: true });
      torch.manualSeed(3);
      const here = epochOrder(loader);
      torch.setBackend(backend === "wasm" ? "js" : "wasm");
      const other = new data.DataLoader(new data.TensorDataset(torch.arange(10)), { batchSize: 10, shuffle: true });
      torch.manualSeed(3);
      expect(epochOrder(other)).toEqual(here);
    });

    test("length and dropLast", () => {
      const ds = new data.TensorDataset(torch.zeros(10, 2));
      expect(ds.length).toBe(10);
      for (const [bs, drop, len, last] of [[3, false, 4, 1], [3, true, 3, 3], [5, false, 2, 5], [5, true, 2, 5], [20, true, 0, 0], [1, false, 10, 1]] as const) {
        const loader = new data.DataLoader(ds, { batchSize: bs, dropLast: drop });
        expect(loader.length).toBe(len);
        const sizes = Array.from(loader, ([x]) => x!.shape[0]!);
        expect(sizes.length).toBe(len);
        if (len > 0) expect(sizes[sizes.length - 1]).toBe(last);
        expect(Array.from(loader, ([x]) => x!.shape.slice(1))).toEqual(sizes.map(() => [2]));
      }
      expect(Array.from(new data.DataLoader([]))).toEqual([]); // an empty dataset without shuffle: no batch
    });

    test("datasets: an array of samples, a Dataset subclass, an object with length and get", () => {
      const samples = [[torch.tensor([1, 2]), 0], [torch.tensor([3, 4]), 1], [torch.tensor([5, 6]), 1]] as [Tensor, number][];
      const [[x, y]] = Array.from(new data.DataLoader(samples, { batchSize: 3 }));
      expect(x!.tolist()).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect(y!.dtype).toBe("int32");
      expect(ints(y!)).toEqual([0, 1, 1]);

      class Squares extends data.Dataset<{ x: Tensor; y: number; name: string }> {
        get length() { return 5; }
        get(i: number) { return { x: torch.tensor([i]), y: i * i + 0.5, name: `s${i}` }; }
      }
      const batches = Array.from(new data.DataLoader(new Squares(), { batchSize: 2 }));
      expect(batches.length).toBe(3);
      expect(batches[0]!.x.tolist()).toEqual([[0], [1]]);
      expect(batches[0]!.y.dtype).toBe("float64"); // PyTorch makes float64 from Python floats
      expect(Array.from(batches[1]!.y.toArray())).toEqual([4.5, 9.5]);
      expect(batches[2]!.name).toEqual(["s4"]);

      const byGet = { length: 2, get: (i: number) => [i === 0, [i, i + 1]] as const };
      const [[flags, [a, b]]] = Array.from(new data.DataLoader(byGet, { batchSize: 2 })) as unknown as [[Tensor, [Tensor, Tensor]]];
      expect(flags.dtype).toBe("bool");
      expect(flags.tolist()).toEqual([true, false]);
      expect(ints(a)).toEqual([0, 1]);
      expect(ints(b)).toEqual([1, 2]);
    });

    test("collateFn and defaultCollate", () => {
      const loader = new data.DataLoader([1, 2, 3, 4, 5], { batchSize: 2, collateFn: (xs: number[]) => xs.reduce((s, v) => s + v, 0) });
      expect(Array.from(loader)).toEqual([3, 7, 5]);
      expect(ints(data.defaultCollate([1, 2, -3]))).toEqual([1, 2, -3]);
      expect(data.defaultCollate([0.5, 2]).dtype).toBe("float64");
      expect(data.defaultCollate([new Float32Array([1, 2]), new Float32Array([3, 4])]).tolist()).toEqual([[1, 2], [3, 4]]);
      expect(data.defaultCollate([torch.ones(2, { dtype: "float64" }), torch.zeros(2, { dtype: "float64" })]).dtype).toBe("float64");
      expect(errorOf(() => data.defaultCollate([[1, 2], [3]]))).toBe("each element in list of batch should be of equal size");
      expect(errorOf(() => data.defaultCollate([torch.ones(2), torch.ones(3)]))).toBe("stack expects each tensor to be equal size, but got [2] at entry 0 and [3] at entry 1");
      expect(errorOf(() => data.defaultCollate([null]))).toBe("default_collate: batch must contain tensors, numbers, typed arrays, dicts or lists; found NoneType");
      expect(errorOf(() => data.defaultCollate([1, "a"]))).toContain("found str");
      expect(errorOf(() => data.defaultCollate([{ a: 1 }, { b: 2 }]))).toBe("default_collate: the samples' keys differ (a sample has no 'a')");
      expect(errorOf(() => data.defaultCollate([]))).toContain("must be a non-empty list of samples");
    });

    test("PyTorch's argument errors", () => {
      const ds = new data.TensorDataset(torch.zeros(3));
      expect(errorOf(() => new data.DataLoader(ds, { batchSize: 1.5 }))).toBe("batch_size should be a positive integer value, but got batch_size=1.5");
      expect(errorOf(() => new data.DataLoader(ds, { batchSize: -1 }))).toBe("batch_size should be a positive integer value, but got batch_size=-1");
      expect(errorOf(() => new data.DataLoader(ds, { dropLast: 1 as never }))).toBe("drop_last should be a boolean value, but got drop_last=1");
      expect(errorOf(() => new data.DataLoader(ds, { shuffle: "yes" as never }))).toBe("DataLoader(): argument 'shuffle' must be bool, not str");
      expect(errorOf(() => new data.DataLoader(ds, { numWorkers: 2 } as never))).toBe("DataLoader() got an unexpected keyword argument 'numWorkers'");
      expect(errorOf(() => new data.DataLoader([], { shuffle: true }))).toBe("num_samples should be a positive integer value, but got num_samples=0");
      expect(errorOf(() => new data.DataLoader(5 as never))).toContain("DataLoader(): argument 'dataset' (position 1) must be a dataset");
      expect(errorOf(() => new data.DataLoader({ get: () => 1 } as never))).toContain("the dataset's length must be a non-negative integer, not undefined");
      expect(errorOf(() => Array.from(new data.DataLoader({ length: 2 } as never)))).toContain("dataset[0] is undefined");
      expect(errorOf(() => new data.TensorDataset())).toContain("needs at least one tensor");
      expect(errorOf(() => new data.TensorDataset(torch.zeros(2), [1, 2] as never))).toBe("TensorDataset(): argument 'tensors[1]' (position 2) must be Tensor, not list");
      expect(errorOf(() => new data.TensorDataset(torch.tensor(1)))).toContain("has no dimensions");
      expect(errorOf(() => ds.get(3))).toBe("index 3 is out of bounds for dimension 0 with size 3");
      expect(errorOf(() => ds.get(0.5))).toBe("TensorDataset.get(): argument 'index' (position 1) must be int, not float");
    });

    test("an epoch over a TensorDataset leaves only the batches (the row views are freed)", () => {
      const ds = new data.TensorDataset(torch.randn(50, 3), torch.arange(50));
      const loader = new data.DataLoader(ds, { batchSize: 8, shuffle: true });
      const before = torch.memory().tensors;
      let batches = 0;
      torch.tidy(() => { for (const [x, y] of loader) { batches++; x!.sum(); y!.sum(); } });
      expect(batches).toBe(7);
      expect(torch.memory().tensors).toBe(before);
      const kept: Tensor[] = [];
      for (const [x] of loader) kept.push(x!);
      expect(torch.memory().tensors - before).toBeLessThanOrEqual(2 * 7); // the batches (and their partners), nothing per sample
    });
  });
}
