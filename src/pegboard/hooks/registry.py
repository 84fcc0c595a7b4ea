"""The plugin registry: names, aliases, metadata and lifecycle states over one pluggy manager.

Invariants (checked by the state-machine test):

* a name has a plugin object exactly when its state is INSTALLED, ACTIVE or INACTIVE;
* a plugin is registered with pluggy exactly when its state is ACTIVE;
* an alias always points at a name that has a plugin object.

Every operation touches a fixed number of dictionary entries, so its cost in pegboard's own
code does not grow with the number of plugins.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from types import MappingProxyType, ModuleType
from typing import Any, Final, Literal, cast

import pluggy

from pegboard._errors import (
    HookNotFoundError,
    NameConflictError,
    PegboardError,
    PluginNotFoundError,
    PluginRejectedError,
    RegistryError,
)
from pegboard._names import suggest, validate_name
from pegboard.hooks.dispatch import (
    HookOutcome,
    PreparedHook,
    call_full,
    call_plain,
    check_arguments,
    first_error,
    prepare,
    restrict,
)
from pegboard.hooks.lifecycle import PluginState, check_transition, path
from pegboard.hooks.specs import PROJECT, UNMARKED_IMPLEMENTATIONS, CoreSpec
from pegboard.hooks.telemetry import Emitter, MemorySink, Telemetry

logger = logging.getLogger(__name__)

ErrorPolicy = Literal["raise", "collect"]

_HOLDS_OBJECT: Final = frozenset({PluginState.INSTALLED, PluginState.ACTIVE, PluginState.INACTIVE})
_UNKNOWN_VERSION: Final = "unknown"


class _Manager(pluggy.PluginManager):
    """A pluggy manager that also reads pegboard's markers and unmarked lifecycle methods.

    A host with its own project name still accepts ``pegboard.hookimpl``, so plugin authors
    need only one marker whatever host they target.
    """

    def parse_hookimpl_opts(self, plugin: object, name: str) -> pluggy.HookimplOpts | None:
        opts = super().parse_hookimpl_opts(plugin, name)
        # pluggy has already looked for this project's marker; look further only where
        # something else can match, since this runs for every attribute of every plugin.
        if opts is not None or (
            self.project_name == PROJECT and name not in UNMARKED_IMPLEMENTATIONS
        ):
            return opts
        found = inspect.getattr_static(plugin, name, None)
        if found is None:
            return None
        function = found.__func__ if isinstance(found, staticmethod | classmethod) else found
        marked: pluggy.HookimplOpts | None = getattr(function, PROJECT + "_impl", None)
        if marked is not None:
            return marked
        if name in UNMARKED_IMPLEMENTATIONS and inspect.isfunction(function):
            return cast(pluggy.HookimplOpts, {})  # pluggy fills in the defaults
        return None

    def parse_hookspec_opts(
        self, module_or_class: ModuleType | type, name: str
    ) -> pluggy.HookspecOpts | None:
        opts = super().parse_hookspec_opts(module_or_class, name)
        if opts is None:
            opts = getattr(getattr(module_or_class, name, None), PROJECT + "_spec", None)
        return opts


class Registry:
    """Registered plugins of one host, with their names, aliases, metadata and states.

    ``telemetry`` receives an event for every registration and state change (an in-memory
    sink by default). ``project`` is the pluggy project name; ``hookspecs`` are the host's own
    specification classes, added to :class:`~pegboard.CoreSpec`.
    """

    def __init__(
        self,
        telemetry: Telemetry | None = None,
        *,
        project: str = PROJECT,
        hookspecs: Iterable[ModuleType | type] = (),
    ):
        self.telemetry: Telemetry = telemetry if telemetry is not None else MemorySink()
        self._emit = Emitter(self.telemetry).emit
        self._pm = _Manager(project)
        self._pm.add_hookspecs(CoreSpec)
        for spec in hookspecs:
            self._pm.add_hookspecs(spec)
        self._plugins: dict[str, object] = {}
        self._ids: dict[int, str] = {}
        self._aliases: dict[str, str] = {}
        self._alias_of: dict[str, str] = {}
        self._states: dict[str, PluginState] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._prepared: dict[str, PreparedHook] = {}
        self._commands: dict[tuple[str, str], Callable[..., Any]] = {}
        self._group_versions: dict[str, str] = {}
        self.mapping: Mapping[str, object] = MappingProxyType(self._plugins)
        """Read-only live view of name → plugin object (INSTALLED, ACTIVE or INACTIVE)."""

    # -- names ---------------------------------------------------------------------------

    def register(
        self,
        name: str,
        plugin: object,
        *,
        alias: str | None = None,
        version: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        activate: bool = True,
    ) -> object:
        """Register ``plugin`` under ``name`` and return it.

        It ends ACTIVE (hooks called), or INSTALLED with ``activate=False``. Nothing is
        changed when the name, alias or object is taken or when pluggy rejects the plugin.
        """
        validate_name(name)
        if alias is not None:
            validate_name(alias, what="alias")
        self._check_free(name, plugin, alias)
        target = PluginState.ACTIVE if activate else PluginState.INSTALLED
        steps = path(name, self._states.get(name), target)
        if activate:
            self._pluggy_register(name, plugin)
        self._plugins[name] = plugin
        self._ids[id(plugin)] = name
        if alias is not None:
            self._aliases[alias] = name
            self._alias_of[name] = alias
        self._meta[name] = {"version": version or _UNKNOWN_VERSION, **(metadata or {})}
        for step in steps:
            self._set_state(name, step)
        return plugin

    def deregister(self, name_or_alias: str) -> object:
        """Remove a plugin (state REMOVED) and return its object; its name may be reused."""
        name = self._resolve(name_or_alias)
        plugin = self._plugins.get(name)
        self.transition(name, PluginState.REMOVED)
        return plugin

    def get(self, name_or_alias: str) -> object:
        """Return the plugin object registered under a name or alias."""
        try:
            return self._plugins[name_or_alias]
        except KeyError:
            name = self._aliases.get(name_or_alias)
            if name is None:
                raise self._not_found(name_or_alias) from None
            return self._plugins[name]

    def has(self, name_or_alias: str) -> bool:
        """Whether a plugin object is registered under this name or alias."""
        return name_or_alias in self._plugins or name_or_alias in self._aliases

    def names(self) -> list[str]:
        """Return the names of registered plugins, in registration order."""
        return list(self._plugins)

    def alias(self, name_or_alias: str) -> str | None:
        """Return the alias of a plugin, if it has one."""
        return self._alias_of.get(self._resolve(name_or_alias))

    def meta(self, name_or_alias: str) -> Mapping[str, Any]:
        """Return a read-only view of a plugin's metadata (``version`` at least).

        Known for every name with a state, so a FAILED plugin's ``reason`` is here too.
        """
        name = self._resolve(name_or_alias)
        return MappingProxyType(self._meta.setdefault(name, {"version": _UNKNOWN_VERSION}))

    def update_meta(self, name_or_alias: str, **values: Any) -> None:
        """Merge ``values`` into a plugin's metadata."""
        name = self._resolve(name_or_alias)
        self._meta.setdefault(name, {"version": _UNKNOWN_VERSION}).update(values)

    def state(self, name_or_alias: str) -> PluginState:
        """Return the lifecycle state recorded for a name or alias."""
        return self._states[self._resolve(name_or_alias)]

    def transition(self, name_or_alias: str, state: PluginState) -> None:
        """Move a plugin to ``state`` along one allowed move.

        A name never seen before may enter any state (discovery records DISCOVERED or
        FAILED before any object exists). Entering INACTIVE, FAILED or REMOVED stops its hooks
        from being called; FAILED and REMOVED also drop the object and its alias.
        """
        name = self._aliases.get(name_or_alias, name_or_alias)
        if name not in self._states:
            validate_name(name)
        current = self._states.get(name)
        if current == state:
            return
        check_transition(name, current, state)
        plugin = self._plugins.get(name)
        if state in _HOLDS_OBJECT and plugin is None:
            raise RegistryError(
                f"Plugin {name!r} cannot become {state}: it has no plugin object.",
                plugin=name,
                hint="Register the plugin object with Registry.register() first.",
            )
        if state is PluginState.ACTIVE:
            self._pluggy_register(name, plugin)
        elif current is PluginState.ACTIVE:
            self._pm.unregister(name=name)
            self._prepared.clear()
        if state not in _HOLDS_OBJECT and plugin is not None:
            del self._plugins[name]
            del self._ids[id(plugin)]
            alias = self._alias_of.pop(name, None)
            if alias is not None:
                del self._aliases[alias]
        self._set_state(name, state)

    def emit(self, event: str, **payload: Any) -> None:
        """Send a telemetry event to the registry's sink; a failing sink is only logged."""
        self._emit(event, **payload)

    # -- hooks ---------------------------------------------------------------------------

    def add_hookspecs(self, spec: ModuleType | type) -> None:
        """Add a host's hook specification class or module."""
        self._pm.add_hookspecs(spec)
        self._prepared.clear()

    def hook_names(self) -> list[str]:
        """Return the names of all hooks with a specification, sorted."""
        relay = vars(self._pm.hook)
        return sorted(name for name, caller in relay.items() if caller.has_spec())

    def implemented_hooks(self, name_or_alias: str) -> list[str]:
        """Return the hooks an ACTIVE plugin implements, sorted."""
        plugin = self._plugins.get(self._resolve(name_or_alias))
        callers = self._pm.get_hookcallers(plugin) if plugin is not None else None
        return sorted(caller.name for caller in callers or ())

    def call_hook_sync(
        self,
        hook: str,
        /,
        *,
        timeout: float | None = None,
        errors: ErrorPolicy = "raise",
        **kwargs: Any,
    ) -> Any:
        """Call ``hook`` from code without a running event loop; see :meth:`call_hook`."""
        _refuse_inside_loop()
        prepared = self._prepared_hook(hook)
        call_kwargs = check_arguments(prepared, kwargs)
        if prepared.simple:
            results, failures = call_plain(prepared, call_kwargs)
            self._settle(prepared.name, failures, errors)
            if prepared.firstresult:
                return results[0] if results else None
            return results
        value, outcomes = _run(
            call_full(prepared, call_kwargs, timeout=timeout, offload_sync=False)
        )
        self._settle(prepared.name, _failures(outcomes), errors)
        return value

    async def call_hook(
        self,
        hook: str,
        /,
        *,
        timeout: float | None = None,
        errors: ErrorPolicy = "raise",
        **kwargs: Any,
    ) -> Any:
        """Call every implementation of ``hook`` and return the non-None results in order.

        ``async def`` implementations run concurrently, each bounded by ``timeout`` seconds.
        One plugin's exception or timeout never stops the others; afterwards the first one is
        raised as :class:`~pegboard.HookCallError` (``errors="raise"``) or only logged and
        sent to telemetry (``errors="collect"``). ``firstresult`` hooks return one value.
        """
        prepared = self._prepared_hook(hook)
        call_kwargs = check_arguments(prepared, kwargs)
        value, outcomes = await call_full(
            prepared, call_kwargs, timeout=timeout, offload_sync=False
        )
        self._settle(prepared.name, _failures(outcomes), errors)
        return value

    async def call_hook_detailed(
        self,
        hook: str,
        /,
        *,
        timeout: float | None = None,
        errors: ErrorPolicy = "collect",
        offload_sync: bool = False,
        only: Collection[str] | None = None,
        **kwargs: Any,
    ) -> list[HookOutcome]:
        """Call ``hook`` and return one :class:`~pegboard.HookOutcome` per implementation.

        Outcomes carry the plugin name, its result or error and its duration, so a host can
        report who failed and who was slow. With ``offload_sync`` synchronous implementations
        run in daemon threads so that ``timeout`` bounds them as well (used for ``startup``).
        ``only`` limits the call to the implementations of those plugins (a host starts the
        plugins it loads later in an invocation without starting the earlier ones again).
        """
        prepared = self._prepared_hook(hook, only)
        call_kwargs = check_arguments(prepared, kwargs)
        _, outcomes = await call_full(
            prepared, call_kwargs, timeout=timeout, offload_sync=offload_sync
        )
        self._settle(prepared.name, _failures(outcomes), errors)
        return outcomes

    def call_hook_detailed_sync(
        self,
        hook: str,
        /,
        *,
        timeout: float | None = None,
        errors: ErrorPolicy = "collect",
        offload_sync: bool = False,
        only: Collection[str] | None = None,
        **kwargs: Any,
    ) -> list[HookOutcome]:
        """Run :meth:`call_hook_detailed` from code without a running event loop."""
        _refuse_inside_loop()
        prepared = self._prepared_hook(hook, only)
        if not prepared.plain and not prepared.wrappers:
            # Nothing to run: spare the caller the cost of starting asyncio, but still report
            # a call with missing arguments, which is the host's bug whatever is installed.
            check_arguments(prepared, kwargs)
            return []
        outcomes: list[HookOutcome] = _run(
            self.call_hook_detailed(
                hook, timeout=timeout, errors=errors, offload_sync=offload_sync, only=only, **kwargs
            )
        )
        return outcomes

    # -- commands ------------------------------------------------------------------------

    def add_command(
        self, group: str, name: str, command: Callable[..., Any], *, version: str | None = None
    ) -> None:
        """Record ``command`` as the subcommand ``name`` of the command group ``group``."""
        validate_name(group, what="command group name")
        validate_name(name, what="command name")
        key = (group, name)
        if key in self._commands:
            raise NameConflictError(
                f"Command '{group} {name}' is already registered.",
                hint="Give the command another name, or remove the other registration.",
            )
        self._commands[key] = command
        if version is not None:
            self._group_versions[group] = version

    def group_version(self, group: str) -> str | None:
        """Return the version given for a command group by ``command_group``, if any."""
        return self._group_versions.get(group)

    def commands(self) -> Mapping[tuple[str, str], Callable[..., Any]]:
        """Return a read-only view of (group, name) → command function."""
        return MappingProxyType(self._commands)

    # -- internals -----------------------------------------------------------------------

    def _resolve(self, name_or_alias: str) -> str:
        if name_or_alias in self._states:
            return name_or_alias
        name = self._aliases.get(name_or_alias)
        if name is None:
            raise self._not_found(name_or_alias)
        return name

    def _not_found(self, name: str) -> PluginNotFoundError:
        known = [*self._plugins, *self._aliases]
        return PluginNotFoundError(name, suggest(name, known) if isinstance(name, str) else ())

    def _check_free(self, name: str, plugin: object, alias: str | None) -> None:
        if name in self._plugins:
            raise NameConflictError(
                f"Plugin name {name!r} is already registered.",
                plugin=name,
                hint="Deregister the other plugin first, or choose another name.",
            )
        if name in self._aliases:
            raise NameConflictError(
                f"Plugin name {name!r} is already an alias of plugin {self._aliases[name]!r}.",
                plugin=name,
                hint="Choose another name.",
            )
        if id(plugin) in self._ids:
            raise NameConflictError(
                f"This plugin object is already registered as {self._ids[id(plugin)]!r}.",
                plugin=name,
                hint="Register each plugin object once; use an alias for a second name.",
            )
        if alias is None:
            return
        # Any recorded name counts, with or without an object: a removed or failed name that
        # was also an alias would resolve to one plugin in state() and to another in get().
        if alias == name or alias in self._states:
            raise NameConflictError(
                f"Alias {alias!r} of plugin {name!r} is already a plugin name.",
                plugin=name,
                hint="Choose an alias that no plugin uses as its name.",
            )
        if alias in self._aliases:
            raise NameConflictError(
                f"Alias {alias!r} of plugin {name!r} is already an alias of "
                f"plugin {self._aliases[alias]!r}.",
                plugin=name,
                hint="Choose another alias.",
            )

    def _pluggy_register(self, name: str, plugin: object) -> None:
        try:
            self._pm.register(plugin, name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            # Older pluggy releases can fail half-way; leave nothing behind either way.
            if self._pm.get_plugin(name) is not None:
                self._pm.unregister(name=name)
            raise PluginRejectedError(
                f"pluggy rejected plugin {name!r}: {exc}",
                plugin=name,
                hint="Check that every hookimpl matches a hook specification's arguments.",
            ) from exc
        finally:
            self._prepared.clear()

    def _set_state(self, name: str, state: PluginState) -> None:
        previous = self._states.get(name)
        self._states[name] = state
        self._emit("plugin.state", plugin=name, previous=str(previous), state=str(state))

    def _prepared_hook(self, hook: str, only: Collection[str] | None = None) -> PreparedHook:
        try:
            prepared = self._prepared[hook]
        except KeyError:
            caller: pluggy.HookCaller | None = getattr(self._pm.hook, hook, None)
            if caller is None or not isinstance(caller, pluggy.HookCaller):
                raise HookNotFoundError(hook, self.hook_names()) from None
            prepared = self._prepared[hook] = prepare(caller)
        return prepared if only is None else restrict(prepared, only)

    def _settle(
        self, hook: str, failures: list[tuple[str, BaseException]], errors: ErrorPolicy
    ) -> None:
        """Report hook failures in the one place they are handled."""
        for plugin, error in failures:
            logger.debug("plugin %r failed in hook %r", plugin, hook, exc_info=error)
            self._emit("hook.failed", hook=hook, plugin=plugin, error=repr(error))
        if errors == "raise":
            exc = first_error(hook, failures)
            if exc is not None:
                raise exc


def _failures(outcomes: list[HookOutcome]) -> list[tuple[str, BaseException]]:
    return [(o.plugin, o.error) for o in outcomes if o.error is not None]


def _refuse_inside_loop() -> None:
    """Raise PegboardError when called with an event loop running in this thread.

    The synchronous calls need ``asyncio.run`` for async implementations and wrappers; refusing
    every time, not only when such a plugin is installed, keeps a host's behaviour independent
    of what its users install. No loop can run before asyncio is imported, so the check costs
    a dictionary lookup on the startup path.
    """
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise PegboardError(
        "A synchronous hook call was made inside a running event loop.",
        hint="Use `await registry.call_hook(...)` (or call_hook_detailed) in async code.",
    )


def _run(coroutine: Any) -> Any:
    """Run ``coroutine`` to completion from synchronous code (no loop is running)."""
    import asyncio

    return asyncio.run(coroutine)
