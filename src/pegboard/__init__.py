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
        HookFailedError,
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
    from pegboard.hooks.context import StartupContext
    from pegboard.hooks.groups import command_group
    from pegboard.hooks.lifecycle import TRANSITIONS, PluginState
    from pegboard.hooks.outcome import HookOutcome
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.specs import POST_EXECUTE, PRE_EXECUTE, CoreSpec, hookimpl, hookspec
    from pegboard.hooks.telemetry import JsonLinesSink, MemorySink, NullSink, Telemetry
    from pegboard.host.completion import dynamic_choices
    from pegboard.host.host import Host
    from pegboard.host.library import aload_entrypoints, load_entrypoints
    from pegboard.host.observe import CommandOutcome

__all__ = [
    "POST_EXECUTE",
    "PRE_EXECUTE",
    "TRANSITIONS",
    "CommandNotFoundError",
    "CommandOutcome",
    "CoreSpec",
    "HookFailedError",
    "HookNotFoundError",
    "HookOutcome",
    "Host",
    "InstallError",
    "InvalidNameError",
    "InvalidTransitionError",
    "JsonLinesSink",
    "MemorySink",
    "NameConflictError",
    "NullSink",
    "PegboardError",
    "PluginDisabledError",
    "PluginLoadError",
    "PluginNotFoundError",
    "PluginRejectedError",
    "PluginState",
    "Registry",
    "RegistryError",
    "StartupContext",
    "StateFileError",
    "Telemetry",
    "__version__",
    "aload_entrypoints",
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
    "CommandOutcome": "pegboard.host.observe",
    "CoreSpec": "pegboard.hooks.specs",
    "HookCallError": "pegboard._errors",  # deprecated: warns, gives HookFailedError
    "HookFailedError": "pegboard._errors",
    "HookNotFoundError": "pegboard._errors",
    "HookOutcome": "pegboard.hooks.outcome",
    "Host": "pegboard.host.host",
    "aload_entrypoints": "pegboard.host.library",
    "load_entrypoints": "pegboard.host.library",
    "InstallError": "pegboard._errors",
    "InvalidNameError": "pegboard._errors",
    "InvalidTransitionError": "pegboard._errors",
    "JsonLinesSink": "pegboard.hooks.telemetry",
    "MemorySink": "pegboard.hooks.telemetry",
    "NameConflictError": "pegboard._errors",
    "NullSink": "pegboard.hooks.telemetry",
    "PegboardError": "pegboard._errors",
    "PluginDisabledError": "pegboard._errors",
    "PluginLoadError": "pegboard._errors",
    "PluginNotFoundError": "pegboard._errors",
    "PluginRejectedError": "pegboard._errors",
    "PluginState": "pegboard.hooks.lifecycle",
    "Registry": "pegboard.hooks.registry",
    "RegistryError": "pegboard._errors",
    "StartupContext": "pegboard.hooks.context",
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
    if name in __all__:  # deprecated names are looked up (and warn) every time
        globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
