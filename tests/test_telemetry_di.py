from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pluggy import HookspecMarker

from pegboard import (
    JsonLinesSink,
    MemorySink,
    NullSink,
    PluginState,
    Registry,
    Telemetry,
    di,
    hookimpl,
)
from pegboard.hooks.telemetry import EVENTS, Emitter


def test_memory_sink_is_the_default_and_records_state_changes() -> None:
    registry = Registry()
    assert isinstance(registry.telemetry, MemorySink)
    registry.register("a", object())
    assert registry.telemetry.names() == ["registry_register", "registry_transition"]
    assert isinstance(registry.telemetry, Telemetry)


def test_memory_sink_keeps_only_the_newest_events() -> None:
    sink = MemorySink(limit=2)
    for index in range(3):
        sink.event("e", {"i": index})
    assert [payload["i"] for _, payload in sink.events] == [1, 2]


def test_json_lines_sink_appends_one_object_per_line(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    registry = Registry(JsonLinesSink(path))
    registry.register("a", object())
    registry.deregister("a")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["event"], e.get("state")) for e in lines] == [
        ("registry_register", None),
        ("registry_transition", "active"),
        ("registry_transition", "removed"),
        ("registry_deregister", None),
    ]


def test_emitter_isolates_failing_sinks(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def event(self, name: str, payload: object) -> None:
            raise OSError("disk full")

    memory = MemorySink()
    Emitter(Broken(), memory).emit("x", a=1)
    assert memory.names() == ["x", "registry_telemetry_failed"]
    assert memory.events[0] == ("x", {"a": 1})
    assert memory.events[1][1]["event"] == "x"
    assert memory.events[1][1]["error"] == "OSError('disk full')"
    assert "disk full" in caplog.text


class Spec:
    @HookspecMarker("pegboard")
    def extra(self) -> None:
        """A host's hook."""


def test_every_mutation_and_hook_call_emits_a_catalogued_event() -> None:
    class Failing:
        @hookimpl
        def health(self) -> bool:
            raise ValueError("no")

    sink = MemorySink()
    registry = Registry(sink)
    registry.register("a", Failing(), alias="al", version="1.0")
    registry.update_meta("a", reason="testing")
    registry.add_command("db", "migrate", lambda: None)
    registry.add_hookspecs(Spec)
    registry.call_hook_sync("health", errors="collect")
    registry.transition("a", PluginState.INACTIVE)
    registry.transition("a", PluginState.ACTIVE)
    registry.deregister("a")
    assert sink.names() == [
        "registry_register",
        "registry_transition",
        "registry_meta_updated",
        "command_group_registered",
        "registry_hookspecs",
        "hook_failed",
        "hook_call",
        "registry_transition",
        "registry_transition",
        "registry_transition",
        "registry_deregister",
    ]
    assert set(sink.names()) <= set(EVENTS)
    payloads = dict(sink.events)
    assert payloads["registry_register"] == {"name": "a", "alias": "al", "version": "1.0"}
    assert payloads["hook_failed"] == {"hook": "health", "plugin": "a", "error": "ValueError('no')"}
    call = payloads["hook_call"]
    assert (call["hook"], call["implementations"], call["failed"]) == ("health", 1, 1)


def test_a_null_sink_turns_every_event_off() -> None:
    class Counting(NullSink):
        calls = 0

        def event(self, name: str, payload: object) -> None:
            Counting.calls += 1

    registry = Registry(Counting())
    registry.register("a", object())
    registry.emit("custom", x=1)
    registry.call_hook_sync("health")
    assert Counting.calls == 0


def test_a_failing_sink_is_reported_as_an_event_to_the_others() -> None:
    class Broken:
        def event(self, name: str, payload: object) -> None:
            raise RuntimeError("sink down")

    memory = MemorySink()
    emitter = Emitter(Broken(), memory)
    emitter.emit("registry_register", name="a")
    [(_, failure)] = [event for event in memory.events if event[0] == "registry_telemetry_failed"]
    assert failure["event"] == "registry_register"
    assert failure["error"] == "RuntimeError('sink down')"


class Service:
    pass


def test_container_resolves_registers_and_caches() -> None:
    container = di.Container()
    built: list[Service] = []

    def build(container: di.Container) -> Service:
        built.append(Service())
        return built[-1]

    container.register(Service, build)
    assert container.resolve(Service) is container.resolve(Service)
    assert len(built) == 1
    with pytest.raises(di.ServiceNotFoundError, match="No service registered for int"):
        container.resolve(int)


def test_scopes_override_and_restore() -> None:
    root_registry = di.current().resolve(Registry)
    with di.scope() as outer:
        assert outer.resolve(Registry) is root_registry
        override = Registry()
        outer.provide(Registry, override)
        assert di.current().resolve(Registry) is override
        with di.scope() as inner:
            assert inner.resolve(Registry) is override
        assert di.current() is outer
    assert di.current().resolve(Registry) is root_registry


class Settings:
    def __init__(self, name: str):
        self.name = name


class Client:
    def __init__(self, settings: Settings):
        self.settings = settings


def test_a_parent_s_factory_runs_in_the_child_scope_and_sees_its_overrides() -> None:
    root = di.Container()
    root.provide(Settings, Settings("root"))
    root.register(Client, lambda container: Client(container.resolve(Settings)))
    child = di.Container(parent=root)
    child.provide(Settings, Settings("child"))
    assert child.resolve(Client).settings.name == "child"
    # Built for the child, kept in the child: the parent builds its own.
    assert root.resolve(Client).settings.name == "root"
    assert child.resolve(Client) is child.resolve(Client)
    assert root.resolve(Client) is not child.resolve(Client)


def test_scopes_do_not_leak_across_threads() -> None:
    seen: list[object] = []
    with di.scope() as scoped:
        scoped.provide(Service, Service())

        def other_thread() -> None:
            seen.append(di.current())

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert seen[0] is not scoped
