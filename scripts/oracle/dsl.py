"""
Builders for case programs, so a suite can add many cases in a few lines.

A suite module (scripts/oracle/suites/<area>.py) defines `build(suite)`:

    from dsl import randn, positive, BROADCAST_PAIRS

    def build(suite):
        for a, b in BROADCAST_PAIRS:
            suite.case("mul_bcast", tags=["mul", "broadcast"],
                       inputs={"a": randn(a, grad=True), "b": randn(b, grad=True)},
                       steps=["y = a.mul(b)", "s = y.sum()"],
                       backward=["s.backward()"])

Steps are written as the TypeScript they stand for and compile to the README's
step objects:

    "y = x.sum(1, true)"                         method call
    "z = torch.cat([a, b], 0)"                   module function
    "opt = new torch.optim.SGD([w, b], { lr: 0.1 })"
    "[gx, gz] = torch.autograd.grad([s], [x, z], { allowUnused: true })"
    "d = x.data"  /  "x.requiresGrad = true"     property read / write
    "y = torch.noGrad(() => x.mul(2))"           a step run under noGrad
    "h = y.registerHook({ hook: \"mul\", by: 3 })"

A bare name is a variable reference; `undefined`, `NaN`, `Infinity`, `null`,
`true`, `false`, numbers (`2` and `2.0` stay apart), strings, arrays and
`{ key: value }` objects are literals. Backward entries are written the same
way: "s.backward()", "y.backward(gy, { retainGraph: true })".

Inputs are drawn from a generator seeded by the suite, the case name and its
occurrence number, so adding a case never changes another case's data. The id
is the name plus a hash of the program, so it changes exactly when the program does.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import struct
from typing import Any, Iterable

# Shapes the recorded cases use a lot; broadcasting pairs cover size-1 and missing dims.
SHAPES = [[], [1], [3], [2, 3], [3, 1], [2, 1, 4], [2, 3, 4]]
BROADCAST_PAIRS = [
    ([2, 3, 1], [1, 3]),
    ([], [2, 3]),
    ([4], [1]),
    ([3, 1], [3, 3]),
    ([1, 1, 4], [3, 2, 1]),
    ([2, 3], [3]),
]


class DslError(Exception):
    pass


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------


def _shape(shape: tuple) -> list[int]:
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = tuple(shape[0])
    if not all(isinstance(n, int) and n >= 0 for n in shape):
        raise DslError(f"bad shape {list(shape)}")
    return list(shape)


def _nonfinite_as_text(x: float) -> float | str:
    """NaN and the infinities as the case files write them ("nan", "inf", "-inf")."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


class Input:
    """An input tensor whose data is made when the case is built (from the case's generator)."""

    def __init__(self, shape: list[int], dtype: str, grad: bool, draw: Any):
        if grad and dtype not in ("float32", "float64"):
            raise DslError(f"only float inputs can require grad, not {dtype}")
        self.shape, self.dtype, self.grad, self.draw = shape, dtype, grad, draw

    def build(self, rng: random.Random) -> dict:
        n = math.prod(self.shape)
        data = self.draw(rng, n) if callable(self.draw) else list(self.draw)
        if len(data) != n:
            raise DslError(f"shape {self.shape} needs {n} values, got {len(data)}")
        if self.dtype == "float32":
            data = [_nonfinite_as_text(_f32(float(v))) for v in data]
        elif self.dtype == "float64":
            data = [_nonfinite_as_text(float(v)) for v in data]
        return {"shape": self.shape, "dtype": self.dtype, "data": data, "requiresGrad": self.grad}


def _normal(rng: random.Random) -> float:
    # Box-Muller on random(), whose stream Python keeps stable across versions.
    u1 = 1.0 - rng.random()
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * rng.random())


def randn(*shape: Any, grad: bool = False, dtype: str = "float32", scale: float = 1.0, shift: float = 0.0) -> Input:
    """Standard normal values (times scale, plus shift)."""
    return Input(_shape(shape), dtype, grad, lambda rng, n: [shift + scale * _normal(rng) for _ in range(n)])


def uniform(*shape: Any, low: float = 0.0, high: float = 1.0, grad: bool = False, dtype: str = "float32") -> Input:
    return Input(_shape(shape), dtype, grad, lambda rng, n: [low + (high - low) * rng.random() for _ in range(n)])


