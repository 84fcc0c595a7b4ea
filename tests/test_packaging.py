"""The source distribution carries a test suite that can run: every file of ``tests/``."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_sdist_ships_the_whole_test_suite(tmp_path: Path) -> None:
    script = "import sys, setuptools.build_meta as backend; print(backend.build_sdist(sys.argv[1]))"
    built = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    name = built.stdout.strip().splitlines()[-1]
    with tarfile.open(tmp_path / name) as archive:
        shipped = {
            "/".join(Path(member).parts[1:]) for member in archive.getnames() if "/" in member
        }
    wanted = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert {"tests/conftest.py", "tests/cli/conftest.py"} <= wanted
    assert wanted - shipped == set()
    assert not [path for path in shipped if path.endswith(".pyc")]
