#!/usr/bin/env python3
"""
Tests of the case generator itself (needs PyTorch, so `npm test` does not run it):

    python3 scripts/oracle/selftest.py

The proof that the generator reproduces the committed cases is
`record.py --check`; this covers the parts that check cannot: the DSL, the
shadow check, error cases and the mapping of API calls the cases do not use yet.
"""
from __future__ import annotations

import sys

sys.dont_write_bytecode = True

from pytorch_env import ensure_torch  # noqa: E402

ensure_torch()

import io  # noqa: E402
import json  # noqa: E402
import unittest  # noqa: E402

import torch  # noqa: E402

import dsl  # noqa: E402
from corpus import load_programs  # noqa: E402
from interp import ProgramError, js_number_string, run_program  # noqa: E402
from record import disagreement, record  # noqa: E402


def program(steps: list[str], inputs: dict | None = None, expect: list[str] | None = None, **extra) -> dict:
    """A one-off program (through the DSL, which the round-trip test checks against the corpus)."""
    suite = dsl.Suite("demo")
    return suite.case("demo", inputs=inputs, steps=steps, expect=expect, **extra)


class DslRoundTrip(unittest.TestCase):
    def test_every_corpus_step_and_backward_reads_back_from_its_typescript(self) -> None:
        n = 0
        for p in load_programs():
            for s in p["steps"]:
                text = dsl.step_text(s)
                self.assertEqual(json.dumps(dsl.step(text)), json.dumps(s), f"{p['id']}: {text}")
                n += 1
            for b in p.get("backward") or []:
                text = dsl.backward_text(b)
                self.assertEqual(json.dumps(dsl.backward_entry(text)), json.dumps(b), f"{p['id']}: {text}")
        self.assertGreater(n, 800)

    def test_statement_forms(self) -> None:
        self.assertEqual(dsl.step("y = x.sum(1, true)"), {"out": "y", "call": "sum", "self": "x", "args": [1, True]})
        self.assertEqual(
            dsl.step("opt = new torch.optim.SGD([w, b], { lr: 0.1, betas: [0.9, 0.99] })"),
            {"out": "opt", "call": "torch.optim.SGD", "args": [[{"ref": "w"}, {"ref": "b"}], {"lr": 0.1, "betas": [0.9, 0.99]}], "new": True},
        )
        self.assertEqual(dsl.step("x.requiresGrad = false"), {"set": "requiresGrad", "self": "x", "value": False})
        self.assertEqual(
            dsl.step("y = torch.noGrad(() => x.clamp(undefined, -Infinity))"),
            {"out": "y", "call": "clamp", "self": "x", "args": [{"undefined": True}, {"float": "-inf"}], "noGrad": True},
        )
        self.assertEqual(dsl.step("y = x.mul(2.0)")["args"], [2.0])
        self.assertIsInstance(dsl.step("y = x.mul(2)")["args"][0], int)
        self.assertEqual(dsl.backward_entry("s"), {"of": "s", "gradient": None, "retainGraph": False})
        self.assertEqual(
            dsl.backward_entry("y.backward(undefined, { createGraph: true })"),
            {"of": "y", "gradient": None, "retainGraph": False, "createGraph": True},
        )
        for bad in ["y = ", "y = x.a.b()", "y = x.f(", "1 = x.f()", "y = x.f() z"]:
            with self.assertRaises(dsl.DslError, msg=bad):
                dsl.step(bad)


