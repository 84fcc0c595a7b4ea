from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from typing import Any

import pluggy
import pytest

from pegboard import CoreSpec, HookCallError, HookNotFoundError, PegboardError, Registry, hookimpl


class Answer:
    def __init__(self, value: Any):
        self.value = value

    @hookimpl
    def health(self) -> Any:
        return self.value


class Raising:
    @hookimpl
    def health(self) -> bool:
        raise ValueError("boom")


class Exiting:
    @hookimpl
    def health(self) -> bool:
        raise SystemExit(3)


class SlowAsync:
    def __init__(self, seconds: float, value: Any = True):
        self.seconds = seconds
        self.value = value

    @hookimpl
    async def health(self) -> Any:
        await asyncio.sleep(self.seconds)
        return self.value


def registry_with(**plugins: object) -> Registry:
    registry = Registry()
    for name, plugin in plugins.items():
        registry.register(name, plugin)
    return registry


def test_results_in_pluggy_order_without_none() -> None:
    registry = registry_with(a=Answer(1), b=Answer(None), c=Answer(3))
    pm = pluggy.PluginManager("pegboard")
    pm.add_hookspecs(CoreSpec)
    for name in "abc":
        pm.register(registry.get(name), name)
    assert registry.call_hook_sync("health") == pm.hook.health() == [3, 1]


def test_tryfirst_trylast_and_wrappers_match_pluggy() -> None:
    order: list[str] = []

    class First:
        @hookimpl(tryfirst=True)
        def health(self) -> str:
            return "first"

    class Last:
        @hookimpl(trylast=True)
        def health(self) -> str:
            return "last"

    class NewWrapper:
        @hookimpl(wrapper=True)
        def health(self) -> Generator[None, list[str], list[str]]:
            order.append("new-before")
            result = yield
            order.append("new-after")
            return [*result, "wrapped"]

    class OldWrapper:
        @hookimpl(hookwrapper=True)
        def health(self) -> Generator[None, pluggy.Result[list[str]], None]:
            order.append("old-before")
            outcome = yield
            order.append("old-after")
            outcome.force_result([*outcome.get_result(), "old"])

    plugins = {
        "first": First(),
        "last": Last(),
        "mid": Answer("mid"),
        "nw": NewWrapper(),
        "ow": OldWrapper(),
    }
    registry = registry_with(**plugins)
    ours = registry.call_hook_sync("health")
    ours_order = list(order)
    order.clear()
    pm = pluggy.PluginManager("pegboard")
    pm.add_hookspecs(CoreSpec)
    for name, plugin in plugins.items():
        pm.register(plugin, name)
    assert ours == pm.hook.health()
    assert ours_order == order
    assert ours[:3] == ["first", "mid", "last"]


def test_a_failing_wrapper_is_attributed_and_leaves_the_result() -> None:
    class BadWrapper:
        @hookimpl(wrapper=True)
        def health(self) -> Generator[None, list[Any], list[Any]]:
            yield
            raise RuntimeError("wrapper broke")

    registry = registry_with(w=BadWrapper(), a=Answer(1))
    outcomes = registry.call_hook_detailed_sync("health")
    assert [(o.plugin, o.ok) for o in outcomes] == [("a", True), ("w", False)]
    with pytest.raises(HookCallError, match="Plugin 'w' raised"):
        registry.call_hook_sync("health")


def test_a_wrapper_failing_before_it_yields_is_left_out_and_reported() -> None:
    class BrokenWrapper:
        @hookimpl(wrapper=True)
        def health(self) -> Generator[None, list[Any], list[Any]]:
            raise RuntimeError("broke before yielding")
            yield  # a generator function all the same

    registry = registry_with(w=BrokenWrapper(), a=Answer(1))
    outcomes = registry.call_hook_detailed_sync("health")
    assert [(o.plugin, o.ok) for o in outcomes] == [("a", True), ("w", False)]
    assert registry.call_hook_sync("health", errors="collect") == [1]


def test_an_old_style_wrapper_forcing_an_exception_is_attributed() -> None:
    class Forcing:
        @hookimpl(hookwrapper=True)
        def health(self) -> Generator[None, pluggy.Result[list[Any]], None]:
            result = yield
            result.force_exception(ValueError("forced"))

    registry = registry_with(f=Forcing(), a=Answer(1))
    outcomes = registry.call_hook_detailed_sync("health")
    failed = [o for o in outcomes if not o.ok]
    assert [o.plugin for o in failed] == ["f"]
    assert isinstance(failed[0].error, ValueError)
    assert registry.call_hook_sync("health", errors="collect") == [1]


