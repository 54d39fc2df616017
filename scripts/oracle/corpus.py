"""
The case programs, in the order cases.json lists them.

Each area (a case's tags[0]) in AREAS contributes, in this order:
  1. test/oracle/programs/<area>.json: a JSON array of programs (the cases
     recorded so far, without their results), and then
  2. scripts/oracle/suites/<area>.py: a module whose `build(suite)` adds
     programs with the builders in dsl.py.
Either may be missing, not both. A new area goes into AREAS where its cases
should appear in cases.json.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from dsl import Suite

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS_DIR = ROOT / "test" / "oracle" / "programs"
SUITES_DIR = Path(__file__).resolve().parent / "suites"

AREAS = [
    "walkthrough",
    "accumulation",
    "unary",
    "binary",
    "pow",
    "compare",
    "reduction",
    "maxmin_dim",
    "varstd",
    "norm",
    "matmul",
    "shape",
    "index",
    "join",
    "where",
    "softmax",
    "clamp",
    "nn",
    "higher_order",
    "retain_grad",
    "grad_mode",
    "inplace",
    "graph",
    "repr",
    "errors",
    "creation",
    "hooks",
    "optim",
    "conv",
    "pool",
    "conv_nn",
    "lr_scheduler",
    "data",
    "clip_grad",
    "nn_init",
    "unary_more",
    "activation",
    "scans",
    "sorting",
    "indexing",
    "joining",
    "linalg",
    "sampling",
    "layernorm",
    "dropout",
    "attention",
    "transformer",
    "batchnorm",
    "embedding",
]

PROGRAM_KEYS = {"id", "tags", "inputs", "steps", "backward", "expect", "expectError"}


class CorpusError(Exception):
    pass


def load_suite(area: str, path: Path) -> list[dict]:
    spec = importlib.util.spec_from_file_location(f"oracle_suite_{area}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not hasattr(module, "build"):
        raise CorpusError(f"{path}: a suite module defines build(suite)")
    suite = Suite(area)
    module.build(suite)
    return suite.programs


def check_program(p: dict, where: str) -> None:
    if not isinstance(p, dict) or not isinstance(p.get("id"), str):
        raise CorpusError(f"{where}: a program is an object with a string id")
    extra = set(p) - PROGRAM_KEYS
    if extra:
        raise CorpusError(f"{where}: {p['id']}: unknown program keys {sorted(extra)} (recorded results do not belong in programs)")
    if ("expect" in p) == ("expectError" in p):
        raise CorpusError(f"{where}: {p['id']}: give either expect (a list of keys) or expectError (a substring)")
    if not isinstance(p.get("tags"), list) or not p["tags"]:
        raise CorpusError(f"{where}: {p['id']}: tags must be a non-empty list")


def load_programs(areas: list[str] = AREAS) -> list[dict]:
    known = set(areas)
    strays = [f for f in [*PROGRAMS_DIR.glob("*.json"), *SUITES_DIR.glob("*.py")] if f.stem not in known]
    if strays:
        raise CorpusError(f"not in corpus.AREAS, so never recorded: {', '.join(str(f.relative_to(ROOT)) for f in strays)}")

    programs: list[dict] = []
    for area in areas:
        json_path = PROGRAMS_DIR / f"{area}.json"
        suite_path = SUITES_DIR / f"{area}.py"
        found = []
        if json_path.exists():
            found += [(p, str(json_path.relative_to(ROOT))) for p in json.loads(json_path.read_text())]
        if suite_path.exists():
            found += [(p, str(suite_path.relative_to(ROOT))) for p in load_suite(area, suite_path)]
        if not json_path.exists() and not suite_path.exists():
            raise CorpusError(f"area {area!r} has neither {json_path.relative_to(ROOT)} nor {suite_path.relative_to(ROOT)}")
        for p, where in found:
            check_program(p, where)
            if p["tags"][0] != area:
                raise CorpusError(f"{where}: {p['id']}: tags[0] is {p['tags'][0]!r}, but the program is in area {area!r}")
            programs.append(p)

    seen: set[str] = set()
    for p in programs:
        if p["id"] in seen:
            raise CorpusError(f"duplicate case id {p['id']!r}")
        seen.add(p["id"])
    return programs
