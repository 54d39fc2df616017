#!/usr/bin/env python3
"""
Records the PyTorch conformance cases: runs every case program (corpus.py) on
real PyTorch 1.13 and writes test/oracle/cases.json (format: test/oracle/README.md).

    python3 scripts/oracle/record.py            record all, write test/oracle/cases.json
    python3 scripts/oracle/record.py --check    record all to a temporary file and compare
                                                 it with test/oracle/cases.json (exit 1 if they differ)
    python3 scripts/oracle/record.py --only RE --print
                                                 record the programs whose id matches RE, print them

Every program runs twice: as written, and with every float32 made float64 (the
shadow run). A case is kept only if its float32 results agree with the float64
ones within a tenth of the tolerances, so PyTorch's own float32 rounding cannot
decide whether an implementation passes. Dropped cases are listed on stderr.

Needs Debian's python3-torch (1.13.1). If this Python cannot import torch, the
script runs itself again with $ORACLE_PYTHON or /usr/bin/python3.
"""
from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository

from pytorch_env import ensure_torch  # noqa: E402

ensure_torch()

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from corpus import ROOT, load_programs  # noqa: E402
from interp import ProgramError, run_program  # noqa: E402

CASES_PATH = ROOT / "test" / "oracle" / "cases.json"
FORMAT = 1
TOLERANCES = {
    "float32": {"rtol": 1e-4, "atol": 1e-5},
    "float64": {"rtol": 1e-7, "atol": 1e-9},
    "number": {"rtol": 1e-4, "atol": 1e-5},
}
# PyTorch's own float32 error must stay under this fraction of the tolerances.
SHADOW_FRACTION = 0.1


