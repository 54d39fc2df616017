"""
Makes sure the running Python can import PyTorch: if it cannot, runs the same
command again with $ORACLE_PYTHON or /usr/bin/python3 (where Debian's
python3-torch lives), or exits with what to install.
"""
from __future__ import annotations

import os
import sys
import warnings


def ensure_torch() -> None:
    # PyTorch's messages print Python sets ({'same', 'valid'}), whose order follows string
    # hashing: a fixed hash seed makes every recording byte-for-byte repeatable
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.environ["PYTHONHASHSEED"] = "0"
        os.execv(sys.executable, [sys.executable, *sys.argv])
    try:
        import torch  # noqa: F401
    except ImportError:
        for python in [os.environ.get("ORACLE_PYTHON"), "/usr/bin/python3"]:
            if python and os.path.exists(python) and os.path.realpath(python) != os.path.realpath(sys.executable):
                os.execv(python, [python, *sys.argv])
        sys.exit(
            f"{os.path.basename(sys.argv[0])}: {sys.executable} cannot import torch. Install Debian's "
            "python3-torch (apt-get install python3-torch python3-numpy), or set ORACLE_PYTHON to a "
            "Python that has PyTorch 1.13."
        )
    # Cases read .grad of non-leaves and backward with createGraph on purpose.
    warnings.filterwarnings("ignore", message="The .grad attribute of a Tensor that is not a leaf Tensor")
    warnings.filterwarnings("ignore", message=r"Using backward\(\) with create_graph=True")
