"""The pluggy manager under every registry: pegboard's markers, and other projects' refused.

pluggy reads one project's markers and skips every other implementation silently. A
registry here reads its own project's markers and pegboard's (so plugin authors need one
marker whatever host they target), takes a plugin object's plain ``startup``, ``shutdown``
and ``health`` methods as implementations, and refuses a marker of any other project with an
error naming that project.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Final, cast

import pluggy

from pegboard._errors import RegistryError
from pegboard.hooks.names import PROJECT, UNMARKED_IMPLEMENTATIONS

_IMPL_SUFFIX: Final = "_impl"
_SPEC_SUFFIX: Final = "_spec"


class Manager(pluggy.PluginManager):
    """A pluggy manager that also reads pegboard's markers and unmarked lifecycle methods.

    A host with its own project name still accepts ``pegboard.hookimpl``, so plugin authors
    need only one marker whatever host they target. A marker of any other project is refused
    with an error naming that project: pluggy alone would skip the implementation silently.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        # This runs for every attribute of every plugin: dunders and non-routines (pluggy's
        # own test) are decided before anything slower.
        if opts is not None or name.startswith("__"):
            return opts
        method = getattr(plugin, name, None)
        if not inspect.isroutine(method):
            return None
        marks = getattr(method, "__dict__", None)  # a bound method shows its function's
        if marks:
            marked: pluggy.HookimplOpts | None = marks.get(PROJECT + _IMPL_SUFFIX)
            if marked is not None:
                return marked
            foreign = self._foreign(marks, _IMPL_SUFFIX)
            if foreign is not None:
                raise pluggy.PluginValidationError(
                    plugin,
                    f"its hook implementation {name!r} is marked with the hookimpl marker of "
                    f"project {foreign!r}, but this registry reads the markers of "
                    f"{self._readable()}; mark it with pegboard.hookimpl, or create the "
                    f"registry with Registry(project={foreign!r})",
                )
        if name in UNMARKED_IMPLEMENTATIONS:
            found = inspect.getattr_static(plugin, name, None)
            function = found.__func__ if isinstance(found, staticmethod | classmethod) else found
            if inspect.isfunction(function):
                return cast(pluggy.HookimplOpts, {})  # pluggy fills in the defaults
        return None

    def parse_hookspec_opts(
        self, module_or_class: ModuleType | type, name: str
    ) -> pluggy.HookspecOpts | None:
        opts = super().parse_hookspec_opts(module_or_class, name)
        if opts is not None:
            return opts
        marks = getattr(getattr(module_or_class, name, None), "__dict__", None)
        if not marks:
            return None
        opts = marks.get(PROJECT + _SPEC_SUFFIX)
        if opts is not None:
            return cast(pluggy.HookspecOpts, opts)
        foreign = self._foreign(marks, _SPEC_SUFFIX)
        if foreign is not None:
            owner = getattr(module_or_class, "__qualname__", module_or_class.__name__)
            raise RegistryError(
                f"Hook specification {owner}.{name} is marked with the hookspec marker of "
                f"project {foreign!r}, but this registry reads the markers of "
                f"{self._readable()}.",
                hint=f"Mark it with pegboard.hookspec, or create the registry with "
                f"Registry(project={foreign!r}).",
            )
        return None

    def _foreign(self, marks: Mapping[str, Any], suffix: str) -> str | None:
        """Return the project of a pluggy marker in ``marks`` that this manager does not read."""
        for key, value in marks.items():
            if key.endswith(suffix) and isinstance(value, dict):
                project = key.removesuffix(suffix)
                if project not in (self.project_name, PROJECT):
                    return project
        return None

    def _readable(self) -> str:
        if self.project_name == PROJECT:
            return repr(PROJECT)
        return f"{self.project_name!r} and {PROJECT!r}"
