/**
 * torch.nn and torch.optim: module discovery and naming, Linear's init, state dicts,
 * losses against hand computations, SGD/Adam against plain-JS arithmetic, and a small
 * training loop (convergence and flat memory). Every test runs on both backends.
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";
import { errorOf, expectClose } from "./helpers/assert.js";
import { C, W0, jsGrad, runSteps } from "./helpers/optim_fixture.js";

const { nn, optim } = torch;
type Tensor = torch.Tensor;

function arr(t: Tensor): number[] {
  return Array.from(t.toArray() as ArrayLike<number>);
}

for (const backend of ["wasm", "js"] as const) {
  describe(`nn/optim [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
      torch.setGradEnabled(true);
      torch.manualSeed(0);
    });

    // ---- modules: discovery and naming ------------------------------------------------------

    describe("Module", () => {
      test("nested modules: parameters in assignment order, PyTorch names", () => {
        class Block extends nn.Module {
          lin = new nn.Linear(3, 3);
          scale = torch.ones([3], { requiresGrad: true });
          constant = torch.ones([3]); // no grad: not a parameter
          override forward(x: Tensor): Tensor { return this.lin.call(x).mul(this.scale).add(this.constant); }
        }
        class Net extends nn.Module {
          fc1 = new nn.Linear(2, 3);
          act = new nn.ReLU();
          block = new Block();
          head = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 1, { bias: false }));
          override forward(x: Tensor): Tensor { return this.head.call(this.block.call(this.act.call(this.fc1.call(x)))); }
        }
        const net = new Net();
        const names = net.namedParameters().map(([n]) => n);
        expect(names).toEqual([
          "fc1.weight", "fc1.bias",
          "block.scale", "block.lin.weight", "block.lin.bias",
          "head.0.weight", "head.0.bias", "head.2.weight",
        ]);
        const params = net.parameters();
        expect(params.length).toBe(8);
        expect(params[0]).toBe(net.fc1.weight);
        expect(params[7]!.shape).toEqual([1, 4]);
        expect(net.namedChildren().map(([n]) => n)).toEqual(["fc1", "act", "block", "head"]);
        expect(net.namedModules().map(([n]) => n)).toEqual(["", "fc1", "act", "block", "block.lin", "head", "head.0", "head.1", "head.2"]);
        const y = net.call(torch.randn(5, 2));
        expect(y.shape).toEqual([5, 1]);
        expect(y.requiresGrad).toBe(true);
      });

      test("Sequential: indices as names, iteration, at(), forward chains", () => {
        const seq = new nn.Sequential(new nn.Linear(2, 2), new nn.ReLU(), new nn.Linear(2, 1));
        expect(seq.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
        expect(seq.length).toBe(3);
        expect([...seq].map((m) => m.constructor.name)).toEqual(["Linear", "ReLU", "Linear"]);
        expect(seq.at(-1)).toBe(seq[2]);
        const x = torch.randn(4, 2);
        const manual = (seq[2] as InstanceType<typeof nn.Linear>).call((seq[0] as InstanceType<typeof nn.Linear>).call(x).relu());
        expectClose(arr(seq.call(x)), arr(manual));
        expect(String(seq)).toBe(
          "Sequential(\n  (0): Linear(in_features=2, out_features=2, bias=True)\n  (1): ReLU()\n" +
          "  (2): Linear(in_features=2, out_features=1, bias=True)\n)",
        );
      });

      test("shared modules and parameters are listed once; arrays of modules are children", () => {
        const shared = new nn.Linear(2, 2);
        const seq = new nn.Sequential(shared, new nn.Tanh(), shared);
        expect(seq.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias"]);
        class Tied extends nn.Module {
          a = new nn.Linear(2, 2);
          b = new nn.Linear(2, 2);
          constructor() { super(); this.b.weight = this.a.weight; }
        }
        expect(new Tied().namedParameters().map(([n]) => n)).toEqual(["a.weight", "a.bias", "b.bias"]);
        class Stack extends nn.Module {
          layers = [new nn.Linear(1, 2), new nn.Linear(2, 1)];
        }
        expect(new Stack().namedParameters().map(([n]) => n)).toEqual(["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
      });

      test("non-leaf tensors are not parameters; a frozen parameter stays one", () => {
        class M extends nn.Module {
          w = torch.randn([2], { requiresGrad: true });
          derived = this.w.mul(2); // non-leaf
        }
        const m = new M();
        expect(m.namedParameters().map(([n]) => n)).toEqual(["w"]);
        const lin = new nn.Linear(2, 2);
        lin.requiresGrad_(false);
        expect(lin.parameters().length).toBe(2);
        expect(lin.weight.requiresGrad).toBe(false);
        expect(Object.keys(lin.stateDict())).toEqual(["weight", "bias"]);
      });

      test("zeroGrad, train/eval, forward missing", () => {
        const lin = new nn.Linear(3, 2);
        lin.call(torch.randn(4, 3)).sum().backward();
        expect(lin.weight.grad).not.toBeNull();
        lin.zeroGrad();
        expect(lin.weight.grad).toBeNull();
        expect(lin.bias!.grad).toBeNull();
        const seq = new nn.Sequential(lin, new nn.ReLU());
        expect(seq.training).toBe(true);
        seq.eval();
        expect(lin.training).toBe(false);
        seq.train();
        expect(lin.training).toBe(true);
        expect(errorOf(() => new nn.Module().call(1))).toContain('missing the required "forward" function');
      });
    });

    describe("ModuleList / ModuleDict", () => {
      // PyTorch 1.13.1: Net with s.layers = nn.ModuleList([Linear(2,2), Tanh(), Tanh()]) and
      // s.d = nn.ModuleDict({'b': Linear(2,1), 'a': Linear(2,1)}) prints as below; named_modules()
      // -> ['', 'fc1', 'layers', 'layers.0', 'layers.1', 'layers.2', 'd', 'd.b', 'd.a'].
      const NET_REPR =
        "Net(\n  (fc1): Linear(in_features=2, out_features=2, bias=True)\n  (layers): ModuleList(\n" +
        "    (0): Linear(in_features=2, out_features=2, bias=True)\n    (1): Tanh()\n    (2): Tanh()\n  )\n" +
        "  (d): ModuleDict(\n    (b): Linear(in_features=2, out_features=1, bias=True)\n" +
        "    (a): Linear(in_features=2, out_features=1, bias=True)\n  )\n)";
      const MODULE_NAMES = ["", "fc1", "layers", "layers.0", "layers.1", "layers.2", "d", "d.b", "d.a"];
      const PARAM_NAMES = ["fc1.weight", "fc1.bias", "layers.0.weight", "layers.0.bias", "d.b.weight", "d.b.bias", "d.a.weight", "d.a.bias"];

      test("arrays and plain objects of modules register as ModuleList / ModuleDict", () => {
        class Net extends nn.Module {
          fc1 = new nn.Linear(2, 2);
          layers = [new nn.Linear(2, 2), new nn.Tanh(), new nn.Tanh()];
          d = { b: new nn.Linear(2, 1), a: new nn.Linear(2, 1) };
          notModules = [1, 2];
          config = { depth: 2 };
        }
        const n = new Net();
        expect(String(n)).toBe(NET_REPR);
        expect(n.namedModules().map(([k]) => k)).toEqual(MODULE_NAMES);
        expect(n.namedChildren().map(([k]) => k)).toEqual(["fc1", "layers", "d"]);
        expect(n.namedParameters().map(([k]) => k)).toEqual(PARAM_NAMES);
        expect(Object.keys(n.stateDict())).toEqual(PARAM_NAMES);
        // one container per array, reading it live
        expect(n.children()[1]).toBe(n.children()[1]);
        n.layers.push(new nn.Linear(2, 3));
        expect(n.namedParameters().map(([k]) => k)).toContain("layers.3.weight");
        n.eval();
        expect(n.d.a.training).toBe(false);
        expect(n.layers[3]!.training).toBe(false);
        // an optimizer over parameters() trains the entries
        const before = arr(n.d.a.weight);
        const opt = new optim.SGD(n.parameters(), { lr: 0.5 });
        n.d.a.call(torch.ones(1, 2)).sum().backward();
        opt.step();
        expect(arr(n.d.a.weight)).not.toEqual(before);
      });

      test("nn.ModuleList and nn.ModuleDict: names, printing, editing", () => {
        class Net extends nn.Module {
          fc1 = new nn.Linear(2, 2);
          layers = new nn.ModuleList([new nn.Linear(2, 2), new nn.Tanh(), new nn.Tanh()]);
          d = new nn.ModuleDict({ b: new nn.Linear(2, 1), a: new nn.Linear(2, 1) });
        }
        const n = new Net();
        expect(String(n)).toBe(NET_REPR);
        expect(n.namedModules().map(([k]) => k)).toEqual(MODULE_NAMES);
        expect(n.namedParameters().map(([k]) => k)).toEqual(PARAM_NAMES);
        expect(String(new nn.ModuleList())).toBe("ModuleList()");
        expect(String(new nn.ModuleDict())).toBe("ModuleDict()");

        const l = n.layers;
        expect(l.length).toBe(3);
        expect(l[0]).toBe(l.at(0));
        expect(l.at(-1)).toBe(l[2]);
        l.insert(0, new nn.Sigmoid()).append(new nn.ReLU());
        expect([...l].map((m) => m.constructor.name)).toEqual(["Sigmoid", "Linear", "Tanh", "Tanh", "ReLU"]);
        expect(n.namedParameters().map(([k]) => k).slice(2, 4)).toEqual(["layers.1.weight", "layers.1.bias"]);
        expect(errorOf(() => l.call(torch.ones(1)))).toContain('Module [ModuleList] is missing the required "forward" function');

        const d = n.d;
        expect(d.keys()).toEqual(["b", "a"]);
        expect(d.get("a")).toBe(d.values()[1]);
        expect(d.get("zz")).toBeUndefined();
        d.set("c", new nn.ReLU());
        expect([...d]).toEqual(["b", "a", "c"]);
        expect(d.pop("b")).toBeInstanceOf(nn.Linear);
        expect(d.items().map(([k]) => k)).toEqual(["a", "c"]);
        expect(n.namedParameters().map(([k]) => k).slice(-2)).toEqual(["d.a.weight", "d.a.bias"]);
        // PyTorch's add_module errors
        expect(errorOf(() => new nn.ModuleDict({ train: new nn.ReLU() }))).toBe("attribute 'train' already exists");
        expect(errorOf(() => new nn.ModuleDict({ "a.b": new nn.ReLU() }))).toBe('module name can\'t contain ".", got: a.b');
        expect(errorOf(() => d.pop("zz"))).toBe("KeyError: 'zz'");
      });
    });

    // ---- Linear ---------------------------------------------------------------------------------

    describe("Linear", () => {
      test("shapes, PyTorch default init bounds, determinism under manualSeed", () => {
        torch.manualSeed(7);
        const lin = new nn.Linear(16, 5);
        expect(lin.weight.shape).toEqual([5, 16]);
        expect(lin.bias!.shape).toEqual([5]);
        expect(lin.weight.requiresGrad && lin.weight.isLeaf).toBe(true);
        const bound = 1 / Math.sqrt(16);
        const w = arr(lin.weight), b = arr(lin.bias!);
        for (const v of [...w, ...b]) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-7);
        // spread over the whole interval, not stuck at zero or one side
        expect(Math.max(...w)).toBeGreaterThan(bound / 2);
        expect(Math.min(...w)).toBeLessThan(-bound / 2);
        const mean = w.reduce((s, v) => s + v, 0) / w.length;
        expect(Math.abs(mean)).toBeLessThan(bound / 3);
        torch.manualSeed(7);
        const again = new nn.Linear(16, 5);
        expect(arr(again.weight)).toEqual(w);
        expect(arr(again.bias!)).toEqual(b);
        const noBias = new nn.Linear(3, 2, { bias: false });
        expect(noBias.bias).toBeNull();
        expect(noBias.parameters().length).toBe(1);
        expect(String(noBias)).toBe("Linear(in_features=3, out_features=2, bias=False)");
      });

      test("forward equals x @ W.T + b (hand computed), on 1-D and 2-D inputs", () => {
        const lin = new nn.Linear(3, 2);
        const W = arr(lin.weight), b = arr(lin.bias!);
        const xs = [[1, 2, 3], [-1, 0.5, 2]];
        const y = lin.call(torch.tensor(xs));
        expect(y.shape).toEqual([2, 2]);
        const expected = xs.flatMap((x) => [0, 1].map((o) => b[o]! + x.reduce((s, v, i) => s + v * W[o * 3 + i]!, 0)));
        expectClose(arr(y), expected);
        const y1 = lin.call(torch.tensor(xs[0]!));
        expect(y1.shape).toEqual([2]);
        expectClose(arr(y1), expected.slice(0, 2));
        expect(errorOf(() => lin.call(torch.ones(2, 4)))).toContain("mat1 and mat2 shapes cannot be multiplied (2x4 and 3x2)");
      });

      test("F.linear records what PyTorch's at::linear records", () => {
        const F = nn.functional;
        const W = torch.ones([2, 3], { requiresGrad: true }), b = torch.ones([2], { requiresGrad: true });
        const names = (n: torch.Node | null) => (n === null ? [] : n.nextFunctions.map(([m]) => (m === null ? null : m.name())));
        // 2-D: addmm(bias, input, weight.t()); no bias: mm
        expect(F.linear(torch.ones(4, 3), W, b).gradFn!.name()).toBe("AddmmBackward0");
        expect(names(F.linear(torch.ones([4, 3], { requiresGrad: true }), W, b).gradFn)).toEqual(["AccumulateGrad", "AccumulateGrad", "TBackward0"]);
        expect(names(F.linear(torch.ones(4, 3), W).gradFn)).toEqual([null, "TBackward0"]);
        // contiguous 3-D with bias: view -> addmm -> view
        const y3 = F.linear(torch.ones([2, 4, 3], { requiresGrad: true }), W, b);
        expect(y3.shape).toEqual([2, 4, 2]);
        expect(names(y3.gradFn)).toEqual(["AddmmBackward0"]);
        expect(names(y3.gradFn!.nextFunctions[0]![0])).toEqual(["AccumulateGrad", "ViewBackward0", "TBackward0"]);
        // 1-D: mm of the unsqueezed input, squeeze_ (SqueezeBackward3), then add_ of the bias
        const y1 = F.linear(torch.ones([3], { requiresGrad: true }), W, b);
        expect(names(y1.gradFn)).toEqual(["SqueezeBackward3", "AccumulateGrad"]);
        expect(names(y1.gradFn!.nextFunctions[0]![0]!.nextFunctions[0]![0])).toEqual(["UnsqueezeBackward0", "TBackward0"]);
        // 4-D (and non-contiguous 3-D): matmul, then add_
        expect(F.linear(torch.ones(1, 2, 4, 3), W, b).gradFn!.name()).toBe("AddBackward0");
        expect(F.linear(torch.ones(2, 4, 3).transpose(0, 1), W, b).shape).toEqual([4, 2, 2]);
      });

      test("F.linear: gradients (gradcheck, gradgradcheck) on every path", () => {
        const F = nn.functional;
        const f = (...a: Tensor[]) => F.linear(a[0]!, a[1]!, a[2] ?? null);
        const o = { dtype: "float64" as const, requiresGrad: true };
        for (const shape of [[4, 3], [2, 4, 3], [3], [2, 2, 4, 3]]) {
          for (const bshape of [[2], [], null]) {
            const args = [torch.randn(shape, o), torch.randn([2, 3], o)];
            if (bshape !== null) args.push(torch.randn(bshape, o));
            expect(torch.autograd.gradcheck(f, args)).toBe(true);
            expect(torch.autograd.gradgradcheck(f, args)).toBe(true);
          }
        }
        // input without grad: only the weight's and bias's gradients
        const args = [torch.randn([5, 3], { dtype: "float64" }), torch.randn([2, 3], o), torch.randn([1, 2], o)];
        expect(torch.autograd.gradcheck(f, args)).toBe(true);
      });

      test("F.linear: PyTorch's errors for each path", () => {
        const F = nn.functional;
        const W = torch.ones(2, 3), b = torch.ones(2);
        const f64 = (...shape: number[]) => torch.ones(shape, { dtype: "float64" });
        expect(errorOf(() => F.linear(torch.ones(4, 5), W, torch.ones(3)))).toBe("mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)");
        expect(errorOf(() => F.linear(torch.ones(2, 4, 5), W, b))).toBe("mat1 and mat2 shapes cannot be multiplied (8x5 and 3x2)");
        expect(errorOf(() => F.linear(torch.ones(5), W, b))).toBe("mat1 and mat2 shapes cannot be multiplied (1x5 and 3x2)");
        expect(errorOf(() => F.linear(torch.ones(4, 3), W, torch.ones(3)))).toBe(
          "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1.  Target sizes: [4, 2].  Tensor sizes: [3]");
        expect(errorOf(() => F.linear(torch.ones(2, 4, 3), W, torch.ones(4, 2)))).toBe(
          "The expanded size of the tensor (8) must match the existing size (4) at non-singleton dimension 0.  Target sizes: [8, 2].  Tensor sizes: [4, 2]");
        expect(errorOf(() => F.linear(torch.ones(4, 3), W, torch.ones(1, 4, 2)))).toBe(
          "expand(torch.FloatTensor{[1, 4, 2]}, size=[4, 2]): the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (3)");
        // PyTorch names the tensor's type: DoubleTensor for float64
        expect(errorOf(() => torch.ones([1, 4, 2], { dtype: "float64" }).expand(4, 2))).toBe(
          "expand(torch.DoubleTensor{[1, 4, 2]}, size=[4, 2]): the number of sizes provided (2) must be greater or equal to the number of dimensions in the tensor (3)");
        expect(errorOf(() => F.linear(torch.ones(3), W, torch.ones(2, 2)))).toBe("output with shape [2] doesn't match the broadcast shape [2, 2]");
        expect(errorOf(() => F.linear(torch.ones(5, 2, 4, 3), W, torch.ones(3)))).toBe(
          "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 3");
        expect(errorOf(() => F.linear(f64(4, 3), W, b))).toBe("mat1 and mat2 must have the same dtype");
        expect(errorOf(() => F.linear(torch.ones(4, 3), W, f64(2)))).toBe("self and mat2 must have the same dtype");
        expect(errorOf(() => F.linear(torch.ones(4, 3), f64(2, 3), b))).toBe("self and mat2 must have the same dtype");
        expect(errorOf(() => F.linear(f64(3), W, b))).toBe("expected scalar type Double but found Float");
        expect(errorOf(() => F.linear(torch.ones(4, 3), torch.ones(3), torch.ones([])))).toBe("mat2 must be a matrix, got 1-D tensor");
        expect(errorOf(() => F.linear(torch.ones([]), W, b))).toBe("both arguments to matmul need to be at least 1D, but they are 0D and 2D");
        // what PyTorch accepts: a bias expandable to [n, out], a 1-D weight without bias, a float64 bias on 1-D input
        expect(F.linear(torch.ones(2, 4, 3), W, torch.ones(1, 2)).shape).toEqual([2, 4, 2]);
        expect(F.linear(torch.ones(4, 3), W, torch.ones(4, 2)).shape).toEqual([4, 2]);
        expect(F.linear(torch.ones(4, 3), torch.ones(3)).shape).toEqual([4]);
        const y = F.linear(torch.ones(3), W, f64(2));
        expect([y.shape, y.dtype]).toEqual([[2], "float32"]);
        expect(F.linear(torch.ones(0, 3), W, b).shape).toEqual([0, 2]);
      });
    });

    // ---- state dicts -------------------------------------------------------------------------

    describe("stateDict / loadStateDict", () => {
      const makeNet = () => new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));

      test("keys, detached values sharing storage", () => {
        const net = makeNet();
        const sd = net.stateDict();
        expect(Object.keys(sd)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
        const w = sd["0.weight"]!;
        expect(w.requiresGrad).toBe(false);
        expect(w.gradFn).toBeNull();
        expect(arr(w)).toEqual(arr((net[0] as InstanceType<typeof nn.Linear>).weight));
        torch.noGrad(() => (net[0] as InstanceType<typeof nn.Linear>).weight.fill_(3));
        expect(arr(w).every((v) => v === 3)).toBe(true);
      });

      test("round trip through JSON gives the same outputs", () => {
        torch.manualSeed(1);
        const a = makeNet();
        torch.manualSeed(2);
        const b = makeNet();
        const x = torch.randn(5, 3);
        expect(arr(a.call(x))).not.toEqual(arr(b.call(x)));
        const json = JSON.parse(JSON.stringify(a.stateDict()));
        expect(json["0.bias"]).toEqual({ shape: [4], dtype: "float32", data: arr((a[0] as InstanceType<typeof nn.Linear>).bias!) });
        const res = b.loadStateDict(json);
        expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
        expect(arr(b.call(x))).toEqual(arr(a.call(x)));
        // parameters are updated in place: same tensor objects, still leaves requiring grad
        const p = (b[0] as InstanceType<typeof nn.Linear>).weight;
        expect(p.isLeaf && p.requiresGrad).toBe(true);
        expect(b.parameters()[0]).toBe(p);
        // a Tensor state dict works too
        torch.manualSeed(3);
        const c = makeNet();
        c.loadStateDict(a.stateDict());
        expect(arr(c.call(x))).toEqual(arr(a.call(x)));
      });

      test("PyTorch's errors for missing / unexpected keys and size mismatches; nothing copied", () => {
        const net = makeNet();
        const before = arr((net[0] as InstanceType<typeof nn.Linear>).weight);
        const sd: Record<string, unknown> = JSON.parse(JSON.stringify(makeNet().stateDict()));
        delete sd["2.bias"];
        sd["3.weight"] = { shape: [1], dtype: "float32", data: [0] };
        const msg = errorOf(() => net.loadStateDict(sd as never));
        expect(msg).toBe(
          "Error(s) in loading state_dict for Sequential:\n" +
          '\tMissing key(s) in state_dict: "2.bias". \n' +
          '\tUnexpected key(s) in state_dict: "3.weight". ',
        );
        expect(arr((net[0] as InstanceType<typeof nn.Linear>).weight)).toEqual(before);

        const bad = makeNet().stateDict() as Record<string, Tensor>;
        bad["0.weight"] = torch.zeros(4, 2);
        expect(errorOf(() => net.loadStateDict(bad))).toBe(
          "Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a param with shape " +
          "torch.Size([4, 2]) from checkpoint, the shape in current model is torch.Size([4, 3]).",
        );
        expect(arr((net[0] as InstanceType<typeof nn.Linear>).weight)).toEqual(before);

        // non-strict: reports keys, copies what matches
        const partial = { "0.bias": torch.full([4], 5), extra: torch.zeros(1) };
        const res = net.loadStateDict(partial, { strict: false });
        expect(res).toEqual({ missingKeys: ["0.weight", "2.weight", "2.bias"], unexpectedKeys: ["extra"] });
        expect(arr((net[0] as InstanceType<typeof nn.Linear>).bias!)).toEqual([5, 5, 5, 5]);
      });

      test("unexpected keys are listed module by module (PyTorch's load order)", () => {
        // PyTorch 1.13.1 with ModuleList / ModuleDict: unexpected_keys ['zz', 'layers.5.w', 'layers.1.q', 'd.zz']
        class Net extends nn.Module {
          fc1 = new nn.Linear(2, 2);
          layers = [new nn.Linear(2, 2), new nn.Tanh(), new nn.Tanh()];
          d = { b: new nn.Linear(2, 1), a: new nn.Linear(2, 1) };
        }
        const n = new Net();
        const sd: Record<string, Tensor> = {
          ...n.stateDict(), "d.zz": torch.ones(1), "layers.5.w": torch.ones(1), zz: torch.ones(1), "layers.1.q": torch.ones(1),
        };
        delete sd["d.a.bias"];
        expect(n.loadStateDict(sd, false)).toEqual({ missingKeys: ["d.a.bias"], unexpectedKeys: ["zz", "layers.5.w", "layers.1.q", "d.zz"] });
        expect(errorOf(() => n.loadStateDict(sd))).toBe(
          'Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: "d.a.bias". \n\t' +
          'Unexpected key(s) in state_dict: "zz", "layers.5.w", "layers.1.q", "d.zz". ',
        );
      });
    });

    // ---- losses ------------------------------------------------------------------------------

    describe("losses", () => {
      test("crossEntropy against a hand computation (value and gradient), all reductions", () => {
        const L = [[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0], [0.2, 0.2, 0.2], [2.5, -0.5, 1.0]];
        const T = [1, 2, 0, 0];
        const N = L.length, C = 3;
        const perRow = L.map((row, i) => {
          const m = Math.max(...row);
          const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
          return lse - row[T[i]!]!;
        });
        const softmax = L.map((row) => { const e = row.map(Math.exp); const s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); });
        const meanLoss = perRow.reduce((a, b) => a + b, 0) / N;
        const gradMean = softmax.flatMap((p, i) => p.map((v, c) => (v - (c === T[i] ? 1 : 0)) / N));

        const logits = torch.tensor(L, { requiresGrad: true });
        const target = torch.tensor(new Int32Array(T));
        const loss = nn.functional.crossEntropy(logits, target);
        expect(loss.shape).toEqual([]);
        expectClose([loss.item() as number], [meanLoss]);
        loss.backward();
        expectClose(arr(logits.grad!), gradMean);
        expect(loss.gradFn!.name()).toBe("NllLossBackward0");
        expect(loss.gradFn!.nextFunctions[0]![0]!.name()).toBe("LogSoftmaxBackward0");

        // float targets holding whole numbers, "sum" and "none"
        const ft = torch.tensor(T.map((v) => v));
        expectClose([nn.functional.crossEntropy(logits, ft, { reduction: "sum" }).item() as number], [meanLoss * N]);
        const none = nn.functional.crossEntropy(logits, ft, { reduction: "none" });
        expect(none.shape).toEqual([N]);
        expectClose(arr(none), perRow);

        // module form
        const mod = new nn.CrossEntropyLoss();
        expectClose([mod.call(logits, target).item() as number], [meanLoss]);

        // 1-D logits with a 0-d target
        const single = nn.functional.crossEntropy(torch.tensor(L[1]!), torch.tensor(2, { dtype: "int32" }));
        expectClose([single.item() as number], [perRow[1]!]);

        // ignoreIndex: the row contributes nothing and does not count in the mean
        const t2 = torch.tensor(new Int32Array([1, -100, 0, 0]));
        const ign = nn.functional.crossEntropy(logits, t2);
        expectClose([ign.item() as number], [(perRow[0]! + perRow[2]! + perRow[3]!) / 3]);
        expect(C).toBe(3);
      });

      test("crossEntropy errors", () => {
        const logits = torch.randn(2, 3);
        expect(errorOf(() => nn.functional.crossEntropy(logits, torch.tensor(new Int32Array([0, 5]))))).toContain("Target 5 is out of bounds.");
        expect(errorOf(() => nn.functional.crossEntropy(logits, torch.tensor(new Int32Array([0, 1, 2]))))).toContain(
          "Expected input batch_size (2) to match target batch_size (3).",
        );
        expect(errorOf(() => nn.functional.crossEntropy(logits, torch.tensor([0.5, 1])))).toContain("class indices");
        expect(errorOf(() => nn.functional.crossEntropy(logits, torch.tensor(new Int32Array([0, 1])), { reduction: "avg" as never }))).toContain(
          "avg is not a valid value for reduction",
        );
      });

      test("mseLoss: reductions, gradients to both sides, second derivative", () => {
        const av = [1, -2, 0.5, 3], bv = [0.5, 1, 0.5, -1];
        const a = torch.tensor(av, { requiresGrad: true });
        const b = torch.tensor(bv, { requiresGrad: true });
        const sq = av.map((v, i) => (v - bv[i]!) ** 2);
        const l = nn.functional.mseLoss(a, b);
        expect(l.gradFn!.name()).toBe("MseLossBackward0");
        expectClose([l.item() as number], [sq.reduce((s, v) => s + v, 0) / 4]);
        const [ga] = torch.autograd.grad(l, [a], { createGraph: true });
        expectClose(arr(ga!), av.map((v, i) => (2 * (v - bv[i]!)) / 4));
        // d/da of sum(ga) = 2/N per element
        const [gga] = torch.autograd.grad(ga!.sum(), [a]);
        expectClose(arr(gga!), [0.5, 0.5, 0.5, 0.5]);
        l.backward();
        expectClose(arr(b.grad!), av.map((v, i) => (-2 * (v - bv[i]!)) / 4));
        expectClose([nn.functional.mseLoss(a, b, { reduction: "sum" }).item() as number], [sq.reduce((s, v) => s + v, 0)]);
        expectClose(arr(new nn.MSELoss({ reduction: "none" }).call(a, b)), sq);
      });

      test("functional softmax / logSoftmax / relu / linear", () => {
        const x = torch.tensor([[1, 2, 3], [0, 0, 0]]);
        const e = [1, 2, 3].map(Math.exp), s = e.reduce((p, q) => p + q, 0);
        expectClose(arr(nn.functional.softmax(x, 1)), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3]);
        expectClose(arr(nn.functional.logSoftmax(x, 1)), [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)]);
        expect(arr(nn.functional.relu(torch.tensor([-1, 0, 2])))).toEqual([0, 0, 2]);
        const w = torch.tensor([[1, 0, -1]]), bias = torch.tensor([0.5]);
        expectClose(arr(nn.functional.linear(x, w, bias)), [-1.5, 0.5]);
        expectClose(arr(nn.functional.linear(x, w)), [-2, 0]);
      });
    });

    // ---- optimizers against plain-JS arithmetic -----------------------------------------------

    describe("optim", () => {

      test("SGD with momentum, dampening and weight decay: 3 steps", () => {
        const lr = 0.1, mom = 0.9, damp = 0.1, wd = 0.01;
        const w = torch.tensor(W0, { requiresGrad: true });
        const opt = new optim.SGD([w], { lr, momentum: mom, dampening: damp, weightDecay: wd });
        const got = runSteps(opt, w, 3);
        let ww = W0.slice();
        let buf: number[] | null = null;
        for (let s = 0; s < 3; s++) {
          const d = jsGrad(ww).map((g, i) => g + wd * ww[i]!);
          buf = buf === null ? d.slice() : buf.map((b, i) => mom * b + (1 - damp) * d[i]!);
          ww = ww.map((v, i) => v - lr * buf![i]!);
          expectClose(got[s]!, ww);
        }
      });

      test("SGD plain and Nesterov: 3 steps", () => {
        const w = torch.tensor(W0, { requiresGrad: true });
        const got = runSteps(new optim.SGD([w], { lr: 0.05 }), w, 3);
        let ww = W0.slice();
        for (let s = 0; s < 3; s++) {
          ww = ww.map((v, i) => v - 0.05 * jsGrad(ww)[i]!);
          expectClose(got[s]!, ww);
        }
        const w2 = torch.tensor(W0, { requiresGrad: true });
        const got2 = runSteps(new optim.SGD([w2], { lr: 0.05, momentum: 0.8, nesterov: true }), w2, 3);
        ww = W0.slice();
        let buf: number[] | null = null;
        for (let s = 0; s < 3; s++) {
          const d = jsGrad(ww);
          buf = buf === null ? d.slice() : buf.map((b, i) => 0.8 * b + d[i]!);
          ww = ww.map((v, i) => v - 0.05 * (d[i]! + 0.8 * buf![i]!));
          expectClose(got2[s]!, ww);
        }
      });

      function jsAdam(steps: number, o: { lr: number; b1: number; b2: number; eps: number; wd: number; amsgrad: boolean }): number[][] {
        let ww = W0.slice();
        let m = [0, 0, 0], v = [0, 0, 0], vmax = [0, 0, 0];
        const out: number[][] = [];
        for (let t = 1; t <= steps; t++) {
          const g = jsGrad(ww).map((x, i) => x + o.wd * ww[i]!);
          m = m.map((x, i) => o.b1 * x + (1 - o.b1) * g[i]!);
          v = v.map((x, i) => o.b2 * x + (1 - o.b2) * g[i]! * g[i]!);
          vmax = vmax.map((x, i) => Math.max(x, v[i]!));
          const bc1 = 1 - o.b1 ** t, bc2 = 1 - o.b2 ** t;
          const second = o.amsgrad ? vmax : v;
          ww = ww.map((x, i) => x - (o.lr / bc1) * (m[i]! / (Math.sqrt(second[i]!) / Math.sqrt(bc2) + o.eps)));
          out.push(ww);
        }
        return out;
      }

      test("Adam: 3 steps, defaults and with betas/eps/weight decay/amsgrad", () => {
        const w = torch.tensor(W0, { requiresGrad: true });
        const got = runSteps(new optim.Adam([w]), w, 3);
        const exp = jsAdam(3, { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0, amsgrad: false });
        for (let s = 0; s < 3; s++) expectClose(got[s]!, exp[s]!);

        const w2 = torch.tensor(W0, { requiresGrad: true });
        const got2 = runSteps(new optim.Adam([w2], { lr: 0.1, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05, amsgrad: true }), w2, 3);
        const exp2 = jsAdam(3, { lr: 0.1, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.05, amsgrad: true });
        for (let s = 0; s < 3; s++) expectClose(got2[s]!, exp2[s]!);
      });

      test("param groups, zeroGrad modes, skipped params without grad", () => {
        const a = torch.tensor([1, 2], { requiresGrad: true });
        const b = torch.tensor([3], { requiresGrad: true });
        const c = torch.tensor([4], { requiresGrad: true }); // never gets a grad
        const opt = new optim.SGD([{ params: [a] }, { params: [b, c], lr: 1 }], { lr: 0.1 });
        expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 1]);
        a.sum().add(b.sum()).backward();
        opt.step();
        expectClose(arr(a), [0.9, 1.9]);
        expectClose(arr(b), [2]);
        expect(arr(c)).toEqual([4]);
        const gA = a.grad!;
        opt.zeroGrad({ setToNone: false });
        expect(a.grad).toBe(gA);
        expect(arr(a.grad!)).toEqual([0, 0]);
        opt.zeroGrad();
        expect(a.grad).toBeNull();
        expect(b.grad).toBeNull();
      });

      test("PyTorch's argument errors", () => {
        const w = torch.ones([2], { requiresGrad: true });
        expect(errorOf(() => new optim.SGD([w], {}))).toContain("required optimization parameter lr");
        expect(errorOf(() => new optim.SGD([w], { lr: -1 }))).toContain("Invalid learning rate: -1");
        expect(errorOf(() => new optim.SGD([w], { lr: 0.1, momentum: -0.5 }))).toContain("Invalid momentum value: -0.5");
        expect(errorOf(() => new optim.SGD([w], { lr: 0.1, nesterov: true }))).toContain("Nesterov momentum requires a momentum and zero dampening");
        expect(errorOf(() => new optim.SGD([], { lr: 0.1 }))).toContain("optimizer got an empty parameter list");
        expect(errorOf(() => new optim.SGD(w as never, { lr: 0.1 }))).toContain("should be an iterable of Tensors or dicts, but got torch.FloatTensor");
        expect(errorOf(() => new optim.SGD([w.mul(2)], { lr: 0.1 }))).toContain("can't optimize a non-leaf Tensor");
        expect(errorOf(() => new optim.Adam([w], { betas: [1.5, 0.9] }))).toContain("Invalid beta parameter at index 0: 1.5");
        expect(errorOf(() => new optim.Adam([w], { eps: -1 }))).toContain("Invalid epsilon value: -1");
        expect(errorOf(() => new optim.SGD([{ params: [w] }, { params: [w] }], { lr: 1 }))).toContain("some parameters appear in more than one parameter group");
      });

      test("options are checked on the constructor's defaults only, as PyTorch", () => {
        const w = torch.ones([2], { requiresGrad: true });
        expect(errorOf(() => new optim.SGD([w], { lr: -1e-5 }))).toBe("Invalid learning rate: -1e-05");
        expect(errorOf(() => new optim.SGD([w], { lr: 0.1, weightDecay: -1e20 }))).toBe("Invalid weight_decay value: -1e+20");
        expect(errorOf(() => new optim.Adam([w], { eps: NaN }))).toBe("Invalid epsilon value: nan");
        expect(errorOf(() => new optim.SGD([], { lr: -1 }))).toBe("Invalid learning rate: -1"); // before the params
        expect(new optim.SGD([w], { lr: NaN }).paramGroups[0]!.lr).toBeNaN(); // SGD tests lr < 0 only
        // a group's own values are taken as given
        expect(new optim.Adam([{ params: [w], betas: [2, 3] }]).paramGroups[0]!.betas).toEqual([2, 3]);
        expect(new optim.SGD([{ params: [w], nesterov: true }], { lr: 0.1 }).paramGroups[0]!.nesterov).toBe(true);
      });

      test("step() allocates nothing that outlives it (state tensors aside)", () => {
        const lin = new nn.Linear(4, 2);
        for (const opt of [new optim.SGD(lin.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 0.1 }), new optim.Adam(lin.parameters(), { amsgrad: true })]) {
          const x = torch.randn(8, 4), t = torch.randn(8, 2);
          const once = () => torch.tidy(() => {
            opt.zeroGrad();
            nn.functional.mseLoss(lin.call(x), t).backward();
            opt.step();
          });
          once();
          once();
          const m0 = torch.memory();
          for (let i = 0; i < 5; i++) once();
          const m1 = torch.memory();
          expect(m1.tensors).toBe(m0.tensors);
          expect(m1.bytesInUse).toBe(m0.bytesInUse);
        }
      });
    });

    // ---- a small regression ------------------------------------------------------------------

    test("fit y = 2x + 1 with Linear(1, 1) + SGD in tidy steps; memory stays flat", () => {
      torch.manualSeed(42);
      const xs = Array.from({ length: 20 }, (_, i) => -1 + (2 * i) / 19);
      const x = torch.tensor(xs.map((v) => [v]));
      const y = torch.tensor(xs.map((v) => [2 * v + 1]));
      const model = new nn.Linear(1, 1);
      const lossFn = new nn.MSELoss();
      const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
      let last = Infinity;
      let after3: ReturnType<typeof torch.memory> | null = null;
      for (let step = 0; step < 200; step++) {
        last = torch.tidy(() => {
          opt.zeroGrad();
          const loss = lossFn.call(model.call(x), y);
          loss.backward();
          opt.step();
          return loss.item() as number;
        });
        if (step === 2) after3 = torch.memory();
      }
      expect(last).toBeLessThan(1e-3);
      expectClose(arr(model.weight), [2], 1e-2, 1e-2);
      expectClose(arr(model.bias!), [1], 1e-2, 1e-2);
      const end = torch.memory();
      expect(end.bytesInUse).toBe(after3!.bytesInUse);
      expect(end.tensors).toBe(after3!.tensors);
    });
  });
}

test("crossEntropy applies labelSmoothing: (1 - ls) * nll + ls / C * the sum of -log p over classes", () => {
  torch.setBackend("wasm");
  const rows = [[1, 2, 0.5], [0.1, -1, 2]], targets = [0, 2], ls = 0.1;
  const got = torch.nn.functional.crossEntropy(torch.tensor(rows), torch.tensor(targets, { dtype: "int32" }), { labelSmoothing: ls }).item();
  const want = rows.reduce((acc, row, i) => {
    const lse = Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    const logp = row.map((v) => v - lse);
    return acc - (1 - ls) * logp[targets[i]!]! - (ls / row.length) * logp.reduce((a, v) => a + v, 0);
  }, 0) / rows.length;
  expect(got).toBeCloseTo(want, 5);
});
