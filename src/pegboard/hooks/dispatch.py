"""Calling one hook: every implementation runs, async ones concurrently, failures attributed.

pluggy's own call loop stops at the first exception and returns results without saying which
plugin produced them. pegboard needs the opposite on both counts, so it walks the
implementations pluggy keeps (``HookCaller.get_hookimpls()``, already sorted for
``tryfirst``/``trylast``) with its own loop:

* each implementation's exception (or ``SystemExit``) is caught and attributed to its plugin;
  ``KeyboardInterrupt`` is never caught, so Ctrl-C still stops the host;
* ``async def`` implementations are started in order and awaited together, each under an
  optional timeout;
* wrappers (``wrapper=True`` and old-style ``hookwrapper=True``) wrap the whole call as in
  pluggy; a wrapper that fails is attributed to its plugin and leaves the result unchanged.

The common case (no wrappers, no async implementations, no timing) has a loop of its own,
:func:`call_plain`, because it is the hot path whose cost is budgeted against bare pluggy.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable, Collection, Generator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Final, cast

import pluggy

from pegboard._errors import HookCallError

if TYPE_CHECKING:
    import asyncio

_ISOLATED: Final = (Exception, SystemExit)
"""What a plugin may raise without stopping the call: everything but Ctrl-C and the like."""

PlainImpl = tuple[str, Callable[..., Any], tuple[str, ...]]
"""(plugin name, function, argument names) of a non-wrapper implementation."""


@dataclass(frozen=True, slots=True)
class HookOutcome:
    """What one plugin's implementation of a hook produced."""

    plugin: str
    result: Any = None
    error: BaseException | None = None
    duration: float = 0.0
    """Seconds from the call (or the task's start) to its result."""

    @property
    def ok(self) -> bool:
        """Whether the implementation returned without raising or timing out."""
        return self.error is None


@dataclass(frozen=True, slots=True)
class PreparedHook:
    """One hook's implementations in call order, split the way the call loop needs them.

    Building this once per registry change keeps per-call work down to the loop itself.
    """

    name: str
    argnames: tuple[str, ...]
    defaults: Mapping[str, Any]
    firstresult: bool
    plain: tuple[PlainImpl, ...]
    async_plugins: frozenset[str]
    wrappers: tuple[pluggy.HookImpl, ...] = field(default=())

    @property
    def simple(self) -> bool:
        """Whether :func:`call_plain` can run this hook on its own."""
        return not self.wrappers and not self.async_plugins


def prepare(hook: pluggy.HookCaller) -> PreparedHook:
    """Sort a pluggy hook's implementations into call order for :func:`call_plain`/`call_full`."""
    import inspect  # only when the registry changed, never per call

    # pluggy keeps implementations in reverse call order.
    impls = hook.get_hookimpls()[::-1]
    spec = hook.spec
    plain = tuple(
        (impl.plugin_name, impl.function, tuple(impl.argnames))
        for impl in impls
        if not (impl.wrapper or impl.hookwrapper)
    )
    return PreparedHook(
        name=hook.name,
        argnames=tuple(spec.argnames) if spec is not None else (),
        defaults=dict(getattr(spec, "kwargdefaults", None) or {}),
        firstresult=bool(spec is not None and spec.opts.get("firstresult", False)),
        plain=plain,
        async_plugins=frozenset(
            name for name, function, _ in plain if inspect.iscoroutinefunction(function)
        ),
        wrappers=tuple(impl for impl in impls if impl.wrapper or impl.hookwrapper),
    )


def restrict(hook: PreparedHook, plugins: Collection[str]) -> PreparedHook:
    """Return ``hook`` with only the implementations of ``plugins``."""
    plain = tuple(impl for impl in hook.plain if impl[0] in plugins)
    return replace(
        hook,
        plain=plain,
        async_plugins=hook.async_plugins.intersection(plugins),
        wrappers=tuple(w for w in hook.wrappers if w.plugin_name in plugins),
    )


