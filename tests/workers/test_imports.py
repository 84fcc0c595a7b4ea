"""The runner stays a base layer: the standard library and pegboard's base modules only."""

from __future__ import annotations

import json
import subprocess
import sys


def _allowed(module: str) -> bool:
    """pegboard's base modules (``pegboard``, ``pegboard._*``) and the workers package."""
    return module == "pegboard" or module.startswith(("pegboard._", "pegboard.workers"))


def test_workers_import_no_third_party_or_upper_layer() -> None:
    script = "import sys, json, pegboard.workers; print(json.dumps(sorted(sys.modules)))"
    finished = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True
    )
    modules = set(json.loads(finished.stdout))
    stdlib = set(sys.stdlib_module_names)
    foreign = {m for m in modules if m.split(".")[0] not in stdlib | {"pegboard"}}
    # Interpreter start-up may load site hooks (editable installs); none are plugin layers.
    assert not {m for m in foreign if m.split(".")[0] in {"click", "pluggy", "packaging"}}
    assert [m for m in modules if m.startswith("pegboard") and not _allowed(m)] == []
