"""Find the source file of a plugin installed in editable mode, without importing it.

An editable install (PEP 660; PEP 610 records it as ``dir_info.editable`` in the
``direct_url.json`` of its dist-info folder) runs the author's working copy: editing the code
changes the plugin's help, hooks and kind without touching any ``sys.path`` folder. The
manifest watches the file of each editable plugin's entry-point module instead (one stat per
editable plugin on every start).
"""

from __future__ import annotations

import json
import os
import sys

from pegboard.discovery.metadata import read_bytes


def is_editable(info: str) -> bool:
    """Whether dist-info folder ``info`` records an editable install (PEP 610)."""
    path = f"{info}{os.sep}direct_url.json"
    if not os.path.exists(path):
        return False  # the common case: one stat instead of an open
    try:
        text = read_bytes(path, 1 << 16)
        data = json.loads(text) if text is not None else None
    except (OSError, ValueError, RecursionError):
        return False
    dir_info = data.get("dir_info") if isinstance(data, dict) else None
    return isinstance(dir_info, dict) and dir_info.get("editable") is True


def module_file(target: str) -> str | None:
    """Return the file that defines the module of entry-point ``target``, or None.

    Asks the import system's finders (which include the finders editable installs add),
    one package level at a time: ``importlib.util.find_spec`` would import the parent
    packages, that is, run plugin code.
    """
    parts = target.partition(":")[0].split(".")
    search: list[str] | None = None
    origin = None
    for depth in range(len(parts)):
        name = ".".join(parts[: depth + 1])
        spec = None
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            try:
                spec = find_spec(name, search)
            except Exception:  # a third-party finder's failure means "not found here"
                spec = None
            if spec is not None:
                break
        if spec is None:
            return None
        origin = spec.origin if spec.has_location else None
        locations = spec.submodule_search_locations
        search = list(locations) if locations is not None else None
        if search is None and depth < len(parts) - 1:
            return None
    return origin
