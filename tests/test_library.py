"""``load_entrypoints`` and ``aload_entrypoints``: a group's plugins loaded without a Host."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conftest import SiteDir
from pegboard import (
    PluginState,
    Registry,
    StartupContext,
    aload_entrypoints,
    di,
    load_entrypoints,
)

GROUP = "libtest.plugins"

GOOD = """
STARTS = []

class Plugin:
    version = "2.0"

    def startup(self, ctx):
        STARTS.append(ctx)

plugin = Plugin()
"""


@pytest.fixture
def plugins(site: SiteDir) -> SiteDir:
    """A good plugin, one with an invalid name, one with corrupt entry points, one too new."""
    site.add(
        "lib-good", entry_points={GROUP: {"good": "lib_good:plugin"}}, modules={"lib_good": GOOD}
    )
    site.add("lib-bad-name", entry_points={GROUP: {"bad name": "lib_good:plugin"}})
    site.add("lib-corrupt", entry_points_text=f"[{GROUP}\nbroken = x:y\n")
    site.add(
        "lib-new",
        entry_points={GROUP: {"new": "lib_new:plugin"}},
        requires=["libtest>=9"],
        modules={"lib_new": "raise RuntimeError('must never be imported')"},
    )
    return site


def load(registry: Registry) -> list[str]:
    loaded = load_entrypoints(
        registry, group=GROUP, host_distribution="libtest", host_version="1.0"
    )
    return [outcome.record.name for outcome in loaded]


def starts() -> list[StartupContext]:
    import lib_good  # type: ignore[import-not-found]

    return list(lib_good.STARTS)


def test_refused_plugins_are_recorded_as_failed_with_their_reason(plugins: SiteDir) -> None:
    registry = Registry()
    assert load(registry) == ["good"]
    assert registry.state("good") is PluginState.ACTIVE
    assert registry.meta("good")["version"] == "2.0"
    assert registry.state("bad name") is PluginState.FAILED
    assert "whitespace" in registry.meta("bad name")["reason"]
    assert registry.state("new") is PluginState.FAILED
    assert "requires libtest>=9" in registry.meta("new")["reason"]
    [corrupt] = [name for name in registry_states(registry) if name.startswith("<corrupt")]
    assert registry.state(corrupt) is PluginState.FAILED
    reason = registry.meta(corrupt)["reason"]
    assert "corrupt" in reason
    assert "entry_points.txt" in reason


def registry_states(registry: Registry) -> list[str]:
    failed = [
        payload["name"]
        for event, payload in registry.telemetry.events  # type: ignore[attr-defined]
        if event == "registry_transition" and payload["state"] == "failed"
    ]
    return sorted(set(failed))


def test_startup_gets_a_startup_context(plugins: SiteDir) -> None:
    registry = Registry()
    load(registry)
    [ctx] = starts()
    assert ctx == StartupContext("libtest", "1.0", "1.0", registry)
    assert ctx.registry.state("good") is PluginState.ACTIVE
    assert dict(ctx.settings) == {}


def test_calling_it_twice_loads_only_what_is_new(plugins: SiteDir) -> None:
    registry = Registry()
    assert load(registry) == ["good"]
    assert load(registry) == []
    assert registry.state("good") is PluginState.ACTIVE
    assert registry.state("bad name") is PluginState.FAILED
    assert len(starts()) == 1
    # A deregistered plugin is loaded again, a refused one stays refused.
    registry.deregister("good")
    assert load(registry) == ["good"]
    assert registry.state("good") is PluginState.ACTIVE


def test_the_registry_defaults_to_the_container_s(plugins: SiteDir) -> None:
    registry = Registry()
    with di.scope() as scope:
        scope.provide(Registry, registry)
        load_entrypoints(group=GROUP, host_distribution="libtest", host_version="1.0")
    assert registry.state("good") is PluginState.ACTIVE
    other = Registry()
    container = di.Container()
    container.provide(Registry, other)
    load_entrypoints(di=container, group=GROUP, host_distribution="libtest")
    assert other.state("good") is PluginState.ACTIVE


ASYNC_STARTUP = """
import asyncio

STARTED = []

class Plugin:
    async def startup(self):
        await asyncio.sleep(0)
        STARTED.append(True)

plugin = Plugin()
"""


def test_sync_and_async_loading_work_inside_a_running_loop(site: SiteDir) -> None:
    site.add(
        "lib-async", entry_points={GROUP: {"later": "lib_async:plugin"}},
        modules={"lib_async": ASYNC_STARTUP},
    )  # fmt: skip
    options: dict[str, Any] = {"group": GROUP, "host_distribution": "libtest"}

    async def main() -> list[list[str]]:
        first, second, third = Registry(), Registry(), Registry()
        loaded = [
            load_entrypoints(first, **options),
            await load_entrypoints(second, **options),
            await aload_entrypoints(third, **options),
        ]
        for registry in (first, second, third):
            assert registry.state("later") is PluginState.ACTIVE
        return [[o.record.name for o in outcomes] for outcomes in loaded]

    assert asyncio.run(main()) == [["later"]] * 3
    import lib_async  # type: ignore[import-not-found]

    assert lib_async.STARTED == [True, True, True]


def test_seed_style_await_of_load_entrypoints(site: SiteDir) -> None:
    site.add(
        "lib-async", entry_points={GROUP: {"later": "lib_async:plugin"}},
        modules={"lib_async": ASYNC_STARTUP},
    )  # fmt: skip
    registry = Registry()

    async def main() -> None:
        await load_entrypoints(registry=registry, group=GROUP, host_distribution="libtest")

    asyncio.run(main())
    assert registry.state("later") is PluginState.ACTIVE


def test_the_outcome_says_what_loading_found_and_the_registry_keeps_the_identity(
    plugins: SiteDir,
) -> None:
    plugins.add(
        "lib-future",
        entry_points={GROUP: {"future": "lib_future:Plugin"}},
        modules={"lib_future": "class Plugin:\n    requires_api_version = '>=9'\n"},
    )
    registry = Registry()
    outcomes = load_entrypoints(registry, group=GROUP, host_distribution="libtest")
    found = {o.record.name: (o.kind, o.error) for o in outcomes}
    assert found["good"] == ("plugin", None)
    kind, error = found["future"]
    assert kind == "incompatible"
    assert error is not None
    assert "requires host API >=9" in error
    assert registry.meta("good") == {"version": "2.0", "distribution": "lib-good"}
    assert registry.meta("new")["distribution"] == "lib-new"
    assert registry.state("future") is PluginState.FAILED
