/**
 * Review of torch.nn, torch.optim, autograd.Function, gradcheck, autograd.functional and
 * viz.toDot against PyTorch 1.13.1 (and torchviz 0.0.3's make_dot for toDot: structure,
 * not ids). Each test "P<n>: ..." asserts what PyTorch does (the Python program and what
 * it printed are in the comment above it) where wasmgrad differed when the review was
 * written. Behaviours that already agreed are not repeated here (see nn.test.ts,
 * autograd_extras.test.ts, oracle.test.ts).
 */
import { beforeEach, describe, expect, test } from "vitest";
import * as torch from "../src/index.js";

const { nn, optim } = torch;
type Tensor = torch.Tensor;

const names = (fn: torch.Node | null): [string | null, number][] =>
  fn === null ? [] : fn.nextFunctions.map(([n, i]) => [n === null ? null : n.name(), i]);

/** The message of the error `fn` throws ("<no error>" when it does not throw). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "<no error>";
}

/** A DOT string as sorted label multisets: nodes `label|fillcolor`, edges `from -> to [attrs]`. */
function dotStructure(dot: string): { nodes: string[]; edges: string[] } {
  const unescape = (s: string) => s.replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
  const label = new Map<string, string>();
  const nodes: string[] = [];
  const rawEdges: [string, string, string][] = [];
  for (const line of dot.split("\n")) {
    const n = /^\t(n\d+) \[label="((?:[^"\\]|\\.)*)"(?: fillcolor=(\w+))?\]$/.exec(line);
    if (n) {
      label.set(n[1]!, unescape(n[2]!));
      nodes.push(`${unescape(n[2]!)}|${n[3] ?? ""}`);
      continue;
    }
    const e = /^\t(n\d+) -> (n\d+)(?: \[(.*)\])?$/.exec(line);
    if (e) rawEdges.push([e[1]!, e[2]!, e[3] ?? ""]);
  }
  const edges = rawEdges.map(([a, b, attrs]) => `${label.get(a)} -> ${label.get(b)}${attrs === "" ? "" : ` [${attrs}]`}`);
  return { nodes: nodes.sort(), edges: edges.sort() };
}

