/**
 * The bad-input audit's examples (issue "Bad input: a clear error every time"), each as
 * PyTorch 1.13 behaves: the same value, or an error with PyTorch's text where it has one
 * (the texts in comments were printed by Debian's python3-torch 1.13.1). Both backends.
 * The autograd-side examples (grad assignment, hooks, async callbacks, gradcheck) are in
 * bad_input_autograd.test.ts; the property tests over the whole surface in
 * bad_input.property.test.ts.
 */
import { describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const f32 = (n: number | number[]) => typeof n === "number" ? new Float32Array(n) : new Float32Array(n);

describe.each(["wasm", "js"] as const)("%s", (backend) => {
  const before = () => { torch.setBackend(backend); torch.setGradEnabled(true); };

  test("a self-containing array raises at once (PyTorch: too many dimensions 'list'), the process lives", () => {
    before();
    const a: unknown[] = [1];
    a[0] = a;
    const t0 = performance.now();
    expect(() => torch.tensor(a)).toThrow("too many dimensions 'list'");
    expect(performance.now() - t0).toBeLessThan(1000); // the old loop ran ~12 s, then aborted the process
    expect(() => torch.tensor(["a"])).toThrow("too many dimensions 'str'"); // PyTorch: ValueError: too many dimensions 'str'
    expect(() => torch.tensor([null])).toThrow("Could not infer dtype of NoneType"); // PyTorch's text
    expect(() => torch.tensor({})).toThrow("Could not infer dtype of dict");
  });

  test("fromArray checks every size: no read outside the storage, no hang, both backends agree", () => {
    before();
    expect(() => torch.fromArray(f32([1, 2, 3, 4, 5, 6]), [2.5, 2.4])).toThrow("fromArray(): argument 'shape' (position 2) must be an array of ints, not list");
    expect(() => torch.fromArray(f32(6), [-2, -3])).toThrow("Trying to create tensor with negative dimension -2: [-2, -3]");
    expect(() => torch.fromArray(new Float32Array([7]), [1e7, 1e-7])).toThrow("must be an array of ints");
    expect(() => torch.fromArray(f32(6), [4, 2])).toThrow("shape '[4, 2]' is invalid for input of size 6");
    expect(torch.fromArray(f32([1, 2, 3, 4, 5, 6]), [2, 3]).add(1).toArray()).toEqual(f32([2, 3, 4, 5, 6, 7]));
  });

  test("expand refuses sizes below -1 (a tensor never has a negative numel)", () => {
    before();
    expect(() => torch.ones(1).expand(-2)).toThrow("expand(): the desired size must be non-negative, or -1 to keep a dimension's size, but got -2 in [-2]");
    expect(() => torch.ones(1).expand(2.5)).toThrow("expand(): argument 'size' (position 1) must be tuple of ints, not float");
    expect(torch.ones(2, 1).expand(-1, 3).shape).toEqual([2, 3]);
  });

  test("numbers that do not fit int32 raise instead of wrapping (PyTorch: value cannot be converted to type int32 without overflow)", () => {
    before();
    for (const v of [3e9, -3e9, NaN, Infinity, -Infinity, 2 ** 31]) {
      expect(() => torch.tensor([v], { dtype: "int32" })).toThrow("value cannot be converted to type int32 without overflow");
    }
    expect(torch.tensor([2 ** 31 - 1, -(2 ** 31), 1.9, -1.9], { dtype: "int32" }).tolist()).toEqual([2147483647, -2147483648, 1, -1]);
    // torch.full((2,), 3e9, dtype=torch.int32): value cannot be converted to type int without overflow
    expect(() => torch.full([2], 3e9, { dtype: "int32" })).toThrow("value cannot be converted to type int without overflow");
    expect(() => torch.full([2], NaN, { dtype: "int32" })).toThrow("value cannot be converted to type int without overflow");
    expect(() => torch.zeros(2, { dtype: "int32" }).fill_(3e9)).toThrow("without overflow");
  });

  test("arguments of the wrong type are refused, never turned into NaN", () => {
    before();
    // PyTorch: full(): argument 'fill_value' (position 2) must be Number, not str
    expect(() => torch.full(3, "x" as never)).toThrow("full(): argument 'fill_value' (position 2) must be Number, not str");
    // PyTorch: add(): argument 'alpha' must be Number, not str
    expect(() => torch.ones(3).add(1, { alpha: "x" as never })).toThrow("add(): argument 'alpha' must be Number, not str");
    // PyTorch: copy_(): argument 'other' (position 1) must be Tensor, not list
    expect(() => torch.ones(3).copy_([1, 2, 3] as never)).toThrow("copy_(): argument 'other' (position 1) must be Tensor, not list");
    expect(() => torch.ones(3).fill_("x" as never)).toThrow("fill_(): argument 'value' (position 1) must be Number, not str");
    // PyTorch: fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.
    expect(() => torch.ones(3).fill_(torch.ones(2) as never)).toThrow("fill_ only supports 0-dimension value tensor but got tensor with 1 dimensions.");
    expect(torch.ones(3).fill_(torch.tensor(2) as never).tolist()).toEqual([2, 2, 2]);
  });

  test("to() takes a dtype wasmgrad has; index() takes integers and integer slices", () => {
    before();
    expect(() => torch.ones(2).to("float16" as never)).toThrow(`to(): argument 'dtype' must be one of "float32", "float64", "int32", "bool", not "float16"`);
    expect(() => torch.ones(2).to(undefined as never)).toThrow(`to(): argument 'dtype' must be one of "float32", "float64", "int32", "bool", not undefined`);
    const t = torch.tensor([[1, 2], [3, 4]]);
    expect(() => t.index([0, 1.5])).toThrow("slice indices must be integers or null, got [0, 1.5]");
    expect(() => t.index(1.5 as never)).toThrow("only integers, slices (`[start, end, step]`), null and long or byte tensors are valid indices (got 1.5)");
    expect(() => t.index([0, 2, 0])).toThrow("step must be greater than zero"); // PyTorch: ValueError: step must be greater than zero
    expect(t.index([0, 1]).tolist()).toEqual([[1, 2]]);
  });

  test("on 0-d tensors size(0) raises as in PyTorch", () => {
    before();
    // PyTorch: IndexError: Dimension specified as 0 but tensor has no dimensions
    expect(() => torch.tensor(3).size(0)).toThrow("Dimension specified as 0 but tensor has no dimensions");
    expect(() => torch.tensor(3).stride(0)).toThrow("Dimension specified as 0 but tensor has no dimensions");
    expect(torch.tensor(3).size()).toEqual([]);
  });

  test("the unclear messages of the audit name the function, the argument and what it got", () => {
    before();
    const t = torch.ones(2, 3);
    // PyTorch: exp(): argument 'input' (position 1) must be Tensor, not list
    expect(() => torch.exp([1, 2] as never)).toThrow("exp(): argument 'input' (position 1) must be Tensor, not list");
    // PyTorch accepts torch.add(1, t)
    expect(torch.add(1, t).tolist()).toEqual([[2, 2, 2], [2, 2, 2]]);
    expect(torch.sub(1, t).tolist()).toEqual([[0, 0, 0], [0, 0, 0]]);
    // PyTorch: expected Tensor as element 1 in argument 0, but got NoneType
    expect(() => torch.cat([t, undefined as never])).toThrow("expected Tensor as element 1 in argument 0, but got undefined");
    expect(() => torch.cat([t, null as never])).toThrow("expected Tensor as element 1 in argument 0, but got NoneType");
    // PyTorch: matmul(): argument 'other' (position 1) must be Tensor, not list
    expect(() => t.matmul([1, 2, 3] as never)).toThrow("matmul(): argument 'other' (position 1) must be Tensor, not list");
    // PyTorch: Trying to create tensor with negative dimension -1: [-1]
    expect(() => torch.rand(-1)).toThrow("Trying to create tensor with negative dimension -1: [-1]");
    // PyTorch: DefaultCPUAllocator: can't allocate memory: you tried to allocate 4000000000000 bytes
    expect(() => torch.arange(1e12)).toThrow("not enough memory: you tried to allocate 4000000000000 bytes");
    expect(() => torch.zeros(1e12)).toThrow("not enough memory: you tried to allocate 4000000000000 bytes");
    // PyTorch: eye(): argument 'n' (position 1) must be int, not str
    expect(() => torch.eye("3" as never)).toThrow("eye(): argument 'n' (position 1) must be int, not str");
    expect(() => torch.eye(2.5)).toThrow("eye(): argument 'n' (position 1) must be int, not float");
    // PyTorch: linspace(): argument 'steps' (position 3) must be int, not float
    expect(() => torch.linspace(0, 1, 2.5)).toThrow("linspace(): argument 'steps' (position 3) must be int, not float");
    // PyTorch: arange(): argument 'end' (position 1) must be Number, not str
    expect(() => torch.arange("a" as never)).toThrow("arange(): argument 'end' (position 1) must be Number, not str");
    // PyTorch: torch.clamp: At least one of 'min' or 'max' must not be None
    expect(() => t.clamp()).toThrow("torch.clamp: At least one of 'min' or 'max' must not be None");
    expect(() => t.sum("x" as never)).toThrow("sum(): argument 'dim' (position 1) must be int or list of ints, not str");
    expect(() => t.transpose(0, "a" as never)).toThrow("transpose(): argument 'dim1' (position 2) must be int, not str");
    expect(() => t.reshape(2.5, 2)).toThrow("reshape(): argument 'shape' (position 1) must be tuple of ints, not float");
    expect(() => torch.zeros("a" as never)).toThrow("zeros(): argument 'size' (position 1) must be tuple of ints, not str");
    expect(() => t.sum(1, { keepdim: true } as never)).toThrow("sum(): argument 'keepdim' (position 2) must be bool, not dict");
    expect(() => t.add(t, { alpah: 2 } as never)).toThrow("add() got an unexpected keyword argument 'alpah'");
    expect(() => torch.zeros(2, { dtype: "float16" } as never)).toThrow(`zeros(): argument 'dtype' must be one of`);
  });
});

describe.each(["wasm", "js"] as const)("%s: float to int32", (backend) => {
  test("a float that int32 cannot hold raises instead of wrapping (PyTorch's int64 would hold it)", () => {
    torch.setBackend(backend);
    const x = torch.tensor([1, 3e9]), y = torch.tensor([-3e9, 1]), z = torch.tensor([NaN], { dtype: "float64" });
    const before = torch.memory().tensors;
    expect(() => x.int()).toThrow("to(): value 3000000000 cannot be converted to type int32 without overflow");
    expect(() => y.to("int32")).toThrow("to(): value -3000000000 cannot be converted to type int32 without overflow");
    expect(() => z.int()).toThrow("to(): value NaN cannot be converted");
    expect(torch.memory().tensors).toBe(before); // the checks leave nothing behind
    expect(torch.tensor([2147483647.5, -2147483648.5, -1.9], { dtype: "float64" }).int().tolist()).toEqual([2147483647, -2147483648, -1]);
  });
});
