"""
Runs one case program (test/oracle/README.md's format, written in wasmgrad's
TypeScript API) on real PyTorch and records what PyTorch gives for each
expectation key.

The program is the case without its recorded results: id, tags, inputs, steps,
backward, and either `expect` (a list of expectation keys) or `expectError` (a
substring of the error PyTorch must raise). `run_program` returns the finished
case: the same fields, with `expect` filled in, or `errorAt` and `pytorchMessage`.

The TypeScript API is PyTorch's with camelCase names, trailing options objects
and int32 standing for int64; `Interpreter` maps it onto torch calls. Most names
map by rule (camelCase -> snake_case); the exceptions are in `TENSOR_METHODS`
and `MODULE_FUNCTIONS`.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable

import torch

NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}

# The API's dtype names -> torch dtypes. int32 stands for PyTorch's int64.
DTYPES = {"float32": torch.float32, "float64": torch.float64, "int32": torch.int64, "bool": torch.bool}
DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int32", torch.int32: "int32", torch.bool: "bool"}
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class ProgramError(Exception):
    """The program itself is malformed or uses something the interpreter cannot map."""


class Undefined:
    """JavaScript's `undefined` as an argument: an omitted optional argument."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Undefined()


def snake(name: str) -> str:
    """camelCase -> snake_case (`mseLoss` -> `mse_loss`); names starting upper-case (classes) stay."""
    if not name or not name[0].islower():
        return name
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def node_name(node: Any) -> str:
    """PyTorch's node name, with the leaf accumulator called `AccumulateGrad` (README)."""
    name = node.name()
    return name.rsplit("::", 1)[-1]


# ---------------------------------------------------------------------------
# Turning PyTorch values into the case file's JSON values
# ---------------------------------------------------------------------------


def json_number(v: float | int) -> float | int | str:
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return v


def dtype_name(dt: torch.dtype) -> str:
    if dt not in DTYPE_NAMES:
        raise ProgramError(f"dtype {dt} has no counterpart in the API (float32, float64, int32, bool)")
    return DTYPE_NAMES[dt]


def tensor_json(t: torch.Tensor) -> dict:
    name = dtype_name(t.dtype)
    flat = t.detach().reshape(-1).tolist()
    if name == "int32":
        bad = [v for v in flat if not INT32_MIN <= v <= INT32_MAX]
        if bad:
            raise ProgramError(f"int64 value {bad[0]} does not fit the API's int32")
    data = [json_number(v) for v in flat] if name in ("float32", "float64") else flat
    return {"shape": list(t.shape), "dtype": name, "data": data}


def to_json(v: Any, what: str) -> Any:
    """A value read from the finished program -> its expectation JSON."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, torch.Tensor):
        return tensor_json(v)
    if isinstance(v, torch.Size):
        return list(v)
    if isinstance(v, torch.dtype):
        return dtype_name(v)
    if isinstance(v, (int, float)):
        return json_number(v)
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return [to_json(e, f"{what}[{i}]") for i, e in enumerate(v)]
    if isinstance(v, dict):
        # a state dict (an optimizer's): keys as JavaScript's object keys, strings
        if any(not isinstance(k, (str, int)) or isinstance(k, bool) for k in v):
            raise ProgramError(f"{what}: a dict's keys must be strings or ints to record it")
        return {str(k): to_json(e, f"{what}.{k}") for k, e in v.items()}
    raise ProgramError(f"{what}: cannot record a {type(v).__name__} (record one of its properties instead)")


def js_number_string(v: float | int) -> str:
    """JavaScript's String(number)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0:
        return "0"
    if v == int(v) and abs(v) < 1e21:
        return str(int(v))
    r = repr(v)  # shortest round-trip digits, as JavaScript uses
    mant, _, exp = r.partition("e")
    digits = mant.replace("-", "").replace(".", "").lstrip("0")
    if exp:
        e = int(exp)
    else:
        ip, _, fp = mant.replace("-", "").partition(".")
        e = len(ip.lstrip("0")) - 1 if ip.lstrip("0") else -(len(fp) - len(fp.lstrip("0")) + 1)
    digits = digits.rstrip("0") or "0"
    sign = "-" if v < 0 else ""
    if -6 <= e < 21:
        if e >= 0:
            s = digits[: e + 1].ljust(e + 1, "0") + ("." + digits[e + 1 :] if len(digits) > e + 1 else "")
        else:
            s = "0." + "0" * (-e - 1) + digits
        return sign + s
    m = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{m}e{'+' if e > 0 else '-'}{abs(e)}"