def check_arguments(hook: PreparedHook, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return ``kwargs`` with the spec's defaults, or raise TypeError naming missing arguments.

    pluggy only warns here; a missing argument would then surface as a ``KeyError`` blamed on
    whichever plugin happened to run first, which is the caller's mistake reported as a plugin's.
    """
    if hook.defaults:
        kwargs = {**hook.defaults, **kwargs}
    missing = [name for name in hook.argnames if name not in kwargs]
    if missing:
        raise TypeError(f"hook {hook.name!r} called without argument(s) {', '.join(missing)}")
    return kwargs


def call_plain(
    hook: PreparedHook, kwargs: Mapping[str, Any]
) -> tuple[list[Any], list[tuple[str, BaseException]]]:
    """Run a simple hook's implementations in order; return (non-None results, failures)."""
    results: list[Any] = []
    failures: list[tuple[str, BaseException]] = []
    firstresult = hook.firstresult
    for plugin, function, argnames in hook.plain:
        try:
            result = function(*[kwargs[name] for name in argnames])
        except _ISOLATED as exc:
            failures.append((plugin, exc))
            continue
        if result is not None:
            results.append(result)
            if firstresult:
                break
    return results, failures


async def call_full(
    hook: PreparedHook,
    kwargs: Mapping[str, Any],
    *,
    timeout: float | None,
    offload_sync: bool,
) -> tuple[Any, list[HookOutcome]]:
    """Run every implementation of ``hook``; return (the call's value, outcomes).

    The value is what pluggy's call would return (a list of non-None results, or the first
    one for ``firstresult`` hooks), as changed by wrappers. Outcomes come one per
    implementation in call order, then one per wrapper that failed. With ``offload_sync`` the
    synchronous implementations run in daemon threads so that ``timeout`` bounds them too (a
    hung thread is abandoned, never joined).
    """
    import asyncio

    teardowns: list[_Teardown] = []
    wrapper_failures: list[HookOutcome] = []
    for impl in hook.wrappers:
        entered = _enter_wrapper(impl, kwargs)
        if isinstance(entered, HookOutcome):
            wrapper_failures.append(entered)
        else:
            teardowns.append(entered)
    slots: list[_Slot] = []
    for plugin, function, argnames in hook.plain:
        args = [kwargs[name] for name in argnames]
        if offload_sync and plugin not in hook.async_plugins:
            slots.append(_Slot(plugin, pending=_in_daemon_thread(function, args)))
            continue
        start = time.perf_counter()
        try:
            result = function(*args)
        except _ISOLATED as exc:
            slots.append(_Slot(plugin, error=exc, duration=time.perf_counter() - start))
            continue
        if asyncio.iscoroutine(result):
            slots.append(_Slot(plugin, pending=result))
            continue
        slots.append(_Slot(plugin, result=result, duration=time.perf_counter() - start))
        if hook.firstresult and result is not None:
            break

    pending = [slot for slot in slots if slot.pending is not None]
    if pending:
        await asyncio.gather(*(slot.settle(timeout) for slot in pending))

    outcomes = [slot.outcome() for slot in slots]
    results = [o.result for o in outcomes if o.ok and o.result is not None]
    value: Any = (results[0] if results else None) if hook.firstresult else results
    outcomes += wrapper_failures
    for teardown in reversed(teardowns):
        value, failed = teardown(value)
        if failed is not None:
            outcomes.append(failed)
    return value, outcomes


class _Slot:
    """One implementation's outcome while it may still be pending."""

    __slots__ = ("duration", "error", "pending", "plugin", "result")

    def __init__(
        self,
        plugin: str,
        *,
        result: Any = None,
        error: BaseException | None = None,
        duration: float = 0.0,
        pending: Awaitable[Any] | None = None,
    ):
        self.plugin = plugin
        self.result = result
        self.error = error
        self.duration = duration
        self.pending = pending

    async def settle(self, timeout: float | None) -> None:
        """Await the pending result under ``timeout``; record result or error."""
        import asyncio

        assert self.pending is not None
        start = time.perf_counter()
        try:
            self.result = await asyncio.wait_for(self.pending, timeout)
        except TimeoutError:
            self.error = TimeoutError(f"no result within {timeout} s")
        except _ISOLATED as exc:
            self.error = exc
        self.duration = time.perf_counter() - start

    def outcome(self) -> HookOutcome:
        return HookOutcome(self.plugin, self.result, self.error, self.duration)


def _in_daemon_thread(function: Callable[..., Any], args: list[Any]) -> asyncio.Future[Any]:
    """Run ``function(*args)`` in a daemon thread and return a future of its result.

    ``asyncio.to_thread`` would use the loop's executor, whose threads are joined at
    interpreter exit: one hung plugin would then hang the host on the way out.
    """
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(setter: Callable[[Any], object], value: Any) -> None:
        if not future.done():
            setter(value)

    def hand_over(setter: Callable[[Any], object], value: Any) -> None:
        # After a timeout the loop may be closed: then nobody waits for this result.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, setter, value)

    def run() -> None:
        try:
            value = function(*args)
        except BaseException as exc:  # handed to the awaiting side, which isolates it
            hand_over(future.set_exception, exc)
        else:
            hand_over(future.set_result, value)

    threading.Thread(target=run, name=f"pegboard-{function.__name__}", daemon=True).start()
    return future


_Teardown = Callable[[Any], tuple[Any, HookOutcome | None]]


def _enter_wrapper(impl: pluggy.HookImpl, kwargs: Mapping[str, Any]) -> _Teardown | HookOutcome:
    """Run a wrapper up to its ``yield``; return the function that finishes it.

    The returned function takes the inner value and returns (the value the wrapper leaves,
    an outcome if the wrapper failed). When the wrapper fails before yielding, the failed
    outcome is returned instead and the wrapper is left out of the call.
    """
    start = time.perf_counter()
    try:
        generator = cast(
            Generator[Any, Any, Any], impl.function(*[kwargs[name] for name in impl.argnames])
        )
        next(generator)
    except _ISOLATED as exc:
        return HookOutcome(impl.plugin_name, None, exc, time.perf_counter() - start)

    def finish(value: Any) -> tuple[Any, HookOutcome | None]:
        old_style = pluggy.Result(value, None) if impl.hookwrapper else None
        try:
            generator.send(old_style if old_style is not None else value)
        except StopIteration as stop:
            if old_style is None:
                return stop.value, None
            try:
                # An old-style wrapper may have set an exception with force_exception().
                return old_style.get_result(), None
            except _ISOLATED as exc:
                failed = HookOutcome(impl.plugin_name, None, exc, time.perf_counter() - start)
                return value, failed
        except _ISOLATED as exc:
            return value, HookOutcome(impl.plugin_name, None, exc, time.perf_counter() - start)
        generator.close()
        error = RuntimeError("hook wrapper yielded more than once")
        return value, HookOutcome(impl.plugin_name, None, error, time.perf_counter() - start)

    return finish


def first_error(hook: str, failures: Sequence[tuple[str, BaseException]]) -> HookCallError | None:
    """Return the error to raise for the first failure, with the plugin's name attached."""
    if not failures:
        return None
    plugin, error = failures[0]
    exc = HookCallError(hook, plugin, error)
    exc.__cause__ = error
    return exc