def positive(*shape: Any, grad: bool = False, dtype: str = "float32") -> Input:
    """Values in [0.5, 2): safe for log, sqrt, division and negative powers."""
    return uniform(*shape, low=0.5, high=2.0, grad=grad, dtype=dtype)


def ints(*shape: Any, low: int = -5, high: int = 5) -> Input:
    """int32 values in [low, high] (PyTorch's int64)."""
    return Input(_shape(shape), "int32", False, lambda rng, n: [low + int(rng.random() * (high - low + 1)) for _ in range(n)])


def bools(*shape: Any) -> Input:
    return Input(_shape(shape), "bool", False, lambda rng, n: [rng.random() < 0.5 for _ in range(n)])


def tensor(data: Any, dtype: str = "float32", grad: bool = False) -> Input:
    """Given values, nested like torch.tensor's argument."""

    def shape_of(d: Any) -> list[int]:
        return [len(d), *shape_of(d[0])] if isinstance(d, list) and d else ([0] if isinstance(d, list) else [])

    def flat(d: Any) -> list:
        return [x for e in d for x in flat(e)] if isinstance(d, list) else [d]

    return Input(shape_of(data), dtype, grad, flat(data))


# ---------------------------------------------------------------------------
# Statements: TypeScript text <-> step objects
# ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?)|(?P<str>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')"
    r"|(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)|(?P<op>=>|[()\[\]{},:=.\-]))"
)
_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_FLOATS = {"NaN": "nan", "Infinity": "inf"}


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, Any]] = []
        pos = 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                if text[pos:].strip() == "":
                    break
                raise DslError(f"cannot read {text!r} at {text[pos:]!r}")
            pos = m.end()
            kind = m.lastgroup
            assert kind is not None
            self.tokens.append((kind, m.group(kind)))
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, Any]:
        return self.tokens[self.i + k] if self.i + k < len(self.tokens) else ("end", None)

    def take(self, kind: str, value: Any = None) -> Any:
        t = self.peek()
        if t[0] != kind or (value is not None and t[1] != value):
            raise DslError(f"{self.text!r}: expected {value or kind}, found {t[1] or 'the end'}")
        self.i += 1
        return t[1]

    def at(self, kind: str, value: Any = None, k: int = 0) -> bool:
        t = self.peek(k)
        return t[0] == kind and (value is None or t[1] == value)

    def end(self) -> None:
        if self.peek()[0] != "end":
            raise DslError(f"{self.text!r}: unexpected {self.peek()[1]!r}")

    # values -------------------------------------------------------------

    def value(self) -> Any:
        if self.at("op", "-"):
            self.take("op", "-")
            if self.at("name", "Infinity"):
                self.take("name")
                return {"float": "-inf"}
            v = self.value()
            if not isinstance(v, (int, float)) or isinstance(v, bool):
                raise DslError(f"{self.text!r}: '-' before a non-number")
            return -v
        kind, tok = self.peek()
        if kind == "num":
            self.i += 1
            return float(tok) if any(c in tok for c in ".eE") else int(tok)
        if kind == "str":
            self.i += 1
            return json.loads('"' + tok[1:-1].replace('"', '\\"').replace("\\'", "'") + '"') if tok[0] == "'" else json.loads(tok)
        if kind == "name":
            self.i += 1
            literal = {"true": True, "false": False, "null": None}
            if tok in literal:
                return literal[tok]
            if tok == "undefined":
                return {"undefined": True}
            if tok in _FLOATS:
                return {"float": _FLOATS[tok]}
            return {"ref": tok}
        if self.at("op", "["):
            return self.sequence("[", "]")
        if self.at("op", "{"):
            self.take("op", "{")
            obj: dict = {}
            while not self.at("op", "}"):
                key = self.take("name") if self.at("name") else json.loads(self.take("str"))
                self.take("op", ":")
                obj[key] = self.value()
                if not self.at("op", "}"):
                    self.take("op", ",")
            self.take("op", "}")
            return obj
        raise DslError(f"{self.text!r}: expected a value, found {tok or 'the end'}")

    def sequence(self, open_: str, close: str) -> list:
        self.take("op", open_)
        items = []
        while not self.at("op", close):
            items.append(self.value())
            if not self.at("op", close):
                self.take("op", ",")
        self.take("op", close)
        return items

    def dotted(self) -> list[str]:
        parts = [self.take("name")]
        while self.at("op", "."):
            self.take("op", ".")
            parts.append(self.take("name"))
        return parts

    # statements ---------------------------------------------------------

    def expression(self) -> dict:
        """The right-hand side: a call, a constructor call or a property read."""
        if self.at("name", "new"):
            self.take("name")
            path = self.dotted()
            if path[0] != "torch":
                raise DslError(f"{self.text!r}: `new` takes a torch.* class")
            return {"call": ".".join(path), "args": self.sequence("(", ")"), "new": True}
        path = self.dotted()
        if self.at("op", "("):
            args = self.sequence("(", ")")
            if path[0] == "torch":
                return {"call": ".".join(path), "args": args}
            if len(path) != 2:
                raise DslError(f"{self.text!r}: call a method on a variable (x.f()), or a torch.* function")
            return {"call": path[1], "self": path[0], "args": args}
        if len(path) != 2:
            raise DslError(f"{self.text!r}: read one property of a variable (x.data)")
        return {"get": path[1], "self": path[0]}

    def statement(self) -> dict:
        out: Any = None
        if self.at("op", "["):
            self.take("op", "[")
            out = []
            while not self.at("op", "]"):
                out.append(self.take("name"))
                if not self.at("op", "]"):
                    self.take("op", ",")
            self.take("op", "]")
            self.take("op", "=")
        elif self.at("name") and self.at("op", "=", 1):
            out = self.take("name")
            self.take("op", "=")
        elif self.at("name") and self.at("op", ".", 1) and self.at("name", None, 2) and self.at("op", "=", 3):
            target, _, prop, _ = (self.take("name"), self.take("op"), self.take("name"), self.take("op"))
            step = {"set": prop, "self": target, "value": self.value()}
            self.end()
            return step
        no_grad = self.at("name", "torch") and self.at("name", "noGrad", 2) and self.at("op", "(", 3)
        if no_grad:
            for kind, value in [("name", "torch"), ("op", "."), ("name", "noGrad"), ("op", "("), ("op", "("), ("op", ")"), ("op", "=>")]:
                self.take(kind, value)
        expr = self.expression()
        if no_grad:
            self.take("op", ")")
        self.end()
        step = ({"out": out} if out is not None else {}) | expr
        if expr.get("new"):  # the recorded files put "new" last
            step = {k: v for k, v in step.items() if k != "new"} | {"new": True}
        if no_grad:
            step["noGrad"] = True
        return step


