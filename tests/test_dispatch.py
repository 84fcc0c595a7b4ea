from __future__ import annotations

import asyncio
import time
from collections.abc import Generator
from typing import Any

import pluggy
import pytest

from pegboard import CoreSpec, HookFailedError, HookNotFoundError, Registry, hookimpl


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
    with pytest.raises(RuntimeError, match="wrapper broke") as caught:
        registry.call_hook_sync("health")
    assert caught.value.__notes__ == ["raised by plugin 'w' in hook 'health'"]


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


def test_one_failure_does_not_stop_the_others_and_raises_the_plugin_s_own_error() -> None:
    registry = registry_with(a=Answer(1), bad=Raising(), c=Answer(3))
    with pytest.raises(ValueError, match="boom") as caught:
        registry.call_hook_sync("health")
    assert caught.value.__notes__ == ["raised by plugin 'bad' in hook 'health'"]
    assert registry.call_hook_sync("health", errors="collect") == [3, 1]
    # Raised again, the same exception object does not collect a second note.
    with pytest.raises(ValueError, match="boom") as again:
        asyncio.run(registry.call_hook("health"))
    assert len(again.value.__notes__) == 1


def test_several_failures_raise_an_exception_group_in_call_order() -> None:
    class Typed:
        @hookimpl
        def health(self) -> bool:
            raise TypeError("wrong")

    registry = registry_with(a=Raising(), ok=Answer(1), b=Typed())
    with pytest.raises(ExceptionGroup, match="2 plugins failed in hook 'health'") as caught:
        registry.call_hook_sync("health")
    assert [type(e) for e in caught.value.exceptions] == [TypeError, ValueError]
    assert caught.value.exceptions[1].__notes__ == ["raised by plugin 'a' in hook 'health'"]
    handled = []
    try:
        registry.call_hook_sync("health")
    except* ValueError as group:
        handled.append(("value", len(group.exceptions)))
    except* TypeError as group:
        handled.append(("type", len(group.exceptions)))
    assert handled == [("value", 1), ("type", 1)]


def test_system_exit_under_raise_is_wrapped_not_re_raised() -> None:
    registry = registry_with(a=Answer(1), ex=Exiting())
    with pytest.raises(HookFailedError, match="Plugin 'ex' raised SystemExit") as caught:
        registry.call_hook_sync("health")
    assert isinstance(caught.value.__cause__, SystemExit)
    assert caught.value.plugin == "ex"
    assert caught.value.hook == "health"


def test_hook_call_error_is_a_deprecated_name_of_hook_failed_error() -> None:
    with pytest.warns(DeprecationWarning, match="HookCallError is deprecated") as record:
        from pegboard import HookCallError
    assert HookCallError is HookFailedError
    assert record[0].filename == __file__


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
    with pytest.raises(ValueError, match="boom"):
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
    with pytest.raises(TimeoutError, match=r"no result within 0\.05 s") as caught:
        registry.call_hook_sync("health", timeout=0.05)
    assert caught.value.__notes__ == ["raised by plugin 'hung' in hook 'health'"]


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


@pytest.mark.parametrize("plugin", [SlowAsync(0.0, 7), Answer(7)], ids=["async", "sync"])
def test_sync_calls_work_inside_a_running_loop(plugin: object) -> None:
    # The same result whatever is installed, so a host's behaviour does not depend on plugins.
    registry = registry_with(p=plugin)

    async def inside() -> tuple[Any, list[Any]]:
        return (
            registry.call_hook_sync("health"),
            [o.result for o in registry.call_hook_detailed_sync("health")],
        )

    assert asyncio.run(inside()) == ([7], [7])


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
