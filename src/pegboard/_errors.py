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
    ├── HookCallError                  a plugin's implementation raised or timed out
    ├── PluginLoadError                a plugin could not be imported or started
    ├── StateFileError                 the enable/disable state could not be saved
    └── InstallError                   pip/uv failed, or the result failed verification
"""

from __future__ import annotations

from collections.abc import Iterable


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
        message = f"No plugin named {name!r}.{_did_you_mean(self.suggestions)}"
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
            f"No hook named {hook!r}.",
            hint="Known hooks: " + ", ".join(self.known) + ".",
        )

    __str__ = PegboardError.__str__


class HookCallError(PegboardError):
    """A plugin's hook implementation raised or timed out.

    The original exception is chained as ``__cause__``; ``hook`` names the hook.
    """

    def __init__(self, hook: str, plugin: str, error: BaseException):
        self.hook = hook
        self.error = error
        what = "timed out" if isinstance(error, TimeoutError) else f"raised {error!r}"
        super().__init__(
            f"Plugin {plugin!r} {what} in hook {hook!r}.",
            plugin=plugin,
            hint=f"Run `pegboard plugins check {plugin}` for details, or disable the plugin.",
        )


class PluginLoadError(PegboardError):
    """A plugin could not be imported, constructed or started."""


class StateFileError(PegboardError):
    """The enable/disable state could not be written."""


class InstallError(PegboardError):
    """Installing or uninstalling a plugin distribution failed."""
