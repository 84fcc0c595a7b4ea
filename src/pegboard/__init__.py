"""pegboard: a plugin platform for Python command-line applications.

The public names below load their modules on first use (PEP 562), because ``import pegboard``
runs on every start of every host: ``pegboard --help`` must not pay for pluggy, the hook
machinery or discovery when it only reads the manifest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from pegboard._version import __version__

if TYPE_CHECKING:
    from pegboard._errors import (
        CommandNotFoundError,
        HookCallError,
        HookNotFoundError,
        InstallError,
        InvalidNameError,
        InvalidTransitionError,
        NameConflictError,
        PegboardError,
        PluginDisabledError,
        PluginLoadError,
        PluginNotFoundError,
        PluginRejectedError,
        RegistryError,
        StateFileError,
    )
    from pegboard.hooks.dispatch import HookOutcome
    from pegboard.hooks.groups import command_group
    from pegboard.hooks.lifecycle import TRANSITIONS, PluginState
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.specs import POST_EXECUTE, PRE_EXECUTE, CoreSpec, hookimpl, hookspec
    from pegboard.hooks.telemetry import JsonLinesSink, MemorySink, Telemetry
    from pegboard.host.completion import dynamic_choices
    from pegboard.host.host import Host
    from pegboard.host.library import load_entrypoints

__all__ = [
    "POST_EXECUTE",
    "PRE_EXECUTE",
    "TRANSITIONS",
    "CommandNotFoundError",
    "CoreSpec",
    "HookCallError",
    "HookNotFoundError",
    "HookOutcome",
    "Host",
    "InstallError",
    "InvalidNameError",
    "InvalidTransitionError",
    "JsonLinesSink",
    "MemorySink",
    "NameConflictError",
    "PegboardError",
    "PluginDisabledError",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginRejectedError",
    "PluginState",
    "Registry",
    "RegistryError",
    "StateFileError",
    "Telemetry",
    "__version__",
    "command_group",
    "dynamic_choices",
    "hookimpl",
    "hookspec",
    "load_entrypoints",
]

_HOMES: Final = {
    "POST_EXECUTE": "pegboard.hooks.names",
    "PRE_EXECUTE": "pegboard.hooks.names",
    "TRANSITIONS": "pegboard.hooks.lifecycle",
    "CommandNotFoundError": "pegboard._errors",
    "CoreSpec": "pegboard.hooks.specs",
    "HookCallError": "pegboard._errors",
    "HookNotFoundError": "pegboard._errors",
    "HookOutcome": "pegboard.hooks.dispatch",
    "Host": "pegboard.host.host",
    "load_entrypoints": "pegboard.host.library",
    "InstallError": "pegboard._errors",
    "InvalidNameError": "pegboard._errors",
    "InvalidTransitionError": "pegboard._errors",
    "JsonLinesSink": "pegboard.hooks.telemetry",
    "MemorySink": "pegboard.hooks.telemetry",
    "NameConflictError": "pegboard._errors",
    "PegboardError": "pegboard._errors",
    "PluginDisabledError": "pegboard._errors",
    "PluginLoadError": "pegboard._errors",
    "PluginNotFoundError": "pegboard._errors",
    "PluginRejectedError": "pegboard._errors",
    "PluginState": "pegboard.hooks.lifecycle",
    "Registry": "pegboard.hooks.registry",
    "RegistryError": "pegboard._errors",
    "StateFileError": "pegboard._errors",
    "Telemetry": "pegboard.hooks.telemetry",
    "command_group": "pegboard.hooks.groups",
    "dynamic_choices": "pegboard.host.completion",
    "hookimpl": "pegboard.hooks.specs",
    "hookspec": "pegboard.hooks.specs",
}
"""Public name → the private module that defines it."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pegboard' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