class Suites(unittest.TestCase):
    def build(self) -> list[dict]:
        suite = dsl.Suite("demo")
        for a, b in dsl.BROADCAST_PAIRS:
            suite.case("mul_bcast", tags=["mul"], inputs={"a": dsl.randn(a, grad=True), "b": dsl.randn(b, grad=True)},
                       steps=["y = a.mul(b)", "s = y.sum()"], backward=["s"])
        suite.case("log", inputs={"x": dsl.positive(2, 3, grad=True, dtype="float64")}, steps=["y = x.log()"],
                   backward=["y.backward(x)"], also=["repr:y"])
        suite.case("item", inputs={"x": dsl.ints(3, low=0, high=9), "m": dsl.bools(3)},
                   steps=["s = x.sum()", "v = s.item()", "n = x.numel()"])
        suite.case("given", inputs={"x": dsl.tensor([[1, 2], [3, 4]], grad=True)}, steps=["y = x.t()"], backward=["y.backward(x)"])
        suite.case("leaf_inplace", inputs={"x": dsl.randn(2, grad=True)}, steps=["x.mul_(2)"], error="a leaf Variable")
        return suite.programs

    def test_a_suite_builds_deterministically_and_records(self) -> None:
        programs = self.build()
        self.assertEqual(json.dumps(programs), json.dumps(self.build()))
        self.assertEqual(len({p["id"] for p in programs}), len(programs))
        self.assertTrue(all(p["id"].startswith("demo_") for p in programs))
        self.assertEqual(programs[0]["inputs"]["a"]["shape"], [2, 3, 1])
        a = programs[0]["inputs"]["a"]["data"]
        self.assertTrue(all(float(torch.tensor(v, dtype=torch.float32)) == v for v in a), "float32 inputs are exact float32 values")
        self.assertEqual(programs[0]["expect"], ["y", "y.requiresGrad", "y.gradFn", "s", "s.requiresGrad", "s.gradFn", "a.grad", "b.grad"])
        self.assertEqual(programs[7]["expect"][-2:], ["v", "n"])

        log = io.StringIO()
        cases, dropped = record(programs, log=log)
        self.assertEqual(dropped, [], log.getvalue())
        first = cases[0]["expect"]
        self.assertEqual(first["y"]["shape"], [2, 3, 3])
        self.assertEqual(first["y.gradFn"], "MulBackward0")
        self.assertEqual(first["b.grad"]["shape"], [1, 3])
        self.assertIn("dtype=torch.float64", cases[6]["expect"]["repr:y"])
        self.assertIsInstance(cases[7]["expect"]["v"], int)
        self.assertEqual(cases[8]["expect"]["x.grad"]["data"], [1.0, 3.0, 2.0, 4.0])
        self.assertEqual(cases[9]["errorAt"], {"phase": "steps", "index": 0})
        self.assertEqual(cases[9]["pytorchMessage"], "a leaf Variable that requires grad is being used in an in-place operation.")

    def test_adding_a_case_leaves_other_cases_data_alone(self) -> None:
        one, two = dsl.Suite("demo"), dsl.Suite("demo")
        one.case("a", inputs={"x": dsl.randn(3)}, steps=["y = x.exp()"])
        two.case("b", inputs={"x": dsl.randn(3)}, steps=["y = x.exp()"])
        two.case("a", inputs={"x": dsl.randn(3)}, steps=["y = x.exp()"])
        self.assertEqual(one.programs[0], two.programs[1])
        self.assertNotEqual(two.programs[0]["inputs"], two.programs[1]["inputs"])