for (const backend of ["wasm", "js"] as const) {
  describe(`parity nn/optim/Function/gradcheck/viz [${backend}]`, () => {
    beforeEach(() => {
      torch.setBackend(backend);
      torch.setGradEnabled(true);
      torch.manualSeed(0);
    });

    // ------------------------------------------------------------------------------------
    // P1: modules held in a plain object (PyTorch's ModuleDict) are invisible: their
    // parameters are missing from parameters()/namedParameters()/stateDict() (so an
    // optimizer built from model.parameters() never trains them) and train()/eval() do
    // not reach them. Arrays of modules (ModuleList) are found.
    //
    //   class Net(nn.Module):
    //       def __init__(s):
    //           super().__init__()
    //           s.fc1 = nn.Linear(2,2)
    //           s.layers = nn.ModuleList([nn.Linear(2,2), nn.Tanh()])
    //           s.d = nn.ModuleDict({'b': nn.Linear(2,1), 'a': nn.Linear(2,1)})
    //           s.scale = nn.Parameter(torch.ones(1))
    //   n = Net()
    //   [k for k,_ in n.named_parameters()]
    //     -> ['scale', 'fc1.weight', 'fc1.bias', 'layers.0.weight', 'layers.0.bias',
    //         'd.b.weight', 'd.b.bias', 'd.a.weight', 'd.a.bias']
    //   list(n.state_dict().keys())   -> the same 9 names
    //   n.eval(); n.d['a'].training   -> False
    // ------------------------------------------------------------------------------------
    test("P1: modules in a plain object property are registered like ModuleDict entries", () => {
      class Net extends nn.Module {
        fc1 = new nn.Linear(2, 2);
        layers = [new nn.Linear(2, 2), new nn.Tanh()];
        d = { b: new nn.Linear(2, 1), a: new nn.Linear(2, 1) };
        scale = torch.ones([1], { requiresGrad: true });
      }
      const n = new Net();
      const expected = ["scale", "fc1.weight", "fc1.bias", "layers.0.weight", "layers.0.bias",
        "d.b.weight", "d.b.bias", "d.a.weight", "d.a.bias"];
      expect(n.namedParameters().map(([k]) => k)).toEqual(expected);
      expect(n.parameters().length).toBe(9);
      expect(Object.keys(n.stateDict())).toEqual(expected);
      n.eval();
      expect(n.d.a.training).toBe(false);
    });

    // ------------------------------------------------------------------------------------
    // P2: toDot leaves out the AccumulateGrad nodes. torchviz's make_dot draws, for each
    // leaf, the tensor box (lightblue) AND the AccumulateGrad node, with the edges
    // leaf -> AccumulateGrad -> consumer. (test/autograd_extras.test.ts currently asserts
    // `not.toContain("AccumulateGrad")`; it encodes the divergence.)
    //
    //   w = torch.tensor([1.,2.], requires_grad=True); x = torch.tensor([3.,4.], requires_grad=True)
    //   d = make_dot((w*x).sum(), params={'w': w, 'x': x})     # torchviz 0.0.3
    //   nodes (7): '\n ()' darkolivegreen1, 'SumBackward0', 'MulBackward0',
    //              'w\n (2)' lightblue, 'AccumulateGrad', 'x\n (2)' lightblue, 'AccumulateGrad'
    //   edges (6): MulBackward0->SumBackward0, AccumulateGrad->MulBackward0 (x2),
    //              'w\n (2)'->AccumulateGrad, 'x\n (2)'->AccumulateGrad, SumBackward0->'\n ()'
    // ------------------------------------------------------------------------------------
    test("P2: toDot draws leaf -> AccumulateGrad -> consumer, as torchviz", () => {
      const w = torch.tensor([1, 2], { requiresGrad: true });
      const x = torch.tensor([3, 4], { requiresGrad: true });
      const s = dotStructure(torch.viz.toDot(w.mul(x).sum(), { params: { w, x }, showSaved: false }));
      expect(s.nodes).toEqual([
        "\n ()|darkolivegreen1", "SumBackward0|", "MulBackward0|",
        "w\n (2)|lightblue", "AccumulateGrad|", "x\n (2)|lightblue", "AccumulateGrad|",
      ].sort());
      expect(s.edges).toEqual([
        "MulBackward0 -> SumBackward0", "AccumulateGrad -> MulBackward0", "AccumulateGrad -> MulBackward0",
        "w\n (2) -> AccumulateGrad", "x\n (2) -> AccumulateGrad", "SumBackward0 -> \n ()",
      ].sort());
    });

    // ------------------------------------------------------------------------------------
    // P2b (needs P2 and P3): toDot of a small MLP against torchviz's make_dot.
    //
    //   m = nn.Sequential(nn.Linear(3,4), nn.ReLU(), nn.Linear(4,2)); x = torch.randn(5,3)
    //   y = m(x).pow(2).mean()
    //   d = make_dot(y, params=dict(m.named_parameters()))   # 16 nodes, 15 edges
    //   nodes: '\n ()' darkolivegreen1, MeanBackward0, PowBackward0, AddmmBackward0 x2,
    //          ReluBackward0, TBackward0 x2, AccumulateGrad x4, '0.weight\n (4, 3)',
    //          '0.bias\n (4)', '2.weight\n (2, 4)', '2.bias\n (2)' (lightblue)
    //   edges: PowBackward0->MeanBackward0, AddmmBackward0->PowBackward0,
    //          AccumulateGrad->AddmmBackward0 x2, ReluBackward0->AddmmBackward0,
    //          AddmmBackward0->ReluBackward0, TBackward0->AddmmBackward0 x2,
    //          AccumulateGrad->TBackward0 x2, each param->AccumulateGrad, MeanBackward0->'\n ()'
    // ------------------------------------------------------------------------------------
    test("P2b: toDot of Linear-ReLU-Linear has torchviz's structure", () => {
      const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
      const x = torch.randn(5, 3);
      const y = (m.call(x) as Tensor).pow(2).mean();
      const s = dotStructure(torch.viz.toDot(y, { params: m.namedParameters(), showSaved: false }));
      expect(s.nodes).toEqual([
        "\n ()|darkolivegreen1", "MeanBackward0|", "PowBackward0|", "AddmmBackward0|", "AddmmBackward0|",
        "ReluBackward0|", "TBackward0|", "TBackward0|",
        "AccumulateGrad|", "AccumulateGrad|", "AccumulateGrad|", "AccumulateGrad|",
        "0.weight\n (4, 3)|lightblue", "0.bias\n (4)|lightblue", "2.weight\n (2, 4)|lightblue", "2.bias\n (2)|lightblue",
      ].sort());
      expect(s.edges).toEqual([
        "PowBackward0 -> MeanBackward0", "AddmmBackward0 -> PowBackward0",
        "AccumulateGrad -> AddmmBackward0", "AccumulateGrad -> AddmmBackward0",
        "ReluBackward0 -> AddmmBackward0", "AddmmBackward0 -> ReluBackward0",
        "TBackward0 -> AddmmBackward0", "TBackward0 -> AddmmBackward0",
        "AccumulateGrad -> TBackward0", "AccumulateGrad -> TBackward0",
        "0.weight\n (4, 3) -> AccumulateGrad", "0.bias\n (4) -> AccumulateGrad",
        "2.weight\n (2, 4) -> AccumulateGrad", "2.bias\n (2) -> AccumulateGrad",
        "MeanBackward0 -> \n ()",
      ].sort());
    });

    // ------------------------------------------------------------------------------------
    // P3: nn.Linear / F.linear record matmul + add (AddBackward0 over MmBackward0, and
    // UnsafeViewBackward0 for 3-D input) where PyTorch records one addmm: AddmmBackward0
    // for 2-D input with bias, ViewBackward0 over AddmmBackward0 for 3-D input. For 1-D
    // input PyTorch's matmul squeezes in place (SqueezeBackward3); wasmgrad records
    // SqueezeBackward1. Values and gradients agree.
    //
    //   W = torch.ones(2,3, requires_grad=True); b = torch.ones(2, requires_grad=True)
    //   n = lambda g: [(a.name() if a else None, i) for a,i in g.next_functions]
    //   y = F.linear(torch.ones(4,3), W, b)            -> AddmmBackward0 [(AccumulateGrad, 0), (None, 0), (TBackward0, 0)]
    //   y = F.linear(torch.ones(4,3, requires_grad=True), W, b)
    //                                                   -> AddmmBackward0 [(AccumulateGrad, 0), (AccumulateGrad, 0), (TBackward0, 0)]
    //   y = F.linear(torch.ones(2,4,3), W, b)          -> ViewBackward0 [(AddmmBackward0, 0)]
    //   y = F.linear(torch.ones(3, requires_grad=True), W, b)
    //                                                   -> AddBackward0 [(SqueezeBackward3, 0), (AccumulateGrad, 0)]
    //   y.grad_fn.next_functions[0][0]                  -> SqueezeBackward3 [(MmBackward0, 0)]
    //   (torch::autograd::AccumulateGrad is what 1.13's name() prints for AccumulateGrad)
    // ------------------------------------------------------------------------------------
    test("P3: Linear with bias records AddmmBackward0 (ViewBackward0 over it for 3-D input)", () => {
      const lin = new nn.Linear(3, 2);
      const y2 = lin.call(torch.ones(4, 3));
      expect(y2.gradFn!.name()).toBe("AddmmBackward0");
      expect(names(y2.gradFn)).toEqual([["AccumulateGrad", 0], [null, 0], ["TBackward0", 0]]);
      const y2g = lin.call(torch.ones([4, 3], { requiresGrad: true }));
      expect(names(y2g.gradFn)).toEqual([["AccumulateGrad", 0], ["AccumulateGrad", 0], ["TBackward0", 0]]);
      const y3 = nn.functional.linear(torch.ones(2, 4, 3), lin.weight, lin.bias);
      expect(y3.gradFn!.name()).toBe("ViewBackward0");
      expect(names(y3.gradFn)).toEqual([["AddmmBackward0", 0]]);
    });

    test("P3b: Linear on a 1-D input squeezes with SqueezeBackward3 (matmul's squeeze_)", () => {
      const lin = new nn.Linear(3, 2);
      const y = lin.call(torch.ones([3], { requiresGrad: true }));
      expect(names(y.gradFn)).toEqual([["SqueezeBackward3", 0], ["AccumulateGrad", 0]]);
      expect(names(y.gradFn!.nextFunctions[0]![0])).toEqual([["MmBackward0", 0]]);
    });

    // ------------------------------------------------------------------------------------
    // P4: an output of a custom Function that is a view (an input returned as-is, or a
    // view of an input made in forward) may not be modified in place. wasmgrad lets it
    // happen: for an input returned as-is the node is rebased (AsStridedBackward0); a view
    // made in forward is detached, so mul_ silently changes the leaf it views.
    //
    //   class Id(Function):
    //       forward = lambda ctx, x: x;  backward = lambda ctx, g: g * 2   (staticmethods)
    //   class View(Function):
    //       forward = lambda ctx, x: x.view(-1);  backward = lambda ctx, g: g.view(2,2)
    //   x = torch.tensor([1.,2.], requires_grad=True)
    //   Id.apply(x * 1).mul_(2)
    //     -> RuntimeError: Output 0 of IdBackward is a view and is being modified inplace. This view
    //        was created inside a custom Function (or because an input was returned as-is) and the
    //        autograd logic to handle view+inplace would override the custom backward associated with
    //        the custom Function, leading to incorrect gradients. This behavior is forbidden. You can
    //        fix this by cloning the output of the custom Function.
    //   Id.apply(x).mul_(2)                 -> the same error (not the leaf-view one)
    //   xv = torch.ones(2,2, requires_grad=True); r = View.apply(xv)
    //   r._is_view(), r._base is xv         -> True True
    //   r.mul_(2)                           -> RuntimeError: Output 0 of ViewBackward is a view and is being modified inplace. ...
    //   xv                                  -> still all ones
    // ------------------------------------------------------------------------------------
    // Function.apply gives such outputs a CreationMeta (IN_CUSTOM_FUNCTION); checkInPlace throws its error text
    test("P4: in-place on a custom Function's view output throws PyTorch's error", () => {
      class Id extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x; }
        static backward(_ctx: any, g: Tensor) { return g.mul(2); }
      }
      class View extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x.view(-1); }
        static backward(_ctx: any, g: Tensor) { return g.view(2, 2); }
      }
      const text = "is a view and is being modified inplace. This view was created inside a custom Function " +
        "(or because an input was returned as-is)";
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(errorOf(() => (Id.apply(x.mul(1)) as Tensor).mul_(2))).toContain(`Output 0 of IdBackward ${text}`);
      expect(errorOf(() => (Id.apply(x) as Tensor).mul_(2))).toContain(`Output 0 of IdBackward ${text}`);
      const xv = torch.ones([2, 2], { requiresGrad: true });
      const r = View.apply(xv) as Tensor;
      expect(errorOf(() => r.mul_(2))).toContain(`Output 0 of ViewBackward ${text}`);
      expect(Array.from(xv.toArray() as Float32Array)).toEqual([1, 1, 1, 1]);
    });

    // ------------------------------------------------------------------------------------
    // P5: a custom Function with several differentiable outputs is one node in PyTorch:
    // every output has the same grad_fn, whose next_functions are the inputs' edges, and a
    // consumer's next_functions carry the output number.
    //
    //   class Two(Function):
    //       @staticmethod
    //       def forward(ctx, x): return x * 2, x * 3
    //       @staticmethod
    //       def backward(ctx, g1, g2): return g1 * 2 + g2 * 3
    //   x = torch.tensor([1.,2.], requires_grad=True); a, b = Two.apply(x)
    //   a.grad_fn is b.grad_fn                 -> True
    //   a.grad_fn.next_functions               -> ((<AccumulateGrad>, 0),)
    //   (a + b).grad_fn.next_functions         -> ((<TwoBackward>, 0), (<TwoBackward>, 1))
    // ------------------------------------------------------------------------------------
    test("P5: a Function's outputs share one node; consumers see output numbers 0 and 1", () => {
      class Two extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return [x.mul(2), x.mul(3)]; }
        static backward(_ctx: any, g1: Tensor, g2: Tensor) { return g1.mul(2).add(g2.mul(3)); }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const [a, b] = Two.apply(x) as Tensor[];
      expect(a!.gradFn === b!.gradFn).toBe(true);
      expect(names(a!.gradFn)).toEqual([["AccumulateGrad", 0]]);
      expect(names(a!.add(b!).gradFn)).toEqual([["TwoBackward", 0], ["TwoBackward", 1]]);
    });

    // ------------------------------------------------------------------------------------
    // P6: with ctx.set_materialize_grads(False), an output that received no gradient is
    // passed to backward as None.
    //
    //   class Two(Function):
    //       @staticmethod
    //       def forward(ctx, x):
    //           ctx.set_materialize_grads(False); return x * 2, x * 3
    //       @staticmethod
    //       def backward(ctx, g1, g2):
    //           print("g1", g1, "g2", g2); return g1 * 2 if g1 is not None else None
    //   a, b = Two.apply(x); a.sum().backward()     -> g1 tensor([1., 1.]) g2 None
    // ------------------------------------------------------------------------------------
    test("P6: setMaterializeGrads(false): an unused output's gradient is null", () => {
      const seen: (Tensor | null)[] = [];
      class Two extends torch.autograd.Function {
        static forward(ctx: any, x: Tensor) { ctx.setMaterializeGrads(false); return [x.mul(2), x.mul(3)]; }
        static backward(_ctx: any, g1: Tensor | null, g2: Tensor | null) {
          seen.push(g1, g2);
          return g1 === null ? null : g1.mul(2);
        }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const [a] = Two.apply(x) as Tensor[];
      a!.sum().backward();
      expect(seen[0]).not.toBeNull();
      expect(seen[1] === null).toBe(true);
      expect(Array.from(x.grad!.toArray() as Float32Array)).toEqual([2, 2]);
    });

    // ------------------------------------------------------------------------------------
    // P7: a Function that returns its input as-is under no_grad gives a detached alias
    // (requires_grad False). wasmgrad returns a view that still requires grad.
    //
    //   x = torch.tensor([1.,2.], requires_grad=True)
    //   with torch.no_grad():
    //       z = Id.apply(x); print(z.requires_grad, z.grad_fn, z is x)   -> False None False
    // ------------------------------------------------------------------------------------
    test("P7: an input returned as-is under noGrad does not require grad", () => {
      class Id extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x; }
        static backward(_ctx: any, g: Tensor) { return g; }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      const z = torch.noGrad(() => Id.apply(x) as Tensor);
      expect(z).not.toBe(x);
      expect(z.gradFn).toBeNull();
      expect(z.requiresGrad).toBe(false);
    });

    // ------------------------------------------------------------------------------------
    // P8: backward returning something that is neither a Tensor nor None.
    //
    //   class NF(Function):
    //       forward = x * 2;  backward returns 1.0
    //   NF.apply(x).sum().backward()   -> RuntimeError: expected Variable or None (got float)
    //   wasmgrad: "function NFBackward returned a gradient of type number at position 1; ..."
    // ------------------------------------------------------------------------------------
    test("P8: a non-Tensor gradient from backward gives PyTorch's 'expected Variable or None' error", () => {
      class NF extends torch.autograd.Function {
        static forward(_ctx: any, x: Tensor) { return x.mul(2); }
        static backward(_ctx: any, _g: Tensor) { return 1.0 as any; }
      }
      const x = torch.tensor([1, 2], { requiresGrad: true });
      expect(errorOf(() => (NF.apply(x) as Tensor).sum().backward())).toContain("expected Variable or None (got ");
    });

    // ------------------------------------------------------------------------------------
    // P9: gradcheck of a function whose only outputs are integer tensors. PyTorch's check
    // "numerical gradient expected to be zero" only looks at floating outputs, so it passes;
    // wasmgrad differentiates the int32 output numerically (its truncation jumps) and throws.
    //
    //   x = torch.tensor([[0.5,-1.2],[2.0,0.3]], dtype=torch.float64, requires_grad=True)
    //   gradcheck(lambda a: (a*2).int(), (x,))   -> True
    // ------------------------------------------------------------------------------------
    test("P9: gradcheck ignores integer outputs when no output is differentiable", () => {
      const x = torch.tensor([[0.5, -1.2], [2.0, 0.3]], { dtype: "float64", requiresGrad: true });
      expect(torch.autograd.gradcheck((a: Tensor) => a.mul(2).to("int32"), [x])).toBe(true);
    });

    // ------------------------------------------------------------------------------------
    // P10: PyTorch checks the optimizer's constructor defaults, not each param group:
    // a group's own lr < 0 is accepted (constructor and add_param_group), and the nesterov
    // check uses the default momentum even when every group sets its own.
    //
    //   p = torch.ones(2, requires_grad=True); q = torch.ones(2, requires_grad=True)
    //   torch.optim.SGD([{'params': [p], 'lr': -1}], lr=0.1).param_groups[0]['lr']   -> -1
    //   torch.optim.SGD([{'params': [p], 'momentum': 0.9}], lr=0.1, nesterov=True)
    //       -> ValueError: Nesterov momentum requires a momentum and zero dampening
    //   o = torch.optim.SGD([p], lr=0.1); o.add_param_group({'params': [q], 'lr': -5})  -> OK
    // ------------------------------------------------------------------------------------
    test("P10: optimizer options are validated on the defaults only", () => {
      const p = torch.ones([2], { requiresGrad: true });
      const q = torch.ones([2], { requiresGrad: true });
      let lr: number | undefined;
      expect(errorOf(() => { lr = new optim.SGD([{ params: [p], lr: -1 }], { lr: 0.1 }).paramGroups[0]!.lr; })).toBe("<no error>");
      expect(lr).toBe(-1);
      expect(errorOf(() => new optim.SGD([{ params: [p], momentum: 0.9 }], { lr: 0.1, nesterov: true })))
        .toBe("Nesterov momentum requires a momentum and zero dampening");
      const o = new optim.SGD([p], { lr: 0.1 });
      expect(errorOf(() => o.addParamGroup({ params: [q], lr: -5 }))).toBe("<no error>");
    });

    // ------------------------------------------------------------------------------------
    // P11: unexpected keys are listed module by module (the root's first, then each
    // child's), not in the order of the given dict.
    //
    //   s = nn.Sequential(nn.Linear(1,1))
    //   sd = {'0.zz': torch.ones(1), 'aa': torch.ones(1), '0.weight': torch.ones(1,1), '0.bias': torch.ones(1)}
    //   s.load_state_dict(sd, strict=False)  -> _IncompatibleKeys(missing_keys=[], unexpected_keys=['aa', '0.zz'])
    //   s.load_state_dict(sd)                -> ... Unexpected key(s) in state_dict: "aa", "0.zz".
    // ------------------------------------------------------------------------------------
    test("P11: loadStateDict lists unexpected keys in module order", () => {
      const s = new nn.Sequential(new nn.Linear(1, 1));
      const sd = { "0.zz": torch.ones(1), aa: torch.ones(1), "0.weight": torch.ones(1, 1), "0.bias": torch.ones(1) };
      expect(s.loadStateDict(sd, false).unexpectedKeys).toEqual(["aa", "0.zz"]);
      expect(errorOf(() => s.loadStateDict(sd))).toContain('Unexpected key(s) in state_dict: "aa", "0.zz". ');
    });
  });
}
