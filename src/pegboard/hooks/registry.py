"""The plugin registry: names, aliases, metadata and lifecycle states over one pluggy manager.

Invariants (checked by the state-machine test):

* a name has a plugin object exactly when its state is INSTALLED, ACTIVE or INACTIVE;
* a plugin is registered with pluggy exactly when its state is ACTIVE;
* an alias always points at a name that has a plugin object.

Every operation touches a fixed number of dictionary entries, so its cost in pegboard's own
code does not grow with the number of plugins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping
from types import MappingProxyType, ModuleType
from typing import Any, Final, Literal

import pluggy

from pegboard._errors import (
    HookNotFoundError,
    InvalidNameError,
    NameConflictError,
    PluginNotFoundError,
    PluginRejectedError,
    RegistryError,
)
from pegboard._log import get_logger
from pegboard._names import suggest, validate_name
from pegboard.hooks.dispatch import (
    Failure,
    PreparedHook,
    call_full,
    call_in_thread,
    call_plain,
    call_plain_bounded,
    check_arguments,
    error_to_raise,
    prepare,
    restrict,
)
from pegboard.hooks.lifecycle import PluginState, check_transition, path
from pegboard.hooks.manager import Manager
from pegboard.hooks.names import DEFAULT_TIMEOUTS, OPTIONAL_ARGUMENTS
from pegboard.hooks.outcome import HookOutcome
from pegboard.hooks.specs import PROJECT, CoreSpec
from pegboard.hooks.telemetry import Emitter, MemorySink, Telemetry

logger = get_logger(__name__)

ErrorPolicy = Literal["raise", "collect"]


_HOLDS_OBJECT: Final = frozenset({PluginState.INSTALLED, PluginState.ACTIVE, PluginState.INACTIVE})
_UNKNOWN_VERSION: Final = "unknown"


class Registry:
    """Registered plugins of one host, with their names, aliases, metadata and states.

    ``telemetry`` receives the events of :data:`~pegboard.hooks.telemetry.EVENTS`: every
    mutation and every hook call (an in-memory sink by default; :class:`~pegboard.NullSink`
    turns them off at no cost). ``project`` is the pluggy project name; ``hookspecs`` are the
    host's own specification classes, added to :class:`~pegboard.CoreSpec`. ``timeouts`` bound
    hooks called without an explicit ``timeout`` (by default the lifecycle and execution hooks
    of :data:`~pegboard.hooks.names.DEFAULT_TIMEOUTS`).
    """

    def __init__(
        self,
        telemetry: Telemetry | None = None,
        *,
        project: str = PROJECT,
        hookspecs: Iterable[ModuleType | type] = (),
        timeouts: Mapping[str, float] = DEFAULT_TIMEOUTS,
    ):
        self.telemetry: Telemetry = telemetry if telemetry is not None else MemorySink()
        emitter = Emitter(self.telemetry)
        self._emit = emitter.emit
        self._observed = emitter.enabled
        self.timeouts: dict[str, float] = dict(timeouts)
        """Seconds each hook may take when called without ``timeout``; absent: unbounded."""
        self._pm = Manager(project)
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
        if self._observed:
            self._emit("registry_register", name=name, alias=alias, version=version)
        for step in steps:
            self._set_state(name, step)
        return plugin

    def deregister(self, name_or_alias: str) -> object:
        """Remove a plugin (state REMOVED) and return its object; its name may be reused."""
        name = self._resolve(name_or_alias)
        plugin = self._plugins.get(name)
        self.transition(name, PluginState.REMOVED)
        if self._observed:
            self._emit("registry_deregister", name=name)
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
        if self._observed:
            self._emit("registry_meta_updated", name=name, keys=sorted(values))

    def state(self, name_or_alias: str) -> PluginState:
        """Return the lifecycle state recorded for a name or alias."""
        return self._states[self._resolve(name_or_alias)]

    def transition(self, name_or_alias: str, state: PluginState) -> None:
        """Move a plugin to ``state`` along one allowed move.

        A name never seen before may enter any state (discovery records DISCOVERED or
        FAILED before any object exists). Entering INACTIVE, FAILED or REMOVED stops its hooks
        from being called; FAILED and REMOVED also drop the object and its alias. A name that
        could never be registered (``"bad name"``) may still be recorded as FAILED, so that a
        refused entry point is reported under the name its author gave it.
        """
        name = self._aliases.get(name_or_alias, name_or_alias)
        if name not in self._states:
            if state is not PluginState.FAILED:
                validate_name(name)
            elif not isinstance(name, str) or not name:
                raise InvalidNameError(f"Invalid plugin name {name!r}: it must be a string.")
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

    def emit(self, event: str, /, **payload: Any) -> None:
        """Send a telemetry event to the registry's sink.

        A sink that raises is logged and reported as ``registry_telemetry_failed``; the caller
        never sees its exception.
        """
        self._emit(event, **payload)

    # -- hooks ---------------------------------------------------------------------------

    def add_hookspecs(self, spec: ModuleType | type) -> None:
        """Add a host's hook specification class or module."""
        self._pm.add_hookspecs(spec)
        self._prepared.clear()
        if self._observed:
            self._emit("registry_hookspecs", spec=getattr(spec, "__qualname__", repr(spec)))

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
        on_failure: Callable[[str, BaseException], None] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Call ``hook`` from synchronous code; see :meth:`call_hook`.

        Works with or without a running event loop: async implementations and wrappers then
        run on a private loop in a daemon thread, so a plugin cannot hang the caller past the
        bound. With ``errors="collect"``, ``on_failure(plugin, error)`` is called for each
        implementation that raised or timed out, after it is logged: a host can tell its user,
        where the log and telemetry alone would be silent.
        """
        prepared, call_kwargs, bound = self._begin(hook, kwargs, timeout)
        start = time.perf_counter() if self._observed else 0.0
        if prepared.simple:
            if bound is None:
                results, failures = call_plain(prepared, call_kwargs)
            else:
                results, failures = call_plain_bounded(prepared, call_kwargs, bound)
            value = (results[0] if results else None) if prepared.firstresult else results
        else:
            value, outcomes = call_in_thread(
                prepared, call_kwargs, timeout=bound, offload_sync=False
            )
            failures = _failures(outcomes)
        self._settle(prepared, failures, errors, start)
        if on_failure is not None:
            for plugin, error in failures:
                on_failure(plugin, error)
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

        ``async def`` implementations run concurrently on the running loop, each bounded by
        ``timeout`` seconds (by default the hook's entry in :attr:`timeouts`, if any); with a
        bound, synchronous ones run in daemon threads, one after another. An implementation
        that overruns is cancelled and abandoned. One plugin's failure never stops the others;
        afterwards ``errors="raise"`` raises the plugin's own exception with a note naming the
        plugin (an ``ExceptionGroup`` when several failed), and ``errors="collect"`` only logs
        it and sends it to telemetry. ``firstresult`` hooks return one value.
        """
        value, _ = await self._acall(hook, kwargs, timeout, errors, offload_sync=False)
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
        run concurrently in daemon threads (under a bound they otherwise run one at a time).
        ``only`` limits the call to the implementations of those plugins (a host starts the
        plugins it loads later in an invocation without starting the earlier ones again).
        """
        _, outcomes = await self._acall(
            hook, kwargs, timeout, errors, offload_sync=offload_sync, only=only
        )
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
        """Run :meth:`call_hook_detailed` from synchronous code, loop or no loop."""
        prepared, call_kwargs, bound = self._begin(hook, kwargs, timeout, only)
        start = time.perf_counter() if self._observed else 0.0
        outcomes: list[HookOutcome] = []
        if prepared.plain or prepared.wrappers:  # else spare the cost of an event loop
            _, outcomes = call_in_thread(
                prepared, call_kwargs, timeout=bound, offload_sync=offload_sync
            )
        self._settle(prepared, _failures(outcomes), errors, start)
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
        if self._observed:
            self._emit("command_group_registered", group=group, name=name, version=version)

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
        if self._observed:
            self._emit("registry_transition", name=name, previous=previous, state=state)

    def _prepared_hook(self, hook: str) -> PreparedHook:
        try:
            return self._prepared[hook]
        except KeyError:
            caller: pluggy.HookCaller | None = getattr(self._pm.hook, hook, None)
            if caller is None or not isinstance(caller, pluggy.HookCaller):
                raise HookNotFoundError(hook, self.hook_names()) from None
            prepared = self._prepared[hook] = prepare(caller, OPTIONAL_ARGUMENTS.get(hook, {}))
            return prepared

    def _begin(
        self,
        hook: str,
        kwargs: dict[str, Any],
        timeout: float | None,
        only: Collection[str] | None = None,
    ) -> tuple[PreparedHook, dict[str, Any], float | None]:
        """Return what every call needs: the prepared hook, its arguments and its bound."""
        prepared = self._prepared_hook(hook)
        if only is not None:
            prepared = restrict(prepared, only)
        bound = timeout if timeout is not None else self.timeouts.get(prepared.name)
        return prepared, check_arguments(prepared, kwargs), bound

    async def _acall(
        self,
        hook: str,
        kwargs: dict[str, Any],
        timeout: float | None,
        errors: ErrorPolicy,
        *,
        offload_sync: bool,
        only: Collection[str] | None = None,
    ) -> tuple[Any, list[HookOutcome]]:
        """The async calls' one body: run the core on the caller's loop and settle."""
        prepared, call_kwargs, bound = self._begin(hook, kwargs, timeout, only)
        start = time.perf_counter() if self._observed else 0.0
        value, outcomes = await call_full(
            prepared, call_kwargs, timeout=bound, offload_sync=offload_sync
        )
        self._settle(prepared, _failures(outcomes), errors, start)
        return value, outcomes

    def _settle(
        self, hook: PreparedHook, failures: list[Failure], errors: ErrorPolicy, start: float
    ) -> None:
        """Report a finished call and its failures, in the one place they are handled."""
        for plugin, error in failures:
            logger.debug("plugin %r failed in hook %r", plugin, hook.name, exc_info=error)
            if self._observed:
                self._emit("hook_failed", hook=hook.name, plugin=plugin, error=repr(error))
        if self._observed:
            self._emit(
                "hook_call",
                hook=hook.name,
                implementations=len(hook.plain) + len(hook.wrappers),
                failed=len(failures),
                seconds=time.perf_counter() - start,
            )
        if errors == "raise":
            exc = error_to_raise(hook.name, failures)
            if exc is not None:
                raise exc


def _failures(outcomes: list[HookOutcome]) -> list[Failure]:
    return [(o.plugin, o.error) for o in outcomes if o.error is not None]
