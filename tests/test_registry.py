from __future__ import annotations

import asyncio
from typing import Any

import pluggy
import pytest

import pegboard
from pegboard import (
    InvalidNameError,
    InvalidTransitionError,
    MemorySink,
    NameConflictError,
    PluginNotFoundError,
    PluginRejectedError,
    PluginState,
    Registry,
    RegistryError,
    hookimpl,
)


class Healthy:
    @hookimpl
    def health(self) -> bool:
        return True


def test_register_get_has_names_meta_state() -> None:
    registry = Registry()
    plugin = Healthy()
    assert registry.register("a", plugin, alias="al", version="1.2") is plugin
    assert registry.get("a") is plugin
    assert registry.get("al") is plugin
    assert registry.has("a")
    assert registry.has("al")
    assert not registry.has("b")
    assert registry.names() == ["a"]
    assert registry.meta("al")["version"] == "1.2"
    assert registry.state("al") is PluginState.ACTIVE
    assert registry.alias("a") == "al"
    assert dict(registry.mapping) == {"a": plugin}


def test_meta_defaults_to_unknown_version_and_is_read_only() -> None:
    registry = Registry()
    registry.register("a", Healthy())
    meta = registry.meta("a")
    assert meta["version"] == "unknown"
    with pytest.raises(TypeError):
        meta["version"] = "2"  # type: ignore[index]


def test_mapping_is_a_live_read_only_view() -> None:
    registry = Registry()
    view = registry.mapping
    registry.register("a", Healthy())
    assert "a" in view
    with pytest.raises(TypeError):
        view["b"] = Healthy()  # type: ignore[index]
    registry.deregister("a")
    assert "a" not in view


@pytest.mark.parametrize(
    ("setup", "name", "alias", "plugin_is_first", "match"),
    [
        ("a", "a", None, False, "Plugin name 'a' is already registered"),
        ("a", "b", "al", False, "Alias 'al' of plugin 'b' is already an alias of plugin 'a'"),
        ("a", "b", "a", False, "Alias 'a' of plugin 'b' is already a plugin name"),
        ("a", "al", None, False, "Plugin name 'al' is already an alias of plugin 'a'"),
        ("a", "b", None, True, "already registered as 'a'"),
        ("a", "b", "b", False, "Alias 'b' of plugin 'b' is already a plugin name"),
    ],
)
def test_conflicts_raise_and_change_nothing(
    setup: str, name: str, alias: str | None, plugin_is_first: bool, match: str
) -> None:
    registry = Registry()
    first = Healthy()
    registry.register(setup, first, alias="al")
    with pytest.raises(NameConflictError, match=match):
        registry.register(name, first if plugin_is_first else Healthy(), alias=alias)
    assert registry.names() == ["a"]
    assert registry.call_hook_sync("health") == [True]


@pytest.mark.parametrize("state", [PluginState.REMOVED, PluginState.FAILED])
def test_an_alias_cannot_take_a_recorded_name_without_a_plugin(state: PluginState) -> None:
    # Else state("old") would describe one plugin and get("old") return another.
    registry = Registry()
    registry.transition("old", state)
    with pytest.raises(NameConflictError, match="Alias 'old' of plugin 'new'"):
        registry.register("new", Healthy(), alias="old")
    assert registry.state("old") is state
    assert not registry.has("new")


@pytest.mark.parametrize("bad", ["", " ", "a b", "tab\there", "../x", "a/b", "a\\b", ".", ".."])
def test_bad_names_and_aliases_are_rejected(bad: str) -> None:
    registry = Registry()
    with pytest.raises(InvalidNameError, match="Invalid plugin name"):
        registry.register(bad, Healthy())
    with pytest.raises(InvalidNameError, match="Invalid alias"):
        registry.register("ok", Healthy(), alias=bad)
    assert registry.names() == []


