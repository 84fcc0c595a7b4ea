"""The registry contract pegboard descends from, as code written for it uses it.

Written from the seed's documented behaviour (its docstrings, and the differences listed in
docs/migrating-from-bijux-cli.md): each test is seed-style code that must run unchanged on
pegboard, or pins one deliberate difference the guide documents.
"""

from __future__ import annotations

import asyncio
from typing import Any

import click
import pluggy
import pytest

from conftest import SiteDir
from pegboard import (
    POST_EXECUTE,
    PRE_EXECUTE,
    CoreSpec,
    HookNotFoundError,
    MemorySink,
    NameConflictError,
    PluginNotFoundError,
    PluginState,
    Registry,
    command_group,
    di,
    dynamic_choices,
    hookimpl,
    load_entrypoints,
)


class Recorder:
    """A seed-style plugin: async lifecycle hooks without arguments, a sync health check."""

    version = "1.2.3"

    def __init__(self) -> None:
        self.calls: list[str] = []

    @hookimpl
    async def startup(self) -> None:
        self.calls.append("startup")

    @hookimpl
    async def shutdown(self) -> None:
        self.calls.append("shutdown")

    @hookimpl
    async def pre_execute(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.calls.append(f"pre {name}")

    @hookimpl
    async def post_execute(self, name: str, result: Any) -> None:
        self.calls.append(f"post {name} {result}")

    @hookimpl
    def health(self) -> bool:
        return True


def test_core_spec_has_the_seed_s_hooks() -> None:
    assert PRE_EXECUTE == "pre_execute"
    assert POST_EXECUTE == "post_execute"
    for hook in ("startup", "shutdown", "pre_execute", "post_execute", "health"):
        assert hasattr(CoreSpec, hook)
    assert set(Registry().hook_names()) >= {"startup", "shutdown", "health"}


def test_startup_is_called_with_no_arguments() -> None:
    async def seed_code() -> list[Any]:
        registry = Registry()
        empty = await registry.call_hook("startup")
        plugin = Recorder()
        registry.register("rec", plugin)
        await registry.call_hook("startup")
        await registry.call_hook("pre_execute", name="run", args=(), kwargs={})
        await registry.call_hook("post_execute", name="run", result=0)
        await registry.call_hook("shutdown")
        return [empty, plugin.calls]

    assert asyncio.run(seed_code()) == [
        [],
        ["startup", "pre run", "post run 0", "shutdown"],
    ]


def test_plugin_state_compares_equal_to_its_string() -> None:
    states: list[str] = list(PluginState)
    assert "active" in states
    assert {"discovered", "installed", "inactive", "removed", "failed"} <= set(states)


def test_register_alias_get_has_names_meta_mapping() -> None:
    registry = Registry()
    plugin = Recorder()
    registry.register("rec", plugin, alias="r", version=plugin.version)
    assert registry.get("rec") is plugin
    assert registry.get("r") is plugin
    assert registry.has("rec")
    assert registry.has("r")
    assert registry.names() == ["rec"]
    assert registry.meta("rec")["version"] == "1.2.3"
    assert registry.meta("r")["version"] == "1.2.3"
    assert registry.mapping["rec"] is plugin
    with pytest.raises(TypeError):
        registry.mapping["x"] = object()  # type: ignore[index]
    assert registry.state("rec") == "active"


def test_version_defaults_to_unknown() -> None:
    registry = Registry()
    registry.register("p", object())
    assert registry.meta("p") == {"version": "unknown"}


def test_taken_names_aliases_and_objects_are_refused() -> None:
    registry = Registry()
    plugin = Recorder()
    registry.register("rec", plugin, alias="r")
    with pytest.raises(NameConflictError, match="'rec' is already registered"):
        registry.register("rec", Recorder())
    with pytest.raises(NameConflictError, match="Alias 'r' of plugin 'other'"):
        registry.register("other", Recorder(), alias="r")
    with pytest.raises(NameConflictError, match="already registered as 'rec'"):
        registry.register("other", plugin)


def test_deregister_by_alias_removes_plugin_and_alias() -> None:
    registry = Registry()
    registry.register("rec", Recorder(), alias="r")
    registry.deregister("r")
    assert not registry.has("rec")
    assert not registry.has("r")
    assert registry.names() == []
    assert registry.state("rec") is PluginState.REMOVED


def test_transition_moves_a_plugin_and_inactive_plugins_are_not_called() -> None:
    registry = Registry()
    registry.register("rec", Recorder())
    registry.transition("rec", PluginState.INACTIVE)
    assert registry.state("rec") == "inactive"
    assert asyncio.run(registry.call_hook("health")) == []
    registry.transition("rec", PluginState.ACTIVE)
    assert asyncio.run(registry.call_hook("health")) == [True]


def test_unknown_plugins_and_hooks_are_not_found() -> None:
    registry = Registry()
    with pytest.raises(PluginNotFoundError, match="Plugin 'ghost' not found"):
        registry.get("ghost")
    with pytest.raises(HookNotFoundError, match="Hook 'ghost' not found"):
        asyncio.run(registry.call_hook("ghost"))


def test_unknown_names_raise_a_key_error_where_the_seed_returned_nothing() -> None:
    # Deliberate difference: the seed's meta() gave {}, state() None and deregister() did
    # nothing. pegboard raises PluginNotFoundError, which is a KeyError, for all three.
    registry = Registry()
    for lookup in (registry.meta, registry.state, registry.deregister):
        with pytest.raises(KeyError, match="not found"):
            lookup("ghost")


def test_a_plugin_s_own_exception_reaches_the_caller() -> None:
    class Broken:
        @hookimpl
        def health(self) -> bool:
            raise ValueError("disk full")

    registry = Registry()
    registry.register("broken", Broken())
    registry.register("fine", Recorder())
    with pytest.raises(ValueError, match="disk full") as caught:  # `except ValueError` works
        asyncio.run(registry.call_hook("health"))
    assert str(caught.value) == "disk full"
    assert caught.value.__notes__ == ["raised by plugin 'broken' in hook 'health'"]


def test_telemetry_sees_registry_operations_and_hook_calls_and_never_breaks_them() -> None:
    sink = MemorySink()
    registry = Registry(sink)
    registry.register("rec", Recorder(), alias="r")
    asyncio.run(registry.call_hook("health"))
    registry.transition("rec", PluginState.INACTIVE)
    registry.deregister("rec")
    names = sink.names()
    for event in ("registry_register", "registry_deregister", "registry_transition"):
        assert event in names
    assert "hook_call" in names

    class Down:
        def event(self, name: str, payload: Any) -> None:
            raise RuntimeError("sink down")

    failing = Registry(Down())
    failing.register("rec", Recorder())  # never raises
    assert failing.state("rec") is PluginState.ACTIVE


def test_a_failing_sink_is_reported_to_the_other_sinks() -> None:
    from pegboard.hooks.telemetry import Emitter

    class Down:
        def event(self, name: str, payload: Any) -> None:
            raise RuntimeError("sink down")

    memory = MemorySink()
    Emitter(Down(), memory).emit("registry_register", name="rec")
    assert memory.names() == ["registry_register", "registry_telemetry_failed"]


def test_dynamic_choices_return_a_list_of_strings() -> None:
    completer = dynamic_choices(lambda: ["alpha", "Alpine", "beta"])
    ctx = click.Context(click.Command("cli"))
    param = click.Argument(["name"])
    assert completer(ctx, param, "al") == ["alpha"]
    insensitive = dynamic_choices(lambda: ["alpha", "Alpine", "beta"], case_sensitive=False)
    assert insensitive(ctx, param, "al") == ["alpha", "Alpine"]


def test_command_group_registers_into_the_current_container_s_registry() -> None:
    registry = Registry()
    with di.scope() as scope:
        scope.provide(Registry, registry)

        @command_group("db", version="2.0")("migrate")
        def migrate() -> str:
            return "migrated"

    # Deliberate difference: kept as ("db", "migrate") in commands(), not as a plugin named
    # "db migrate" (plugin names never contain spaces: they are command words and file names).
    assert registry.commands()[("db", "migrate")] is migrate
    assert registry.group_version("db") == "2.0"
    assert not registry.has("db migrate")


def test_another_project_s_markers_work_with_a_registry_of_that_project() -> None:
    seed_impl = pluggy.HookimplMarker("bijux")

    class SeedPlugin:
        @seed_impl
        def health(self) -> bool:
            return True

    registry = Registry(project="bijux")
    registry.register("seed", SeedPlugin())
    registry.register("ours", Recorder())
    assert asyncio.run(registry.call_hook("health")) == [True, True]


SEED_PLUGIN = """
class Plugin:
    version = "0.3.0"

    async def startup(self):
        import tests_seed_contract_log
        tests_seed_contract_log.STARTED.append("seedy")

plugin = Plugin()
"""


def test_load_entrypoints_is_awaited_from_async_code(site: SiteDir) -> None:
    site.write_module("tests_seed_contract_log", "STARTED = []\n")
    site.add(
        "seedy", entry_points={"seedhost.plugins": {"seedy": "seedy:plugin"}},
        modules={"seedy": SEED_PLUGIN},
    )  # fmt: skip
    registry = Registry()

    async def seed_code() -> None:
        with di.scope() as scope:
            scope.provide(Registry, registry)
            await load_entrypoints(di=scope, group="seedhost.plugins")

    asyncio.run(seed_code())
    import tests_seed_contract_log  # type: ignore[import-not-found]

    assert tests_seed_contract_log.STARTED == ["seedy"]
    assert registry.state("seedy") is PluginState.ACTIVE
    assert registry.meta("seedy")["version"] == "0.3.0"
