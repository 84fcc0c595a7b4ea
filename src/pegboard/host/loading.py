"""The failure boundary: import, register, start and shut down plugins.

Everything a plugin can do wrong while loading (a missing module or attribute, a missing
dependency, an exception in its constructor, ``sys.exit()``, any other ``BaseException``,
printing at import, an incompatible ``requires_api_version``, a target that is not a plugin,
hookimpls pluggy rejects, a name or object the registry refuses, a ``startup`` that raises
or hangs) becomes state FAILED in the registry with a ``reason`` a person can act on and the
``traceback`` kept for ``--debug``. ``KeyboardInterrupt`` is never caught: the user's Ctrl-C
still stops the host. No other module catches a plugin's errors.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._errors import PegboardError
from pegboard._log import get_logger
from pegboard.hooks.names import PROJECT, SHUTDOWN, STARTUP
from pegboard.host.capture import capture

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.hooks.registry import Registry

logger = get_logger(__name__)

DEFAULT_STARTUP_TIMEOUT: Final = 10.0
"""Seconds a plugin's ``startup`` (or ``shutdown``) may take before it is abandoned."""

_PLUGIN_ATTRIBUTES: Final = frozenset(
    {"version", "requires_api_version", "command", "startup", "shutdown", "health"}
)

HOST_MODULES: Final = (
    "asyncio",
    "pegboard.di",
    "pegboard.hooks.groups",
    "pegboard.hooks.registry",
    "pegboard.host.loading",
    "pegboard.host.typer_bridge",
)
"""What a host has imported when it loads and starts plugins (click and pluggy included).

Children of checks and timings share these, so an import time is the plugin's own."""

KNOWN_TO_FAIL: Final = frozenset({"failed", "incompatible"})
"""Kinds learnt for plugins whose import fails; they are not imported in-process."""


class _LoadFailure(Exception):
    """Internal: a plugin could not be loaded; ``reason`` is for people."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class LoadedPlugin:
    """What loading one plugin in this process produced (``error is None`` when it loaded).

    The runtime view of a plugin, next to its :class:`PluginRecord` (the facts known without
    importing it): the object, its command, and how the import went. ``kind`` is what the
    import found (``command``, ``typer``, ``plugin``, or ``incompatible`` for a
    ``requires_api_version`` this host does not meet; None when it failed before that; the
    learnt ``failed`` or ``incompatible`` for a plugin not imported as it is known to fail).
    ``groups`` are the command groups it added subcommands to (``command_group``). A plain
    class with slots, not a named tuple: the outcome changes as it moves through the steps
    (a ``startup`` that fails sets ``error``), and not a dataclass: running one plugin
    command builds one, and importing :mod:`dataclasses` would cost that path about a
    millisecond.
    """

    __slots__ = (
        "command",
        "error",
        "groups",
        "kind",
        "output",
        "plugin",
        "record",
        "seconds",
        "traceback",
    )

    def __init__(self, record: PluginRecord) -> None:
        self.record = record
        self.plugin: object | None = None
        self.command: click.Command | None = None
        self.kind: str | None = None
        self.output = ""
        self.seconds = 0.0
        self.error: str | None = None
        self.traceback: str | None = None
        self.groups: tuple[str, ...] = ()

    def __repr__(self) -> str:
        outcome = "loaded" if self.error is None else f"failed: {self.error}"
        return f"<LoadedPlugin {self.record.name!r} {outcome}>"


def import_plugin(record: PluginRecord, *, api_version: str) -> LoadedPlugin:
    """Import ``record``'s target and make sense of it, catching whatever the plugin does."""
    loaded = LoadedPlugin(record)
    start = time.perf_counter()
    with capture() as output:
        try:
            _interpret(loaded, resolve(record.target, record.distribution), api_version)
        except _LoadFailure as failure:
            loaded.error = failure.reason
            loaded.traceback = current_traceback()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the plugin boundary: anything else is the plugin's fault
            loaded.error = _describe(exc, record)
            loaded.traceback = current_traceback()
    loaded.seconds = time.perf_counter() - start
    loaded.output = output.text
    if loaded.output:
        logger.info("plugin %r printed while loading: %r", record.name, loaded.output[:200])
    return loaded


def load_plugins(
    registry: Registry,
    records: Iterable[PluginRecord],
    *,
    api_version: str,
    startup_context: Any = None,
    startup_timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
) -> list[LoadedPlugin]:
    """Import, register and start ``records``; return one outcome per record.

    Each plugin moves DISCOVERED → INSTALLED → ACTIVE, or to FAILED with ``reason`` (and
    ``traceback``) in its metadata. Only these plugins are started: plugins registered
    earlier were started when they were loaded.
    """
    outcomes = [
        known_failure(registry, record) or import_into(registry, record, api_version=api_version)
        for record in records
    ]
    start(registry, outcomes, context=startup_context, timeout=startup_timeout)
    return outcomes


