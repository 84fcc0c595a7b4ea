"""Shared fixtures: real plugin distributions on a temporary ``sys.path`` entry."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest


class SiteDir:
    """A folder on ``sys.path`` holding ``*.dist-info`` distributions and their modules.

    Distributions written here are found by ``importlib.metadata`` exactly as pip-installed
    ones are, so tests exercise real discovery instead of mocks.
    """

    def __init__(self, path: Path):
        self.path = path
        self.modules: set[str] = set()

    def add(
        self,
        dist: str,
        version: str = "1.0",
        *,
        entry_points: Mapping[str, Mapping[str, str]] | None = None,
        modules: Mapping[str, str] | None = None,
        requires: Sequence[str] = (),
        entry_points_text: str | None = None,
        metadata_text: str | None = None,
    ) -> Path:
        """Write one distribution; return its dist-info folder.

        ``modules`` maps a module name (``pkg`` or ``pkg.sub``) to its source. The
        ``*_text`` arguments write the files verbatim, for corrupt-metadata tests.
        """
        info = self.path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True, exist_ok=True)
        if metadata_text is None:
            lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
            lines += [f"Requires-Dist: {requirement}" for requirement in requires]
            metadata_text = "\n".join(lines) + "\n"
        (info / "METADATA").write_text(metadata_text, encoding="utf-8")
        if entry_points_text is None:
            sections = []
            for group, entries in (entry_points or {}).items():
                body = "\n".join(f"{name} = {target}" for name, target in entries.items())
                sections.append(f"[{group}]\n{body}\n")
            entry_points_text = "\n".join(sections)
        (info / "entry_points.txt").write_text(entry_points_text, encoding="utf-8")
        for module, source in (modules or {}).items():
            self.write_module(module, source)
        importlib.invalidate_caches()
        return info

    def write_module(self, module: str, source: str) -> Path:
        """Write ``module``'s source (dedented); packages get an ``__init__.py``."""
        parts = module.split(".")
        folder = self.path.joinpath(*parts[:-1])
        folder.mkdir(parents=True, exist_ok=True)
        for depth in range(1, len(parts)):
            init = self.path.joinpath(*parts[:depth], "__init__.py")
            if not init.exists():
                init.write_text("", encoding="utf-8")
        target = folder / f"{parts[-1]}.py"
        target.write_text(textwrap.dedent(source), encoding="utf-8")
        self.modules.add(parts[0])
        return target

    def forget_modules(self) -> None:
        """Drop this site's modules from ``sys.modules`` so the next test imports afresh."""
        for name in list(sys.modules):
            if name.split(".")[0] in self.modules:
                del sys.modules[name]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SiteDir]:
    """A fresh ``sys.path`` entry for test distributions, removed after the test."""
    path = tmp_path / "site"
    path.mkdir()
    monkeypatch.syspath_prepend(str(path))
    directory = SiteDir(path)
    yield directory
    directory.forget_modules()
    importlib.invalidate_caches()


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every cache and config folder into the test's temporary folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", os.fspath(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", os.fspath(tmp_path / "config"))
    for variable in [v for v in os.environ if v.startswith(("PEGBOARD_", "ACME_"))]:
        monkeypatch.delenv(variable)


class Venv:
    """A throw-away virtual environment that sees this project's ``.venv`` packages.

    It is created without pip; a ``.pth`` file adds the running interpreter's site-packages
    (pegboard, its dependencies, pip, setuptools), so ``python -m pip install
    --no-build-isolation --no-index`` of local projects works offline and in seconds, while
    what it installs lands in the temporary environment only.
    """

    def __init__(self, path: Path):
        self.path = path
        self.python = str(path / "bin" / "python")
        self.bin = path / "bin"

    @property
    def site_packages(self) -> Path:
        return next(self.path.glob("lib/python*/site-packages"))

    def pip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run pip in this environment, offline."""
        return self.run(
            "-m", "pip", *args, "--no-index", "--no-build-isolation", "--quiet", check=check
        )

    def run(
        self, *args: str, check: bool = True, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run this environment's Python with ``args``."""
        return subprocess.run(
            [self.python, *args], capture_output=True, text=True, check=check, **kwargs
        )


def make_venv(path: Path) -> Venv:
    """Create a virtual environment at ``path`` layered over the test interpreter's packages."""
    import site as site_module
    import venv as venv_module

    venv_module.create(path, with_pip=False, symlinks=True)
    environment = Venv(path)
    parent_sites = [p for p in site_module.getsitepackages() if Path(p).is_dir()]
    # An "import" line runs at startup; addsitedir also reads the parent's own .pth files
    # (the editable install of pegboard is one).
    lines = [f"import site; site.addsitedir({p!r})" for p in parent_sites]
    (environment.site_packages / "_pegboard_parent.pth").write_text(
        "\n".join(lines) + "\n", encoding="utf-8"
    )
    return environment


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    """A fresh virtual environment layered over the test interpreter's packages."""
    return make_venv(tmp_path / "venv")