class ShadowRun(unittest.TestCase):
    def test_a_case_whose_float32_rounding_matters_is_dropped(self) -> None:
        p = program(["u = x.add(10000)", "y = u.sub(10000)"], {"x": dsl.tensor([0.001234])})
        log = io.StringIO()
        cases, dropped = record([p], log=log)
        self.assertEqual((cases, dropped), ([], [p["id"]]))
        self.assertIn("float32 and float64 disagree: y: data[0]", log.getvalue())

    def test_a_well_conditioned_case_is_kept_and_recorded_in_float32(self) -> None:
        p = program(["u = x.add(1)", "y = u.sub(1)", "t = torch.tensor([0.1, 2])"], {"x": dsl.tensor([0.5])}, also=["t.dtype", "repr:t"])
        cases, dropped = record([p], log=io.StringIO())
        self.assertEqual(dropped, [])
        self.assertEqual(cases[0]["expect"]["t.dtype"], "float32")
        self.assertEqual(cases[0]["expect"]["t"]["data"][0], float(torch.tensor(0.1, dtype=torch.float32)))
        shadow = run_program(p, torch.float64)
        self.assertEqual(shadow["expect"]["t"]["dtype"], "float64")
        self.assertEqual(shadow["expect"]["t"]["data"][0], 0.1)

    def test_disagreement(self) -> None:
        f = {"shape": [1], "dtype": "float32", "data": [1.0]}
        self.assertIsNone(disagreement("y", f, {"shape": [1], "dtype": "float64", "data": [1.0000001]}))
        self.assertIsNotNone(disagreement("y", f, {"shape": [1], "dtype": "float64", "data": [1.0001]}))
        self.assertIsNotNone(disagreement("y", f, {"shape": [2], "dtype": "float64", "data": [1.0, 1.0]}))
        self.assertIsNone(disagreement("repr:y", "tensor([1.])", "tensor([1.], dtype=torch.float64)"))
        self.assertIsNotNone(disagreement("repr:y", "tensor([1.0001])", "tensor([1.0002])"))
        self.assertIsNone(disagreement("n", 3, 3))
        self.assertIsNotNone(disagreement("b", True, False))


class Errors(unittest.TestCase):
    def test_error_position_and_message_come_from_pytorch(self) -> None:
        p = program(["y = x.exp()", "s = y.sum()"], {"x": dsl.randn(3, grad=True)}, backward=["s", "s"], error="second time")
        case = run_program(p)
        self.assertEqual(case["errorAt"], {"phase": "backward", "index": 1})
        self.assertTrue(case["pytorchMessage"].startswith("Trying to backward through the graph a second time"))
        self.assertNotIn("expect", case)

    def test_a_wrong_substring_a_missing_error_and_an_unexpected_one_are_reported(self) -> None:
        with self.assertRaisesRegex(ProgramError, "does not contain expectError"):
            run_program(program(["y = a.add(b)"], {"a": dsl.randn(2), "b": dsl.randn(3)}, error="no such words"))
        with self.assertRaisesRegex(ProgramError, "every step succeeded"):
            run_program(program(["y = a.add(b)"], {"a": dsl.randn(2), "b": dsl.randn(2)}, error="size"))
        with self.assertRaisesRegex(ProgramError, r"steps\[0\] raised unexpectedly"):
            run_program(program(["y = a.add(b)"], {"a": dsl.randn(2), "b": dsl.randn(3)}))
        with self.assertRaisesRegex(ProgramError, "no method"):
            run_program(program(["y = a.noSuchMethod()"], {"a": dsl.randn(2)}))