def source() -> str:
    try:
        deb = subprocess.run(
            ["dpkg-query", "-W", "-f=${Version}", "python3-torch"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        deb = ""
    if deb:
        return f"PyTorch {deb.split('+')[0]} (Debian python3-torch {deb}, torch.__version__ {torch.__version__})"
    return f"PyTorch {torch.__version__}"


# ---------------------------------------------------------------------------
# The shadow run: float32 results against float64 ones
# ---------------------------------------------------------------------------

_DTYPE_SUFFIX = re.compile(r",\s*dtype=torch\.float(32|64)")


def _close(f32: float, f64: float, tol: dict) -> bool:
    if math.isnan(f64) or math.isnan(f32):
        return math.isnan(f64) and math.isnan(f32)
    if math.isinf(f64) or math.isinf(f32):
        return f32 == f64
    return abs(f32 - f64) <= SHADOW_FRACTION * (tol["atol"] + tol["rtol"] * abs(f64))


def _num(v: object) -> object:
    return {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(v, v) if isinstance(v, str) else v


def disagreement(key: str, main: object, shadow: object) -> str | None:
    """Where the main run's value is not the shadow run's within a tenth of the tolerance, or None."""
    if isinstance(main, dict) and isinstance(shadow, dict) and "data" in main:
        if main["shape"] != shadow.get("shape"):
            return f"shape {main['shape']} vs {shadow.get('shape')}"
        if not (main["dtype"] == shadow["dtype"] or (main["dtype"] == "float32" and shadow["dtype"] == "float64")):
            return f"dtype {main['dtype']} vs {shadow['dtype']}"
        tol = TOLERANCES[main["dtype"]] if main["dtype"] in ("float32", "float64") else None
        for i, (a, b) in enumerate(zip(main["data"], shadow["data"])):
            ok = _close(_num(a), _num(b), tol) if tol else a == b
            if not ok:
                return f"data[{i}]: {a} (float32) vs {b} (float64)"
        return None
    if isinstance(main, dict) and isinstance(shadow, dict):
        if set(main) != set(shadow):
            return f"keys {sorted(main)} vs {sorted(shadow)}"
        for k in main:
            d = disagreement(key, main[k], shadow[k])
            if d:
                return f"[{k!r}] {d}"
        return None
    if isinstance(main, list) and isinstance(shadow, list):
        if len(main) != len(shadow):
            return f"{len(main)} vs {len(shadow)} elements"
        for i, (a, b) in enumerate(zip(main, shadow)):
            d = disagreement(key, a, b)
            if d:
                return f"[{i}] {d}"
        return None
    if isinstance(main, str) and isinstance(shadow, str):
        if key.startswith(("repr:", "inspect:")):
            # float64 prints a dtype suffix only where it is not the default; it can move a line break.
            main, shadow = (re.sub(r"\s+", " ", _DTYPE_SUFFIX.sub("", t)) for t in (main, shadow))
        if main == shadow or (main, shadow) == ("float32", "float64"):
            return None
        if _num(main) is not main and _num(shadow) is not shadow:
            return None if _close(_num(main), _num(shadow), TOLERANCES["number"]) else f"{main} vs {shadow}"
        return f"{main!r} vs {shadow!r}"
    if isinstance(main, float) or isinstance(shadow, float):
        if isinstance(main, bool) or isinstance(shadow, bool):
            return f"{main} vs {shadow}"
        return None if _close(float(_num(main)), float(_num(shadow)), TOLERANCES["number"]) else f"{main} vs {shadow}"
    if type(main) is not type(shadow) or main != shadow:
        return f"{main!r} vs {shadow!r}"
    return None


def shadow_check(case: dict, shadow: dict) -> str | None:
    if "expect" not in case:
        if "errorAt" not in shadow or shadow["errorAt"] != case["errorAt"]:
            return f"the error is at {case['errorAt']} in float32 but {shadow.get('errorAt')} in float64"
        return None
    if "expect" not in shadow:
        return f"float64 raised at {shadow.get('errorAt')}: {shadow.get('pytorchMessage')}"
    for key, value in case["expect"].items():
        d = disagreement(key, value, shadow["expect"][key])
        if d:
            return f"{key}: {d}"
    return None


# ---------------------------------------------------------------------------
# Recording and writing
# ---------------------------------------------------------------------------


def record(programs: list[dict], log=sys.stderr) -> tuple[list[dict], list[str]]:
    """The recorded cases, and the ids dropped by the shadow check (with reasons, on `log`)."""
    cases, dropped = [], []
    for program in programs:
        case = run_program(program, torch.float32)
        try:
            shadow = run_program(program, torch.float64)
        except ProgramError as e:
            shadow = None
            why = f"the float64 run failed: {e}"
        else:
            why = shadow_check(case, shadow)
        if why is not None:
            dropped.append(program["id"])
            print(f"dropped {program['id']}: float32 and float64 disagree: {why}", file=log)
            continue
        cases.append(case)
    return cases, dropped


def render(cases: list[dict]) -> str:
    """cases.json's text: a header line, then one case per line."""
    header = json.dumps({"format": FORMAT, "source": source(), "tolerances": TOLERANCES})
    body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
    return f"{header[:-1]},\n\"cases\": [\n{body}\n]}}\n"


def describe_difference(new: dict, old: dict) -> str:
    fields = [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]
    parts = []
    for f in fields:
        if f == "expect" and isinstance(old.get(f), dict) and isinstance(new.get(f), dict):
            keys = [k for k in dict.fromkeys([*old[f], *new[f]]) if old[f].get(k) != new[f].get(k)]
            if list(old[f]) != list(new[f]):
                parts.append("expectation keys or their order")
            for k in keys[:5]:
                parts.append(f"expect[{k!r}]: committed {json.dumps(old[f].get(k))[:160]} / recorded {json.dumps(new[f].get(k))[:160]}")
        else:
            parts.append(f"{f}: committed {json.dumps(old.get(f))[:160]} / recorded {json.dumps(new.get(f))[:160]}")
    return "; ".join(parts)


def check(text: str, committed_path: Path) -> int:
    """Compares freshly recorded cases with the committed file; returns the exit status."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="cases-", delete=False) as tmp:
        tmp.write(text)
    try:
        new = json.loads(Path(tmp.name).read_text())
    finally:
        os.unlink(tmp.name)
    committed_text = committed_path.read_text()
    old = json.loads(committed_text)
    old_by_id = {c["id"]: c for c in old["cases"]}
    new_by_id = {c["id"]: c for c in new["cases"]}
    same = [i for i in new_by_id if old_by_id.get(i) == new_by_id[i]]
    print(f"{len(same)} of {len(old_by_id)} committed cases recorded identically ({len(new_by_id)} recorded)")
    for key in ("format", "source", "tolerances"):
        if old.get(key) != new.get(key):
            print(f"header {key}: committed {json.dumps(old.get(key))} / recorded {json.dumps(new.get(key))}")
    for i, c in new_by_id.items():
        if i not in old_by_id:
            print(f"new (not in the committed file): {i}")
        elif old_by_id[i] != c:
            print(f"differs: {i}: {describe_difference(c, old_by_id[i])}")
    for i in old_by_id:
        if i not in new_by_id:
            print(f"missing (committed, not recorded): {i}")
    if [c["id"] for c in old["cases"] if c["id"] in new_by_id] != [c["id"] for c in new["cases"] if c["id"] in old_by_id]:
        print("the cases are in a different order")
    identical = text == committed_text
    print(f"{committed_path.relative_to(ROOT)} is {'byte-for-byte identical to' if identical else 'NOT identical to'} a fresh recording")
    return 0 if identical else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare a fresh recording with the committed cases; write nothing")
    ap.add_argument("--out", type=Path, default=CASES_PATH, help="where to write (default test/oracle/cases.json)")
    ap.add_argument("--only", metavar="RE", help="only the programs whose id matches this regular expression (never writes cases.json)")
    ap.add_argument("--print", action="store_true", help="print the recorded cases, one per line")
    ap.add_argument("--allow-other-torch", action="store_true", help="record with a PyTorch other than 1.13")
    args = ap.parse_args()

    if not torch.__version__.startswith("1.13") and not args.allow_other_torch:
        print(f"record.py: the cases are PyTorch 1.13's; this is torch {torch.__version__} (--allow-other-torch to go on)", file=sys.stderr)
        return 2
    torch.set_num_threads(1)  # one summation order, whatever the machine

    started = time.monotonic()
    programs = load_programs()
    if args.only:
        programs = [p for p in programs if re.search(args.only, p["id"])]
    try:
        cases, dropped = record(programs)
    except ProgramError as e:
        print(f"record.py: {e}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(f"recorded {len(cases)} of {len(programs)} programs in {seconds:.1f} s ({len(dropped)} dropped by the float64 check)", file=sys.stderr)

    text = render(cases)
    if args.print:
        for c in cases:
            print(json.dumps(c, separators=(",", ":")))
    if args.check:
        if args.only:
            print("record.py: --check compares the whole file; drop --only", file=sys.stderr)
            return 2
        return check(text, CASES_PATH)
    if args.only and args.out == CASES_PATH:
        return 0
    args.out.write_text(text)
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