def test_unknown_names_suggest_close_matches() -> None:
    registry = Registry()
    registry.register("hello", Healthy(), alias="greeting")
    for method in (registry.get, registry.meta, registry.state):
        with pytest.raises(PluginNotFoundError, match="Did you mean 'hello'") as caught:
            method("helo")
        assert isinstance(caught.value, KeyError)
        assert caught.value.suggestions == ("hello",)
    with pytest.raises(PluginNotFoundError, match=r"^Plugin 'zzz' not found\.$"):
        registry.get("zzz")


class BadSignature:
    @hookimpl
    def pre_execute(self, name: str, unknown_argument: int) -> None:
        """Declares an argument the spec does not have."""


def test_pluggy_rejection_leaves_nothing_behind() -> None:
    registry = Registry()
    with pytest.raises(PluginRejectedError, match="pluggy rejected plugin 'bad'"):
        registry.register("bad", BadSignature(), alias="b")
    assert registry.names() == []
    assert not registry.has("b")
    with pytest.raises(PluginNotFoundError):
        registry.state("bad")
    # The name and the object are free again.
    registry.register("bad", Healthy(), alias="b")
    assert registry.call_hook_sync("health") == [True]


def test_inactive_plugins_are_known_but_not_called() -> None:
    registry = Registry()
    registry.register("a", Healthy())
    registry.register("b", Healthy())
    registry.transition("a", PluginState.INACTIVE)
    assert registry.has("a")
    assert registry.call_hook_sync("health") == [True]
    assert registry.implemented_hooks("a") == []
    registry.transition("a", PluginState.ACTIVE)
    assert registry.call_hook_sync("health") == [True, True]


def test_deregister_then_register_again_walks_the_table() -> None:
    sink = MemorySink()
    registry = Registry(sink)
    plugin = Healthy()
    registry.register("a", plugin, alias="al")
    assert registry.deregister("al") is plugin
    assert registry.state("a") is PluginState.REMOVED
    assert not registry.has("a")
    assert not registry.has("al")
    assert registry.call_hook_sync("health") == []
    registry.register("a", plugin)
    states = [payload["state"] for name, payload in sink.events if name == "registry_transition"]
    assert states == ["active", "removed", "discovered", "active"]


def test_register_inactive_then_activate() -> None:
    registry = Registry()
    registry.register("a", Healthy(), activate=False)
    assert registry.state("a") is PluginState.INSTALLED
    assert registry.call_hook_sync("health") == []
    registry.transition("a", PluginState.ACTIVE)
    assert registry.call_hook_sync("health") == [True]


def test_failed_plugins_keep_their_reason_and_drop_their_object() -> None:
    registry = Registry()
    registry.register("a", Healthy(), alias="al")
    registry.transition("a", PluginState.FAILED)
    registry.update_meta("a", reason="it broke")
    assert registry.meta("a")["reason"] == "it broke"
    assert not registry.has("a")
    assert not registry.has("al")
    with pytest.raises(InvalidTransitionError, match="'a' cannot go from failed to active"):
        registry.transition("a", PluginState.ACTIVE)


def test_new_names_may_enter_any_state_but_need_an_object_to_be_active() -> None:
    registry = Registry()
    registry.transition("x", PluginState.FAILED)
    assert registry.state("x") is PluginState.FAILED
    registry.transition("y", PluginState.DISCOVERED)
    with pytest.raises(RegistryError, match="has no plugin object"):
        registry.transition("y", PluginState.ACTIVE)
    with pytest.raises(InvalidNameError):
        registry.transition("bad name", PluginState.DISCOVERED)


def test_deregister_from_installed_is_not_an_allowed_move() -> None:
    registry = Registry()
    registry.register("a", Healthy(), activate=False)
    with pytest.raises(InvalidTransitionError, match="from installed to removed"):
        registry.deregister("a")