class Mapping(unittest.TestCase):
    """API calls the next areas need, mapped by the general rules."""

    def run_one(self, steps: list[str], inputs: dict, expect: list[str]) -> dict:
        return run_program(program(steps, inputs, expect))["expect"]

    def test_functional_with_options(self) -> None:
        e = self.run_one(
            ["y = torch.nn.functional.conv2d(x, w, undefined, { stride: 2, padding: 1 })",
             "z = torch.nn.functional.layerNorm(y, [3])",
             "l = torch.nn.functional.crossEntropy(logits, t, { reduction: \"sum\", labelSmoothing: 0.1 })"],
            {"x": dsl.randn(1, 2, 5, 5), "w": dsl.randn(4, 2, 3, 3), "logits": dsl.randn(2, 3), "t": dsl.tensor([0, 2], "int32")},
            ["y.shape", "z.shape", "l.shape"],
        )
        self.assertEqual((e["y.shape"], e["z.shape"], e["l.shape"]), ([1, 4, 3, 3], [1, 4, 3, 3], []))

    def test_modules_schedulers_and_destructuring(self) -> None:
        e = self.run_one(
            ["lin = new torch.nn.Linear(3, 2, { bias: false })", "y = lin.call(x)",
             "ps = lin.parameters()",
             "opt = new torch.optim.SGD(ps, { lr: 0.5 })",
             "sched = new torch.optim.lrScheduler.StepLR(opt, 1, { gamma: 0.5 })",
             "opt.step()", "sched.step()", "lr = sched.getLastLr()",
             "[v, i] = x.topk(2)", "g = x.gt(0)", "m = x.maskedFill(g, 0)"],
            {"x": dsl.randn(4, 3)},
            ["y.shape", "lr", "v.shape", "i.dtype", "m.shape"],
        )
        self.assertEqual(e, {"y.shape": [4, 2], "lr": [0.25], "v.shape": [4, 2], "i.dtype": "int32", "m.shape": [4, 3]})

    def test_state_dicts_groups_functions_and_datasets(self) -> None:
        e = self.run_one(
            ["opt = new torch.optim.Adagrad([{ params: [w], lrDecay: 0.5 }, { params: [v] }], { lr: 0.1 })",
             "sched = new torch.optim.lrScheduler.LambdaLR(opt, { fn: \"pow\", base: 0.5 })", "opt.step()", "sched.step()",
             "sd = opt.stateDict()",
             "ds = new torch.utils.data.TensorDataset(x)", "n = ds.length", "[r] = ds.get(1)",
             "[b0, b1] = new torch.utils.data.DataLoader(ds, { batchSize: 2 })"],
            {"w": dsl.randn(2, grad=True), "v": dsl.randn(1, grad=True), "x": dsl.tensor([[1.0], [2.0], [3.0]])},
            ["sd.param_groups.0.lr_decay", "opt.paramGroups.1.initialLr", "sd.state.1.sum", "n", "r", "b1"],
        )
        self.assertEqual(e["sd.param_groups.0.lr_decay"], 0.5)  # a group's camelCase option reached PyTorch
        self.assertEqual(e["opt.paramGroups.1.initialLr"], 0.1)
        self.assertEqual(e["sd.state.1.sum"]["shape"], [1])
        self.assertEqual((e["n"], e["r"]["data"], e["b1"][0]["shape"]), (3, [2.0], [1, 1]))
        whole = self.run_one(["opt = new torch.optim.SGD([w], { lr: 0.1 })", "sd = opt.stateDict()"], {"w": dsl.randn(2, grad=True)}, ["sd"])["sd"]
        self.assertEqual(whole["state"], {})
        self.assertEqual(whole["param_groups"][0]["params"], [0])
        self.assertIsNone(whole["param_groups"][0]["foreach"])

    def test_dtype_conventions(self) -> None:
        e = self.run_one(
            ["a = torch.arange(3)", "b = torch.arange(0, 1, 0.5)", "c = torch.full([2], 7)", "d = torch.tensor([1, 2])",
             "f = torch.ones(2, { dtype: \"int32\" })", "g = torch.tensor(true)"],
            {},
            ["a.dtype", "b.dtype", "c.dtype", "d.dtype", "f.dtype", "repr:f", "g.dtype"],
        )
        self.assertEqual(e, {"a.dtype": "int32", "b.dtype": "float32", "c.dtype": "float32", "d.dtype": "float32",
                             "f.dtype": "int32", "repr:f": "tensor([1, 1])", "g.dtype": "bool"})

    def test_js_strings(self) -> None:
        cases = [(1.0, "1"), (0.1, "0.1"), (-2.5, "-2.5"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (0.000001, "0.000001"),
                 (1.5e21, "1.5e+21"), (1e21, "1e+21"), (123456789012.0, "123456789012"), (0.6385008096694946, "0.6385008096694946"),
                 (float("nan"), "NaN"), (float("-inf"), "-Infinity"), (0.0, "0"), (7, "7"), (True, "true")]
        for v, s in cases:
            self.assertEqual(js_number_string(v), s, v)


if __name__ == "__main__":
    unittest.main(verbosity=1)