def repr_string(v: Any, what: str) -> str:
    """JavaScript's String(value) of what the TS API gives for `v` (README: `repr:` keys)."""
    if isinstance(v, torch.Tensor):
        return repr(v)
    if hasattr(v, "next_functions") and hasattr(v, "name"):
        return f"<{node_name(v)} object>"
    if isinstance(v, torch.nn.Module):
        return repr(v)  # the TS module's toString() prints PyTorch's repr
    if v is None:
        return "null"
    if isinstance(v, (bool, int, float)):
        return js_number_string(v)
    if isinstance(v, str):
        return v
    if isinstance(v, torch.optim.Optimizer):
        return repr(v)  # Optimizer.toString() prints as PyTorch's repr
    raise ProgramError(f"repr:{what}: no TS string form known for a {type(v).__name__}")


# ---------------------------------------------------------------------------
# The interpreter
# ---------------------------------------------------------------------------


class Options(dict):
    """A trailing options object, e.g. `{ requiresGrad: true }`."""


class Interpreter:
    """
    One run of one program. `float_dtype` is what the API's "float32" means in
    this run: torch.float32, or torch.float64 for the shadow run that checks
    PyTorch's own float32 error.
    """

    def __init__(self, program: dict, float_dtype: torch.dtype = torch.float32):
        self.p = program
        self.float_dtype = float_dtype
        self.vars: dict[str, Any] = {}

    # --- dtypes -------------------------------------------------------------

    def dtype(self, name: Any) -> torch.dtype:
        if isinstance(name, torch.dtype):
            return name
        if name not in DTYPES:
            raise ProgramError(f"unknown dtype {name!r} (the API has float32, float64, int32, bool)")
        return self.float_dtype if name == "float32" else DTYPES[name]

    # --- arguments ----------------------------------------------------------

    def variable(self, name: Any) -> Any:
        if not isinstance(name, str):
            raise ProgramError(f"malformed variable reference {name!r}")
        if name not in self.vars:
            raise ProgramError(f"unknown variable {name!r}")
        return self.vars[name]

    def arg(self, v: Any) -> Any:
        """The README's argument table, applied recursively."""
        if v is None or isinstance(v, (bool, int, float)):
            return v
        if isinstance(v, str):
            return NONFINITE.get(v, v)
        if isinstance(v, list):
            return [self.arg(e) for e in v]
        if isinstance(v, dict):
            if "ref" in v:
                return self.variable(v["ref"])
            if "undefined" in v:
                return UNDEFINED
            if "float" in v:
                if v["float"] not in NONFINITE:
                    raise ProgramError(f"unknown float {v!r}")
                return NONFINITE[v["float"]]
            if "hook" in v:
                return self.hook(v)
            if "fn" in v:
                return self.function(v)
            # option keys to snake_case at any depth: a param group inside the params list too
            return Options({snake(k): self.arg(e) for k, e in v.items()})
        raise ProgramError(f"unsupported argument {v!r}")

    def hook(self, spec: dict) -> Callable:
        if spec["hook"] == "mul":
            k = spec["by"]
            return lambda g: g.mul(k)
        if spec["hook"] == "record":
            name = spec["as"]

            def record(g: torch.Tensor) -> None:
                self.vars[name] = g

            return record
        raise ProgramError(f"unknown hook kind {spec!r}")

    def function(self, spec: dict) -> Callable:
        """A number -> number function argument (a scheduler's lr_lambda): README's `fn` kinds."""
        if spec["fn"] == "pow":
            base = spec["base"]
            return lambda n: base**n
        if spec["fn"] == "warmup":
            steps = spec["steps"]
            return lambda n: min(1.0, (n + 1) / steps)
        raise ProgramError(f"unknown function kind {spec!r}")

    def split(self, args: list) -> tuple[list, dict]:
        """Positional arguments and the trailing options object as torch keyword arguments."""
        kwargs: dict = {}
        if args and isinstance(args[-1], Options):
            kwargs = self.kwargs(args[-1])
            args = args[:-1]
        return [None if a is UNDEFINED else a for a in args], kwargs

    def kwargs(self, opts: Options) -> dict:
        out = {}
        for k, v in opts.items():
            if v is UNDEFINED:
                continue
            if k == "dtype":
                v = self.dtype(v)
            out[snake(k)] = v
        return out

    # --- inputs -------------------------------------------------------------

    def build_inputs(self) -> None:
        for name, spec in self.p.get("inputs", {}).items():
            data = [NONFINITE.get(v, v) if isinstance(v, str) else v for v in spec["data"]]
            shape = spec["shape"]
            n = math.prod(shape)
            if len(data) != n:
                raise ProgramError(f"input {name!r}: shape {shape} needs {n} values, data has {len(data)}")
            # From the nested values, as the TS runner does: a reshaped tensor would
            # be a view, and PyTorch words some errors differently for views.
            t = torch.tensor(_nest(data, shape), dtype=self.dtype(spec["dtype"]))
            if spec.get("requiresGrad"):
                t.requires_grad_(True)
            self.vars[name] = t

    # --- steps --------------------------------------------------------------

    def step(self, s: dict) -> None:
        def run() -> Any:
            if "get" in s or "set" in s:
                obj, prop = self.variable(s.get("self")), snake(s.get("get", s.get("set")))
                if prop == "length" and "get" in s and not hasattr(obj, "length") and hasattr(obj, "__len__"):
                    return len(obj)  # a dataset's or a DataLoader's length is PyTorch's len()
                if not hasattr(obj, prop):
                    raise ProgramError(f"{s.get('self')} ({type(obj).__name__}) has no property {prop!r}")
                if "get" in s:
                    return getattr(obj, prop)
                setattr(obj, prop, self.arg(s.get("value")))
                return None
            if "call" not in s:
                raise ProgramError(f"malformed step {s!r}")
            args = [self.arg(a) for a in s.get("args", [])]
            if s["call"].startswith("torch."):
                return self.module_function(s["call"], args)
            return self.method(self.variable(s.get("self")), s["call"], args)

        if s.get("noGrad"):
            with torch.no_grad():
                result = run()
        else:
            result = run()

        out = s.get("out")
        if isinstance(out, list):
            values = list(result)
            if len(values) < len(out):
                raise ProgramError(f"step {s!r}: the result has {len(values)} elements, fewer than `out` names")
            for name, value in zip(out, values):
                self.vars[name] = value
        elif out is not None:
            self.vars[out] = result

    def module_function(self, path: str, args: list) -> Any:
        special = MODULE_FUNCTIONS.get(path)
        if special is not None:
            return special(self, args)
        fn: Any = torch
        for part in path.split(".")[1:]:
            name = snake(part)
            if not hasattr(fn, name):
                raise ProgramError(f"{path}: PyTorch has no {name!r} here (add a mapping to MODULE_FUNCTIONS)")
            fn = getattr(fn, name)
        pos, kw = self.split(args)
        result = fn(*pos, **kw)
        return list(result) if isinstance(result, tuple) and not hasattr(result, "_fields") else result

    def method(self, obj: Any, name: str, args: list) -> Any:
        if isinstance(obj, torch.Tensor):
            special = TENSOR_METHODS.get(name)
            if special is not None:
                return special(self, obj, args)
        elif name == "call":  # a module's call(...) runs forward, as `module(...)` does
            pos, kw = self.split(args)
            return obj(*pos, **kw)
        elif name == "get" and not hasattr(obj, "get") and hasattr(obj, "__getitem__"):
            pos, kw = self.split(args)  # a dataset's get(i) is PyTorch's dataset[i]
            return obj[pos[0]]
        attr = snake(name)
        if not hasattr(obj, attr):
            raise ProgramError(f"{type(obj).__name__} has no method {attr!r} (for {name}; add a mapping to TENSOR_METHODS)")
        pos, kw = self.split(args)
        return getattr(obj, attr)(*pos, **kw)

    def backward(self, b: dict) -> None:
        t = self.variable(b["of"])
        gradient = None if b.get("gradient") is None else self.arg(b["gradient"])
        kw = {}
        if b.get("retainGraph"):
            kw["retain_graph"] = True
        if b.get("createGraph"):
            kw["create_graph"] = True
        t.backward(gradient, **kw)

    # --- expectations -------------------------------------------------------

    def path(self, p: str) -> Any:
        head, *rest = p.split(".")
        v = self.variable(head)
        at = head
        for prop in rest:
            if v is None:
                raise ProgramError(f"cannot read .{prop} of {at}: it is null")
            if isinstance(v, (dict, list, tuple)):
                # a state dict's entry: `sd.state.0.exp_avg`, `sd.param_groups.0.lr`
                key: Any = int(prop) if prop.isdigit() and (not isinstance(v, dict) or int(prop) in v) else snake(prop)
                try:
                    v = v[key]
                except (KeyError, IndexError) as e:
                    raise ProgramError(f"{at} has no entry {prop!r}") from e
                at += "." + prop
                continue
            attr = snake(prop)
            if not hasattr(v, attr):
                raise ProgramError(f"{at} ({type(v).__name__}) has no property {attr!r}")
            v = getattr(v, attr)
            at += "." + prop
        return v

    def expectation(self, key: str) -> Any:
        if key.startswith("repr:"):
            return repr_string(self.path(key[5:]), key[5:])
        if key.startswith("inspect:"):
            v = self.path(key[8:])
            if not isinstance(v, torch.Tensor):
                raise ProgramError(f"{key}: util.inspect is only known for tensors (it prints as String(t))")
            return repr(v)  # the TS tensor's util.inspect form is its String form
        if key.endswith(".gradFn.nextFunctions"):
            node = self.path(key[: -len(".nextFunctions")])
            if node is None:
                raise ProgramError(f"{key}: the gradFn is null")
            return [[None if n is None else node_name(n), i] for n, i in node.next_functions]
        if key.endswith(".gradFn"):
            node = self.path(key)
            return None if node is None else node_name(node)
        return to_json(self.path(key), key)


