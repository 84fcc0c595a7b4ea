"""The layers of the package and the direction of their imports, as allow-lists.

::

    pegboard (the public API), __main__
      └► cli ─► manage ─► host ─► hooks, discovery, workers ─► base (pegboard._*)

A layer imports only from the layers below it, lazily or not, and only the third-party
libraries its job needs: the hook layer never imports Click, discovery neither pluggy nor
Click, the child-process runner nothing but the standard library. The import statements are
read from the source (function-level imports included), and each layer's modules are also
imported in a fresh interpreter to see what they pull in.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Final

import pytest

PACKAGE: Final = Path(__file__).resolve().parents[1] / "src" / "pegboard"

BELOW: Final = {
    "base": frozenset(),
    "hooks": frozenset({"base"}),
    "discovery": frozenset({"base"}),
    "workers": frozenset({"base"}),
    "host": frozenset({"base", "hooks", "discovery", "workers"}),
    "manage": frozenset({"base", "hooks", "discovery", "workers", "host"}),
    "cli": frozenset({"base", "hooks", "discovery", "workers", "host", "manage"}),
    "top": frozenset({"base", "hooks", "discovery", "workers", "host", "manage", "cli"}),
}
"""Each layer and the layers it may import from (besides itself)."""

THIRD_PARTY: Final = {
    "base": frozenset(),
    "hooks": frozenset({"pluggy"}),
    "discovery": frozenset({"packaging"}),  # Requires-Dist specifiers, judged before import
    "workers": frozenset(),
    # rich: the Rich help of an adopted Typer app that uses it (host/typer_help.py)
    "host": frozenset(
        {"click", "pluggy", "packaging", "platformdirs", "filelock", "typer", "rich"}
    ),
    "manage": frozenset({"click", "pluggy", "packaging", "platformdirs", "filelock", "typer"}),
    "cli": frozenset({"click", "pluggy", "packaging", "platformdirs", "filelock", "yaml"}),
    "top": frozenset(),
}
"""The third-party distributions each layer's own imports may name."""


def layer_of(module: str) -> str:
    """Return the layer of a pegboard module name."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in BELOW:
        return parts[1]
    if module == "pegboard.di":
        return "hooks"  # the container hands out registries: it sits with them
    if module in {"pegboard", "pegboard.__main__"}:
        return "top"
    return "base"


def modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        found.append((name, path))
    return found


KNOWN: Final = frozenset(name for name, _ in modules())


def imported_names(module: str, path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of its code (TYPE_CHECKING included)."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                # ``from pegboard import di`` imports the module pegboard.di; ``from
                # pegboard import Host`` imports the package pegboard itself.
                name = f"{base}.{alias.name}"
                names.add(name if name in KNOWN else base)
    return names


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_point_down_the_layers(module: str, path: Path) -> None:
    layer = layer_of(module)
    allowed = BELOW[layer] | {layer}
    wrong = sorted(
        name
        for name in imported_names(module, path)
        if (name in KNOWN or name.startswith("pegboard:"))
        and name != "pegboard"  # ``import pegboard`` alone loads no public name (PEP 562)
        and layer_of(name) not in allowed
    )
    assert wrong == [], f"{module} ({layer}) imports from a higher layer: {wrong}"


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_third_party_imports_fit_the_layer(module: str, path: Path) -> None:
    layer = layer_of(module)
    stdlib = sys.stdlib_module_names
    foreign = {
        name.split(".")[0]
        for name in imported_names(module, path)
        if name
        and name.split(".")[0].split(":")[0] not in stdlib
        and not name.startswith("pegboard")
    }
    assert foreign <= THIRD_PARTY[layer], f"{module} ({layer}) imports {foreign}"


LAYER_IMPORT = """
import json, pkgutil, sys, importlib
import pegboard.{layer} as layer
for info in pkgutil.walk_packages(layer.__path__, "pegboard.{layer}."):
    importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""

FORBIDDEN_AT_IMPORT: Final = {
    "hooks": {"click", "pegboard.discovery", "pegboard.host", "pegboard.manage", "pegboard.cli"},
    "discovery": {"click", "pluggy", "pegboard.hooks", "pegboard.host", "pegboard.cli"},
    "workers": {"click", "pluggy", "pegboard.discovery", "pegboard.hooks", "pegboard.host"},
    "host": {"pegboard.manage", "pegboard.cli", "typer", "rich", "yaml"},
    "manage": {"pegboard.cli", "yaml"},
}
"""What importing every module of a layer must not bring in (a prefix matches a package)."""


@pytest.mark.parametrize("layer", sorted(FORBIDDEN_AT_IMPORT))
def test_importing_a_layer_pulls_in_nothing_above_it(layer: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", LAYER_IMPORT.format(layer=layer)],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(out.stdout)
    bad = sorted(
        name
        for name in loaded
        for prefix in FORBIDDEN_AT_IMPORT[layer]
        if name == prefix or name.startswith(prefix + ".")
    )
    assert bad == [], f"importing pegboard.{layer} imports {bad}"