def import_into(registry: Registry, record: PluginRecord, *, api_version: str) -> LoadedPlugin:
    """Import ``record`` and register it in ``registry`` (not started); never raise."""
    from pegboard import di
    from pegboard.hooks.groups import replay

    # Imported with the registry: a command-only plugin is loaded without either.
    from pegboard.hooks.lifecycle import PluginState
    from pegboard.hooks.registry import Registry

    try:
        registry.transition(record.name, PluginState.DISCOVERED)
    except PegboardError as exc:  # the name is taken in this registry already
        loaded = LoadedPlugin(record)
        loaded.error = f"the registry refused it: {exc.message.rstrip('.')}"
        return loaded
    before = set(registry.commands())
    # ``command_group`` without ``registry=`` registers into the current container's.
    with di.scope() as container:
        container.provide(Registry, registry)
        loaded = import_plugin(record, api_version=api_version)
    replay(registry, record.target.partition(":")[0].strip().split(".")[0])
    loaded.groups = tuple(sorted({group for group, _ in set(registry.commands()) - before}))
    if loaded.error is None:
        _register(registry, loaded)
    if loaded.error is not None:
        fail(registry, record.name, loaded.error, loaded.traceback)
    return loaded


def known_failure(registry: Registry, record: PluginRecord) -> LoadedPlugin | None:
    """Return the outcome of a plugin learnt to fail at import, recorded as FAILED; else None.

    Such a plugin is not imported again in the host's process: learning found it crashing,
    exiting or hanging its interpreter, and a rebuilt manifest (after any install) is what
    gives it another try.
    """
    from pegboard.hooks.lifecycle import PluginState

    if record.kind not in KNOWN_TO_FAIL:
        return None
    loaded = LoadedPlugin(record)
    loaded.error = record.failure or "it failed when it was learnt"
    loaded.kind = record.kind
    with contextlib.suppress(PegboardError):  # the name may be taken in this registry
        registry.transition(record.name, PluginState.DISCOVERED)
        fail(registry, record.name, loaded.error, None)
    return loaded


def start(
    registry: Registry,
    loaded: Collection[LoadedPlugin],
    *,
    context: Any,
    timeout: float | None = DEFAULT_STARTUP_TIMEOUT,
) -> None:
    """Call ``startup`` of the plugins among ``loaded`` that registered, and only theirs."""
    from pegboard.hooks.lifecycle import PluginState

    names = {item.record.name for item in loaded if item.error is None}
    if not names:
        return
    _call_lifecycle(registry, STARTUP, timeout, names, {"ctx": context})
    for item in loaded:
        if item.error is None and registry.state(item.record.name) is PluginState.FAILED:
            item.error = registry.meta(item.record.name).get("reason")


def shut_down(
    registry: Registry, names: Collection[str], *, timeout: float | None = DEFAULT_STARTUP_TIMEOUT
) -> None:
    """Call ``shutdown`` of the plugins ``names``; failures are recorded, never raised."""
    if names:
        _call_lifecycle(registry, SHUTDOWN, timeout, names, {})


def _call_lifecycle(
    registry: Registry,
    hook: str,
    timeout: float | None,
    names: Collection[str],
    kwargs: dict[str, Any],
) -> None:
    with capture() as output:
        outcomes = registry.call_hook_detailed_sync(
            hook, timeout=timeout, offload_sync=True, errors="collect", only=names, **kwargs
        )
    if output.text:
        logger.info("plugins printed during %s: %r", hook, output.text[:200])
    for outcome in outcomes:
        if outcome.error is None:
            continue
        if isinstance(outcome.error, TimeoutError):
            reason = f"its {hook} did not finish within {timeout:g} s"
        else:
            reason = f"its {hook} raised {exception_text(outcome.error)}"
        import traceback

        detail = "".join(traceback.format_exception(outcome.error))
        if hook == STARTUP:
            fail(registry, outcome.plugin, reason, detail)
        else:
            registry.update_meta(outcome.plugin, reason=reason, traceback=detail)
            logger.warning("plugin %r: %s", outcome.plugin, reason)


def _register(registry: Registry, loaded: LoadedPlugin) -> None:
    """Register the loaded plugin (not started), with the identity registry users look up.

    Its metadata is ``version`` and ``distribution`` only: what loading found stays on
    ``loaded`` and what is known without importing on its record, not in a third copy.
    """
    from pegboard.hooks.lifecycle import PluginState

    record = loaded.record
    plugin_version = getattr(loaded.plugin, "version", None)
    try:
        registry.register(
            record.name,
            loaded.plugin,
            version=plugin_version if isinstance(plugin_version, str) else record.version,
            metadata={"distribution": record.distribution},
            activate=False,
        )
        registry.transition(record.name, PluginState.ACTIVE)
    except PegboardError as exc:
        loaded.error = (
            f"the registry refused it: {exc.message.rstrip('.')}; report this to the author "
            f"of {record.distribution}"
        )
        loaded.traceback = current_traceback()