def step(text: str) -> dict:
    """One TypeScript statement -> a step object."""
    return _Parser(text).statement()


def backward_entry(text: str) -> dict:
    """`y.backward(gradient?, { retainGraph?, createGraph? })`, or a bare name -> a backward entry."""
    p = _Parser(text if "(" in text else f"{text}.backward()")
    s = p.statement()
    if s.get("call") != "backward" or "out" in s or "noGrad" in s or len(s["args"]) > 2:
        raise DslError(f"{text!r}: a backward entry is `y.backward(gradient?, options?)`")
    args = s["args"]
    gradient = args[0] if args else None
    if gradient == {"undefined": True}:
        gradient = None
    opts = args[1] if len(args) > 1 else {}
    unknown = set(opts) - {"retainGraph", "createGraph"}
    if unknown:
        raise DslError(f"{text!r}: unknown backward options {sorted(unknown)}")
    entry = {"of": s["self"], "gradient": gradient, "retainGraph": bool(opts.get("retainGraph", False))}
    if opts.get("createGraph"):
        entry["createGraph"] = True
    return entry


def value_text(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise DslError("non-finite numbers are written NaN / Infinity ({float: ...})")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(value_text(e) for e in v) + "]"
    if isinstance(v, dict):
        if set(v) == {"ref"}:
            return v["ref"]
        if v == {"undefined": True}:
            return "undefined"
        if set(v) == {"float"}:
            return {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}[v["float"]]
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{k if _NAME.match(k) else json.dumps(k)}: {value_text(e)}" for k, e in v.items()) + " }"
    raise DslError(f"cannot write {v!r}")


def step_text(s: dict) -> str:
    """A step object -> its TypeScript statement (the inverse of `step`)."""
    out = s.get("out")
    lhs = "" if out is None else (f"[{', '.join(out)}] = " if isinstance(out, list) else f"{out} = ")
    if "set" in s:
        return f"{s['self']}.{s['set']} = {value_text(s.get('value'))}"
    if "get" in s:
        expr = f"{s['self']}.{s['get']}"
    else:
        args = ", ".join(value_text(a) for a in s.get("args", []))
        callee = f"{'new ' if s.get('new') else ''}{s['call']}" if s["call"].startswith("torch.") else f"{s['self']}.{s['call']}"
        expr = f"{callee}({args})"
    if s.get("noGrad"):
        expr = f"torch.noGrad(() => {expr})"
    return lhs + expr