def test_one_failure_does_not_stop_the_others_and_is_raised_after() -> None:
    registry = registry_with(a=Answer(1), bad=Raising(), c=Answer(3))
    with pytest.raises(HookCallError, match="Plugin 'bad' raised ValueError") as caught:
        registry.call_hook_sync("health")
    assert isinstance(caught.value.__cause__, ValueError)
    assert caught.value.plugin == "bad"
    assert registry.call_hook_sync("health", errors="collect") == [3, 1]


def test_system_exit_is_isolated_keyboard_interrupt_is_not() -> None:
    registry = registry_with(a=Answer(1), ex=Exiting())
    assert registry.call_hook_sync("health", errors="collect") == [1]

    class Interrupt:
        @hookimpl
        def health(self) -> None:
            raise KeyboardInterrupt

    registry.register("int", Interrupt())
    with pytest.raises(KeyboardInterrupt):
        registry.call_hook_sync("health", errors="collect")


def test_detailed_outcomes_attribute_results_errors_and_durations() -> None:
    registry = registry_with(a=Answer("fine"), bad=Raising(), slow=SlowAsync(0.05, "late"))
    outcomes = registry.call_hook_detailed_sync("health")
    by_plugin = {o.plugin: o for o in outcomes}
    assert by_plugin["a"].result == "fine"
    assert by_plugin["a"].ok
    assert isinstance(by_plugin["bad"].error, ValueError)
    assert not by_plugin["bad"].ok
    assert by_plugin["slow"].result == "late"
    assert by_plugin["slow"].duration >= 0.04
    with pytest.raises(HookCallError):
        registry.call_hook_detailed_sync("health", errors="raise")


def test_async_implementations_run_concurrently() -> None:
    registry = Registry()
    for index in range(100):
        registry.register(f"p{index}", SlowAsync(0.01, index))
    start = time.perf_counter()
    results = asyncio.run(registry.call_hook("health"))
    elapsed = time.perf_counter() - start
    assert sorted(results) == list(range(100))
    # Sequential awaiting would take at least 100 x 10 ms.
    assert elapsed < 0.5


def test_timeout_bounds_each_async_implementation() -> None:
    registry = registry_with(fast=SlowAsync(0.0, "fast"), hung=SlowAsync(30))
    outcomes = registry.call_hook_detailed_sync("health", timeout=0.05)
    by_plugin = {o.plugin: o for o in outcomes}
    assert by_plugin["fast"].result == "fast"
    assert isinstance(by_plugin["hung"].error, TimeoutError)
    with pytest.raises(HookCallError, match="Plugin 'hung' timed out"):
        registry.call_hook_sync("health", timeout=0.05)


def test_offloaded_sync_implementations_are_bounded_too() -> None:
    class Hung:
        @hookimpl
        def health(self) -> bool:
            time.sleep(5)
            return True

    registry = registry_with(hung=Hung(), a=Answer(1))
    outcomes = registry.call_hook_detailed_sync("health", timeout=0.1, offload_sync=True)
    assert {o.plugin: type(o.error) for o in outcomes} == {"hung": TimeoutError, "a": type(None)}


def test_unknown_hook_lists_known_hooks() -> None:
    registry = Registry()
    with pytest.raises(HookNotFoundError, match="Known hooks: health, post_execute"):
        registry.call_hook_sync("helth")


def test_missing_arguments_are_the_caller_s_error() -> None:
    registry = registry_with(a=Answer(1))
    with pytest.raises(TypeError, match="without argument"):
        registry.call_hook_sync("pre_execute", name="x")
    # Also when no plugin implements the hook: the bug is the host's either way.
    with pytest.raises(TypeError, match="without argument"):
        Registry().call_hook_detailed_sync("pre_execute", name="x")


@pytest.mark.parametrize("plugin", [SlowAsync(0.0), Answer(1)], ids=["async", "sync"])
def test_sync_call_inside_a_running_loop_says_what_to_do(plugin: object) -> None:
    # Refused whatever is installed, so a host's behaviour does not depend on its plugins.
    registry = registry_with(p=plugin)

    async def inside() -> None:
        with pytest.raises(PegboardError, match="inside a running event loop"):
            registry.call_hook_sync("health")
        with pytest.raises(PegboardError, match="inside a running event loop"):
            registry.call_hook_detailed_sync("health")

    asyncio.run(inside())


def test_firstresult_hooks_return_one_value() -> None:
    class Spec:
        @pluggy.HookspecMarker("pegboard")(firstresult=True)
        def pick(self) -> int:  # type: ignore[empty-body]
            """Return a choice."""

    class Picker:
        def __init__(self, value: int | None):
            self.value = value

        @hookimpl
        def pick(self) -> int | None:
            return self.value

    registry = Registry(hookspecs=[Spec])
    assert registry.call_hook_sync("pick") is None
    registry.register("none", Picker(None))
    registry.register("one", Picker(1))
    registry.register("two", Picker(2))
    assert registry.call_hook_sync("pick") == 2
    assert asyncio.run(registry.call_hook("pick")) == 2