def fail(registry: Registry, name: str, reason: str, detail: str | None) -> None:
    """Move plugin ``name`` to FAILED, keeping the reason and the traceback for ``--debug``."""
    from pegboard.hooks.lifecycle import PluginState

    registry.transition(name, PluginState.FAILED)
    registry.update_meta(name, reason=reason, traceback=detail)
    logger.debug("plugin %r failed: %s", name, reason)


def resolve(target: str, distribution: str = "its distribution") -> object:
    """Return the object an entry point's ``module:attr [extras]`` names.

    The module is imported first, so that an ``AttributeError`` of the walk that follows is
    a broken entry point, not the plugin's own error. The walk is ``getattr`` by hand, as
    :func:`pkgutil.resolve_name` does it: importing :mod:`pkgutil` would cost every plugin
    command more than the rest of this function.
    """
    import importlib

    spec = target.partition("[")[0].strip()
    module_name, _, attributes = spec.partition(":")
    module_name = module_name.strip()
    try:
        value: object = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (
            module_name == exc.name or module_name.startswith(exc.name + ".")
        ):
            raise _LoadFailure(
                f"its module {module_name!r} does not exist; reinstall "
                f"{distribution} or report a broken entry point to its author"
            ) from exc
        raise _LoadFailure(
            f"it needs the module {exc.name!r}, which is not installed; install it or "
            f"reinstall {distribution} with its dependencies"
        ) from exc
    for attribute in filter(None, attributes.strip().split(".")):
        try:
            value = getattr(value, attribute)
        except AttributeError as exc:
            raise _LoadFailure(
                f"its entry point {spec!r} does not name an object ({value!r} has no "
                f"attribute {attribute!r}); report the broken entry point to the plugin's author"
            ) from exc
    return value


def _interpret(loaded: LoadedPlugin, target: object, api_version: str) -> None:
    """Turn an entry point's target into a plugin object and its command."""
    name = loaded.record.name
    if isinstance(target, click.Command):
        loaded.plugin, loaded.command, loaded.kind = _Commands(target), target, "command"
        return
    from pegboard.host.typer_bridge import as_click_command, is_typer_app  # not for Click

    if is_typer_app(target):
        loaded.plugin, loaded.kind = _Commands(target), "typer"
        loaded.command = as_click_command(target, name)
        return
    if isinstance(target, type):
        target = target()
    if not _looks_like_plugin(target):
        raise _LoadFailure(
            f"its target {loaded.record.target!r} is a {type(target).__name__}, not a Click "
            "command, a Typer app or a plugin object; see the plugin contract in the README"
        )
    _check_api(loaded, getattr(target, "requires_api_version", None), api_version)
    command = getattr(target, "command", None)
    if command is not None:
        if is_typer_app(command):
            command = as_click_command(command, name)
        if not isinstance(command, click.Command):
            raise _LoadFailure(
                f"its 'command' attribute is a {type(command).__name__}, not a Click command "
                "or a Typer app"
            )
    loaded.plugin, loaded.command, loaded.kind = target, command, "plugin"


def _check_api(loaded: LoadedPlugin, required: object, api_version: str) -> None:
    if required is None:
        return
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        specifier = SpecifierSet(str(required))
    except InvalidSpecifier as exc:
        raise _LoadFailure(
            f"its requires_api_version {required!r} is not a valid version specifier "
            "(use e.g. '>=1.2,<2'); report it to the plugin's author"
        ) from exc
    if not specifier.contains(api_version, prereleases=True):
        loaded.kind = "incompatible"
        raise _LoadFailure(
            f"it requires host API {specifier} but this host provides API {api_version}; "
            "install a release of the plugin made for this API"
        )


def _looks_like_plugin(target: object) -> bool:
    import inspect

    for attribute in dir(target):
        if attribute in _PLUGIN_ATTRIBUTES:
            return True
        found = inspect.getattr_static(target, attribute, None)
        function = getattr(found, "__func__", found)
        if hasattr(function, PROJECT + "_impl"):
            return True
    return False


class _Commands:
    """Stand-in registered for a commands-only plugin, which has no hooks of its own."""

    def __init__(self, command: object):
        self.command = command


def _describe(exc: BaseException, record: PluginRecord) -> str:
    if isinstance(exc, SystemExit):
        return (
            f"it called sys.exit({exc.code!r}) while loading; report this to the author of "
            f"{record.distribution}"
        )
    return f"loading it raised {exception_text(exc)}; run with --debug for the traceback"


def exception_text(exc: BaseException) -> str:
    """Return ``Type: message`` (or just ``Type``) for a reason shown to people."""
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def current_traceback() -> str:
    """Return the traceback of the exception being handled.

    :mod:`traceback` is imported here, when something failed: importing it costs the
    startup path more than a millisecond.
    """
    import traceback

    return traceback.format_exc()