def backward_text(b: dict) -> str:
    opts = {k: True for k in ("retainGraph", "createGraph") if b.get(k)}
    args = []
    if b.get("gradient") is not None or opts:
        args.append(value_text(b["gradient"]) if b.get("gradient") is not None else "undefined")
    if opts:
        args.append(value_text(opts))
    return f"{b['of']}.backward({', '.join(args)})"


# ---------------------------------------------------------------------------
# Suites
# ---------------------------------------------------------------------------

# Results that are plain values, recorded as themselves (no requiresGrad/gradFn).
PLAIN_CALLS = {"item", "tolist", "size", "numel", "torch.isGradEnabled", "getLastLr", "stateDict"}
PLAIN_GETS = {"requiresGrad", "isLeaf", "shape", "ndim", "dtype", "length"}
# Results that are not recorded by default: optimizers, hook handles, modules.
OPAQUE_CALLS = {"registerHook"}


def default_expect(steps: list[dict], inputs: dict, no_grad_fn: Iterable[str]) -> list[str]:
    """What a case records unless told otherwise: every named result and every input's grad."""
    skip_grad_fn = set(no_grad_fn)
    keys: list[str] = []
    for s in steps:
        names = s.get("out")
        if names is None or s.get("new") or s.get("call") in OPAQUE_CALLS:
            continue
        for name in names if isinstance(names, list) else [names]:
            if s.get("call") in PLAIN_CALLS or s.get("get") in PLAIN_GETS:
                keys.append(name)
            else:
                keys += [name, f"{name}.requiresGrad"] + ([] if name in skip_grad_fn else [f"{name}.gradFn"])
    keys += [f"{name}.grad" for name, spec in inputs.items() if spec["requiresGrad"]]
    return keys


class Suite:
    """Collects one area's programs; `case` builds one."""

    def __init__(self, area: str):
        self.area = area
        self.programs: list[dict] = []
        self._occurrences: dict[str, int] = {}

    def case(
        self,
        name: str,
        *,
        steps: list[str | dict],
        inputs: dict[str, Input] | None = None,
        backward: list[str | dict] | None = None,
        tags: Iterable[str] = (),
        expect: list[str] | None = None,
        also: Iterable[str] = (),
        no_grad_fn: Iterable[str] = (),
        error: str | None = None,
        id: str | None = None,
    ) -> dict:
        """
        Adds a program. `name` becomes the id's prefix (the area is put in front
        if missing); `tags` follow the area in `tags`. Without `expect`, the case
        records every named result (value, requiresGrad, and gradFn unless listed
        in `no_grad_fn`) and the grad of every input that requires grad, then the
        keys in `also`. `error` makes it a misuse case: the substring PyTorch's
        error must contain. `id` overrides the generated id.
        """
        base = name if name == self.area or name.startswith(self.area + "_") else f"{self.area}_{name}"
        n = self._occurrences.get(base, 0)
        self._occurrences[base] = n + 1
        seed = int.from_bytes(hashlib.sha256(f"{self.area}/{base}/{n}".encode()).digest()[:8], "big")
        rng = random.Random(seed)

        built_inputs = {k: v.build(rng) for k, v in (inputs or {}).items()}
        built_steps = [step(s) if isinstance(s, str) else s for s in steps]
        program: dict = {"id": "", "tags": [self.area, *tags], "inputs": built_inputs, "steps": built_steps}
        if backward is not None:
            program["backward"] = [backward_entry(b) if isinstance(b, str) else b for b in backward]
        if error is not None:
            if expect is not None or also:
                raise DslError(f"{base}: a misuse case (error=) records no expectations")
            program["expectError"] = error
        else:
            program["expect"] = list(expect) if expect is not None else default_expect(built_steps, built_inputs, no_grad_fn) + list(also)
        digest = hashlib.sha1(json.dumps({k: v for k, v in program.items() if k != "id"}, sort_keys=True).encode()).hexdigest()
        program["id"] = id or f"{base}_{digest[:6]}"
        self.programs.append(program)
        return program
