from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pegboard import JsonLinesSink, MemorySink, Registry, Telemetry, di
from pegboard.hooks.telemetry import Emitter


def test_memory_sink_is_the_default_and_records_state_changes() -> None:
    registry = Registry()
    assert isinstance(registry.telemetry, MemorySink)
    registry.register("a", object())
    assert registry.telemetry.names() == ["plugin.state"]
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
    assert [(e["event"], e["state"]) for e in lines] == [
        ("plugin.state", "active"),
        ("plugin.state", "removed"),
    ]


def test_emitter_isolates_failing_sinks(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        def event(self, name: str, payload: object) -> None:
            raise OSError("disk full")

    memory = MemorySink()
    Emitter(Broken(), memory).emit("x", a=1)
    assert memory.events[0] == ("x", {"a": 1})
    assert "disk full" in caplog.text


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