def test_telemetry_sink_that_raises_never_breaks_an_operation(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        def event(self, name: str, payload: Any) -> None:
            raise RuntimeError("sink down")

    registry = Registry(Broken())
    registry.register("a", Healthy())
    registry.deregister("a")
    assert registry.state("a") is PluginState.REMOVED
    assert "telemetry sink" in caplog.text


def test_host_specs_and_project_markers() -> None:
    class HostSpec:
        @pegboard.hookspec
        def acme_report(self, data: str) -> str:  # type: ignore[empty-body]
            """A host's own hook."""

    acme_impl = pluggy.HookimplMarker("acme")

    class Both:
        @hookimpl
        def acme_report(self, data: str) -> str:
            return "pegboard marker " + data

    class Own:
        @acme_impl
        def acme_report(self, data: str) -> str:
            return "acme marker " + data

    registry = Registry(project="acme", hookspecs=[HostSpec])
    registry.register("both", Both())
    registry.register("own", Own())
    assert sorted(registry.call_hook_sync("acme_report", data="x")) == [
        "acme marker x",
        "pegboard marker x",
    ]
    assert "acme_report" in registry.hook_names()


def test_unmarked_lifecycle_methods_are_implementations() -> None:
    class Plain:
        def startup(self, ctx: object) -> str:
            return "started"

        def shutdown(self) -> str:
            return "stopped"

        def helper(self) -> str:
            return "not a hook"

    registry = Registry()
    registry.register("p", Plain())
    assert registry.implemented_hooks("p") == ["shutdown", "startup"]
    assert registry.call_hook_sync("startup", ctx=None) == ["started"]


BIJUX = "bijux"
bijux_impl = pluggy.HookimplMarker(BIJUX)
bijux_spec = pluggy.HookspecMarker(BIJUX)


class BijuxHealthy:
    @bijux_impl
    def health(self) -> bool:
        return True


class BijuxSpec:
    @bijux_spec
    def bijux_report(self) -> str:  # type: ignore[empty-body]
        """A hook of another project's host."""


def test_another_project_s_hookimpl_marker_fails_naming_the_project() -> None:
    registry = Registry()
    with pytest.raises(PluginRejectedError, match="marker of project 'bijux'") as caught:
        registry.register("seed", BijuxHealthy())
    assert "Registry(project='bijux')" in str(caught.value)
    assert registry.names() == []


def test_another_project_s_hookspec_marker_fails_naming_the_project() -> None:
    with pytest.raises(RegistryError, match=r"BijuxSpec\.bijux_report .* project 'bijux'"):
        Registry(hookspecs=[BijuxSpec])


def test_a_registry_of_that_project_reads_its_markers_and_pegboard_s() -> None:
    registry = Registry(project=BIJUX, hookspecs=[BijuxSpec])
    registry.register("seed", BijuxHealthy())
    registry.register("ours", Healthy())
    assert registry.call_hook_sync("health") == [True, True]
    assert "bijux_report" in registry.hook_names()


def test_refused_entry_points_are_recorded_under_their_own_name() -> None:
    registry = Registry()
    registry.transition("bad name", PluginState.FAILED)
    registry.update_meta("bad name", reason="its name has a space")
    assert registry.state("bad name") is PluginState.FAILED
    assert registry.meta("bad name")["reason"] == "its name has a space"
    with pytest.raises(InvalidNameError):
        registry.transition("", PluginState.FAILED)


def test_plugin_state_is_a_str_enum() -> None:
    assert isinstance(PluginState.ACTIVE, str)
    assert [PluginState.ACTIVE] == ["active"]
    assert f"{PluginState.FAILED}" == "failed"
    assert PluginState("removed") is PluginState.REMOVED


def test_startup_may_be_called_without_a_context() -> None:
    seen: list[object] = []

    class WithContext:
        @hookimpl
        def startup(self, ctx: object) -> None:
            seen.append(ctx)

    class WithoutContext:
        @hookimpl
        async def startup(self) -> str:
            return "started"

    registry = Registry()
    registry.register("with", WithContext())
    registry.register("without", WithoutContext())
    assert asyncio.run(registry.call_hook("startup")) == ["started"]
    assert registry.call_hook_sync("startup", ctx="given") == ["started"]
    assert seen == [None, "given"]