# ---------------------------------------------------------------------------
# Where the API differs from calling PyTorch's method of the same snake_case name
# ---------------------------------------------------------------------------


def _nest(flat: list, shape: list[int]) -> Any:
    """Flat row-major values -> nested lists (shape [] -> the bare value)."""
    if not shape:
        return flat[0]
    step = len(flat) // shape[0] if shape[0] else 0
    return [_nest(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


def _flatten(data: Any) -> list:
    return [x for e in data for x in _flatten(e)] if isinstance(data, list) else [data]


def _tensor(it: Interpreter, args: list) -> torch.Tensor:
    # JavaScript cannot tell 1 from 1.0: plain numbers make the default float
    # dtype unless `dtype` is given; booleans make bool (API.md).
    pos, kw = it.split(args)
    if "dtype" not in kw:
        flat = _flatten(pos[0])
        kw["dtype"] = torch.bool if flat and all(isinstance(v, bool) for v in flat) else it.float_dtype
    return torch.tensor(*pos, **kw)


def _full(it: Interpreter, args: list) -> torch.Tensor:
    pos, kw = it.split(args)
    if "dtype" not in kw:
        kw["dtype"] = torch.bool if isinstance(pos[1], bool) else it.float_dtype
    return torch.full(*pos, **kw)


def _arange(it: Interpreter, args: list) -> torch.Tensor:
    # All-integer arguments make int32 (PyTorch's int64), whatever the JSON spelling.
    pos, kw = it.split(args)
    if "dtype" not in kw:
        if all(float(v).is_integer() for v in pos):
            pos = [int(v) for v in pos]
        else:
            kw["dtype"] = it.float_dtype
    return torch.arange(*pos, **kw)


def _call_positional(fn: Callable) -> Callable[[Interpreter, list], Any]:
    def call(it: Interpreter, args: list) -> Any:
        pos, kw = it.split(args)
        return fn(*pos, **kw)

    return call


MODULE_FUNCTIONS: dict[str, Callable[[Interpreter, list], Any]] = {
    "torch.tensor": _tensor,
    "torch.full": _full,
    "torch.arange": _arange,
    # PyTorch spells it logsigmoid
    "torch.nn.functional.logSigmoid": _call_positional(torch.nn.functional.logsigmoid),
}


def _index_item(i: Any) -> Any:
    if i is None:
        return slice(None)
    if isinstance(i, list):
        if len(i) not in (2, 3):
            raise ProgramError(f"index slice {i!r} must be [start, end] or [start, end, step]")
        return slice(*i)
    return i


def _index(it: Interpreter, t: torch.Tensor, args: list) -> torch.Tensor:
    return t[tuple(_index_item(a) for a in args)]


def _dim_keepdim(name: str) -> Callable:
    # The API's (dim?, keepdim?) where PyTorch's second positional argument is `unbiased`.
    def call(it: Interpreter, t: torch.Tensor, args: list) -> Any:
        pos, kw = it.split(args)
        if len(pos) > 2:
            raise ProgramError(f"{name}(dim?, keepdim?, options?) takes two positional arguments")
        if len(pos) >= 1 and pos[0] is not None:
            kw["dim"] = pos[0]
        if len(pos) == 2 and pos[1] is not None:
            kw["keepdim"] = pos[1]
        return getattr(t, name)(**kw)

    return call


def _values(name: str) -> Callable:
    # max(dim)/min(dim) give { values, indices }; the case records the values.
    def call(it: Interpreter, t: torch.Tensor, args: list) -> Any:
        pos, kw = it.split(args)
        r = getattr(t, name)(*pos, **kw)
        return r.values if hasattr(r, "values") and not isinstance(r, torch.Tensor) else r

    return call


def _size(it: Interpreter, t: torch.Tensor, args: list) -> Any:
    pos, kw = it.split(args)
    r = t.size(*pos, **kw)
    return list(r) if isinstance(r, torch.Size) else r


def _functional(name: str) -> Callable:
    # activations PyTorch has only in nn.functional are also Tensor methods in the API, with
    # the same arguments after the tensor
    fn = getattr(torch.nn.functional, name)

    def call(it: Interpreter, t: torch.Tensor, args: list) -> Any:
        pos, kw = it.split(args)
        return fn(t, *pos, **kw)

    return call


TENSOR_METHODS: dict[str, Callable[[Interpreter, torch.Tensor, list], Any]] = {
    "leakyRelu": _functional("leaky_relu"),
    "gelu": _functional("gelu"),
    "silu": _functional("silu"),
    "softplus": _functional("softplus"),
    "elu": _functional("elu"),
    "hardtanh": _functional("hardtanh"),
    "logSigmoid": _functional("logsigmoid"),
    "index": _index,
    "var": _dim_keepdim("var"),
    "std": _dim_keepdim("std"),
    "max": _values("max"),
    "min": _values("min"),
    "size": _size,
}


# ---------------------------------------------------------------------------
# Running a whole program
# ---------------------------------------------------------------------------


def run_program(program: dict, float_dtype: torch.dtype = torch.float32) -> dict:
    """Runs `program` on PyTorch and returns the recorded case (README's format)."""
    torch.set_default_dtype(float_dtype)
    torch.set_grad_enabled(True)
    torch.manual_seed(0)
    try:
        return _run(program, float_dtype)
    finally:
        torch.set_default_dtype(torch.float32)
        torch.set_grad_enabled(True)


def _run(program: dict, float_dtype: torch.dtype) -> dict:
    pid = program.get("id", "?")
    it = Interpreter(program, float_dtype)
    it.build_inputs()
    want_error = program.get("expectError")
    if want_error is not None and "expect" in program:
        raise ProgramError(f"{pid}: a program has `expect` or `expectError`, not both")

    case: dict = {k: program[k] for k in ("id", "tags", "inputs", "steps") if k in program}
    if "backward" in program:
        case["backward"] = program["backward"]

    phases = [("steps", program.get("steps", []), it.step), ("backward", program.get("backward") or [], it.backward)]
    for phase, entries, run in phases:
        for i, entry in enumerate(entries):
            try:
                run(entry)
            except ProgramError:
                raise
            except Exception as e:  # PyTorch's error: expected or not, it is reported
                message = str(e).split("\n")[0]
                if want_error is None:
                    raise ProgramError(f"{pid}: {phase}[{i}] raised unexpectedly: {type(e).__name__}: {message}") from e
                if want_error not in message:
                    raise ProgramError(
                        f"{pid}: {phase}[{i}] raised {type(e).__name__}: {message!r}, "
                        f"which does not contain expectError {want_error!r}"
                    ) from e
                case["expectError"] = want_error
                case["errorAt"] = {"phase": phase, "index": i}
                case["pytorchMessage"] = message
                return case

    if want_error is not None:
        raise ProgramError(f"{pid}: expected an error containing {want_error!r}, but every step succeeded")
    keys = program.get("expect")
    if not isinstance(keys, list) or not keys:
        raise ProgramError(f"{pid}: `expect` must be a non-empty list of expectation keys")
    case["expect"] = {key: it.expectation(key) for key in keys}
    return case
