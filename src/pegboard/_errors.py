"""The exception family of pegboard.

Every error pegboard raises on purpose is a :class:`PegboardError`. Each one carries the plugin
(or file) it is about and a hint saying what to do, so the command-line layer can print two
short lines and choose an exit code without parsing messages::

    PegboardError
    ├── CommandNotFoundError           no built-in or plugin command of that name
    ├── PluginDisabledError            the plugin is switched off for this run
    ├── RegistryError
    │   ├── PluginNotFoundError        (also a KeyError)
    │   ├── NameConflictError
    │   ├── InvalidNameError           (also a ValueError)
    │   ├── InvalidTransitionError
    │   └── PluginRejectedError        pluggy refused the plugin (e.g. a bad hookimpl)
    ├── HookNotFoundError              (also an AttributeError)
    ├── HookFailedError                a hook raised SystemExit, CancelledError or the like
    ├── PluginLoadError                a plugin could not be imported or started
    ├── StateFileError                 the enable/disable state could not be saved
    └── InstallError                   pip/uv failed, or the result failed verification

A hook implementation's own ``Exception`` is not wrapped: ``errors="raise"`` re-raises it with
a note (PEP 678) naming the plugin, or an ``ExceptionGroup`` of them when several fail.
``HookCallError`` is the deprecated name of :class:`HookFailedError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PegboardError(Exception):
    """Base of every error pegboard raises on purpose.

    ``plugin`` names the plugin the error is about (``None`` when it is about no single plugin)
    and ``hint`` tells a person what to do next.
    """

    def __init__(self, message: str, *, plugin: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.plugin = plugin
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n{self.hint}"


class RegistryError(PegboardError):
    """A registry operation was refused; the registry is unchanged."""


class PluginNotFoundError(RegistryError, KeyError):
    """No plugin (or alias) of that name is known.

    ``suggestions`` holds close matches, best first, for "did you mean …?" messages.
    """

    def __init__(self, name: str, suggestions: Iterable[str] = (), *, hint: str | None = None):
        self.suggestions = tuple(suggestions)
        message = f"Plugin {name!r} not found.{_did_you_mean(self.suggestions)}"
        super().__init__(message, plugin=name, hint=hint)

    # KeyError.__str__ would wrap the message in quotes.
    __str__ = PegboardError.__str__


class CommandNotFoundError(PegboardError):
    """No command of that name: neither one of the host's own nor a plugin's.

    ``suggestions`` holds close command names, best first.
    """

    def __init__(self, name: str, suggestions: Iterable[str] = (), *, hint: str | None = None):
        self.command = name
        self.suggestions = tuple(suggestions)
        super().__init__(f"No such command {name!r}.{_did_you_mean(self.suggestions)}", hint=hint)


class PluginDisabledError(PegboardError):
    """The plugin is installed but may not load in this run (disabled, or not selected)."""


def _did_you_mean(suggestions: tuple[str, ...]) -> str:
    """Return the " Did you mean …?" sentence for ``suggestions``, or nothing."""
    if not suggestions:
        return ""
    return " Did you mean " + " or ".join(repr(s) for s in suggestions) + "?"


class NameConflictError(RegistryError):
    """A name, alias or plugin object is already taken."""


class InvalidNameError(RegistryError, ValueError):
    """A plugin name or alias has a form pegboard does not accept."""


class InvalidTransitionError(RegistryError):
    """A lifecycle transition is not in the allowed table."""

    def __init__(self, plugin: str, current: object, target: object):
        self.current = current
        self.target = target
        super().__init__(
            f"Plugin {plugin!r} cannot go from {current} to {target}.",
            plugin=plugin,
            hint="Allowed moves are listed in pegboard.TRANSITIONS.",
        )


class PluginRejectedError(RegistryError):
    """pluggy refused to register the plugin (for example a hookimpl that does not match)."""


class HookNotFoundError(PegboardError, AttributeError):
    """No hook specification of that name exists."""

    def __init__(self, hook: str, known: Iterable[str]):
        self.hook = hook
        self.known = tuple(sorted(known))
        super().__init__(
            f"Hook {hook!r} not found.",
            hint="Known hooks: " + ", ".join(self.known) + ".",
        )

    __str__ = PegboardError.__str__


class HookFailedError(PegboardError):
    """A plugin's hook raised something that would stop the host if it were re-raised.

    ``errors="raise"`` re-raises a plugin's own ``Exception`` unchanged (with a note naming the
    plugin), so ``except ValueError`` in host code keeps working. ``SystemExit``,
    ``asyncio.CancelledError`` and other ``BaseException`` subclasses would end the process or
    cancel the caller's task instead, so they arrive wrapped in this error (chained as
    ``__cause__``). ``hook`` and ``error`` say which hook and what it raised.
    """

    def __init__(self, hook: str, plugin: str, error: BaseException):
        self.hook = hook
        self.error = error
        # No hint: what to run depends on the host's command, which the CLI layer adds.
        super().__init__(f"Plugin {plugin!r} raised {error!r} in hook {hook!r}.", plugin=plugin)


class PluginLoadError(PegboardError):
    """A plugin could not be imported, constructed or started.

    ``details`` holds the plugin's own traceback(s), shown with ``--debug``: pegboard's
    traceback of where it noticed the failure would not help anyone fix the plugin.
    ``failed`` names the plugins when the error is about several (strict mode).
    """

    def __init__(
        self,
        message: str,
        *,
        plugin: str | None = None,
        hint: str | None = None,
        details: str | None = None,
        failed: list[str] | None = None,
    ):
        super().__init__(message, plugin=plugin, hint=hint)
        self.details = details
        self.failed = failed or []


class StateFileError(PegboardError):
    """The enable/disable state could not be written."""


class InstallError(PegboardError):
    """Installing or uninstalling a plugin distribution failed."""


_DEPRECATED: dict[str, tuple[str, Any]] = {
    "HookCallError": ("HookFailedError", HookFailedError),
}
"""Old name → (new name, value): still importable, with a DeprecationWarning."""


def __getattr__(name: str) -> Any:
    """Return a deprecated name's replacement, warning the caller (PEP 562)."""
    if name not in _DEPRECATED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import warnings

    new_name, value = _DEPRECATED[name]
    warnings.warn(
        f"pegboard.{name} is deprecated, use pegboard.{new_name}: hooks now raise the plugin's "
        "own exception (with a note naming the plugin), and HookFailedError only for "
        "SystemExit, CancelledError and other BaseExceptions",
        DeprecationWarning,
        stacklevel=3,  # reached through pegboard.__getattr__: blame its caller
    )
    return value
