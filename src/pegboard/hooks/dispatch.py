"""Calling one hook: every implementation runs, async ones concurrently, failures attributed.

pluggy's own call loop stops at the first exception and returns results without saying which
plugin produced them. pegboard needs the opposite on both counts, so it walks the
implementations pluggy keeps (``HookCaller.get_hookimpls()``, already sorted for
``tryfirst``/``trylast``) with its own loop:

* each implementation's exception is caught and attributed to its plugin, whatever its class
  (``SystemExit``, ``asyncio.CancelledError``, ``GeneratorExit`` …); only ``KeyboardInterrupt``
  is never caught, so Ctrl-C still stops the host;
* ``async def`` implementations are started in order and awaited together, each under an
  optional timeout; one that overruns is cancelled and abandoned, never awaited again, so a
  plugin that swallows the cancellation cannot hold the call;
* wrappers (``wrapper=True`` and old-style ``hookwrapper=True``) wrap the whole call as in
  pluggy; a wrapper that fails is attributed to its plugin and leaves the result unchanged.

There is one core, :func:`call_full`, and three ways to drive it:

* ``await call_full(...)`` from async code (the registry's ``call_hook``);
* :func:`call_in_thread` from sync code: the core runs on a private event loop in a daemon
  thread while the caller waits at most one timeout longer than the implementations may take,
  so neither a plugin that blocks the loop nor one whose ``asyncio.to_thread`` hangs can keep
  the call, or the process, from ending;
* the common case (no wrappers, no async implementations) needs no event loop at all:
  :func:`call_plain`, the hot path whose cost is budgeted against bare pluggy, and
  :func:`call_plain_bounded`, the same loop with each implementation bounded in a worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import pluggy

from pegboard._errors import HookFailedError
from pegboard.hooks.outcome import HookOutcome
from pegboard.hooks.wrappers import Teardown, enter_wrapper

if TYPE_CHECKING:
    import asyncio

PlainImpl = tuple[str, Callable[..., Any], tuple[str, ...]]
"""(plugin name, function, argument names) of a non-wrapper implementation."""

Failure = tuple[str, BaseException]
"""(plugin name, what its implementation raised)."""


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


def prepare(hook: pluggy.HookCaller, optional: Mapping[str, Any]) -> PreparedHook:
    """Sort a pluggy hook's implementations into call order.

    ``optional`` gives defaults for arguments a caller may leave out (``startup``'s ``ctx``),
    next to those the specification itself declares.
    """
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
        defaults={**optional, **(getattr(spec, "kwargdefaults", None) or {})},
        firstresult=bool(spec is not None and spec.opts.get("firstresult", False)),
        plain=plain,
        async_plugins=frozenset(
            name for name, function, _ in plain if inspect.iscoroutinefunction(function)
        ),
        wrappers=tuple(impl for impl in impls if impl.wrapper or impl.hookwrapper),
    )


def restrict(hook: PreparedHook, plugins: Collection[str]) -> PreparedHook:
    """Return ``hook`` with only the implementations of ``plugins``."""
    return replace(
        hook,
        plain=tuple(impl for impl in hook.plain if impl[0] in plugins),
        async_plugins=hook.async_plugins.intersection(plugins),
        wrappers=tuple(w for w in hook.wrappers if w.plugin_name in plugins),
    )


def check_arguments(hook: PreparedHook, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Return ``kwargs`` with the defaults filled in, or raise TypeError naming missing ones.

    pluggy only warns here; a missing argument would then surface as a ``KeyError`` blamed on
    whichever plugin happened to run first, which is the caller's mistake reported as a plugin's.
    """
    if hook.defaults:
        kwargs = {**hook.defaults, **kwargs}
    missing = [name for name in hook.argnames if name not in kwargs]
    if missing:
        raise TypeError(f"hook {hook.name!r} called without argument(s) {', '.join(missing)}")
    return kwargs


def call_plain(hook: PreparedHook, kwargs: Mapping[str, Any]) -> tuple[list[Any], list[Failure]]:
    """Run a simple hook's implementations in order; return (non-None results, failures)."""
    results: list[Any] = []
    failures: list[Failure] = []
    firstresult = hook.firstresult
    for plugin, function, argnames in hook.plain:
        try:
            result = function(*[kwargs[name] for name in argnames])
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the plugin boundary: see the module docstring
            failures.append((plugin, exc))
            continue
        if result is not None:
            results.append(result)
            if firstresult:
                break
    return results, failures


def call_plain_bounded(
    hook: PreparedHook, kwargs: Mapping[str, Any], timeout: float
) -> tuple[list[Any], list[Failure]]:
    """Run :func:`call_plain`'s loop with each implementation bounded by ``timeout`` seconds.

    The implementations run one after another in a daemon worker thread while this thread
    waits; one that overruns is reported as a TimeoutError and abandoned together with its
    worker (never joined), and a fresh worker goes on with the next one. No event loop is
    involved, so observing a command costs no ``asyncio`` import.
    """
    from pegboard.hooks.threads import Worker

    results: list[Any] = []
    failures: list[Failure] = []
    worker = Worker()
    try:
        for plugin, function, argnames in hook.plain:
            finished, result, error = worker.run(
                function, [kwargs[name] for name in argnames], timeout
            )
            if not finished:
                failures.append((plugin, _timed_out(timeout)))
                worker = Worker()
                continue
            if error is not None:
                failures.append((plugin, error))
            elif result is not None:
                results.append(result)
                if hook.firstresult:
                    break
    finally:
        worker.close()
    return results, failures


class Progress:
    """What a call has settled so far; read by :func:`call_in_thread` if it gives up waiting."""

    __slots__ = ("slots",)

    def __init__(self) -> None:
        self.slots: list[_Slot] = []


async def call_full(
    hook: PreparedHook,
    kwargs: Mapping[str, Any],
    *,
    timeout: float | None,
    offload_sync: bool,
    progress: Progress | None = None,
) -> tuple[Any, list[HookOutcome]]:
    """Run every implementation of ``hook``; return (the call's value, outcomes).

    The value is what pluggy's call would return (a list of non-None results, or the first
    one for ``firstresult`` hooks), as changed by wrappers. Outcomes come one per
    implementation in call order, then one per wrapper that failed. With ``offload_sync`` the
    synchronous implementations run concurrently in daemon threads; without it, but with a
    ``timeout``, they run in daemon threads one after another, so that the timeout bounds
    each of them too (a hung thread is abandoned, never joined).
    """
    import asyncio

    progress = progress if progress is not None else Progress()
    teardowns: list[Teardown] = []
    wrapper_failures: list[HookOutcome] = []
    for impl in hook.wrappers:
        entered = enter_wrapper(impl, kwargs)
        if isinstance(entered, HookOutcome):
            wrapper_failures.append(entered)
        else:
            teardowns.append(entered)
    slots = progress.slots
    await _start_plain(hook, kwargs, timeout, offload_sync, progress)

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


async def _start_plain(
    hook: PreparedHook,
    kwargs: Mapping[str, Any],
    timeout: float | None,
    offload_sync: bool,
    progress: Progress,
) -> None:
    """Start every non-wrapper implementation in call order, adding a slot for each.

    Inline synchronous ones have settled on return; coroutines and concurrently offloaded
    functions are left pending for the caller to settle together.
    """
    import asyncio

    from pegboard.hooks.threads import run_in_daemon

    slots = progress.slots
    for plugin, function, argnames in hook.plain:
        args = [kwargs[name] for name in argnames]
        if plugin not in hook.async_plugins and (offload_sync or timeout is not None):
            slot = _Slot(plugin, pending=run_in_daemon(function, args, _Failed))
            slots.append(slot)
            if not offload_sync:  # bounded, but one at a time and in call order
                await slot.settle(timeout)
                if hook.firstresult and slot.result is not None:
                    break
            continue
        start = time.perf_counter()
        try:
            result = function(*args)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # the plugin boundary: see the module docstring
            slots.append(_Slot(plugin, error=exc, duration=time.perf_counter() - start))
            continue
        if asyncio.iscoroutine(result):
            slots.append(_Slot(plugin, pending=_guarded(result)))
            continue
        slots.append(_Slot(plugin, result=result, duration=time.perf_counter() - start))
        if hook.firstresult and result is not None:
            break


def call_in_thread(
    hook: PreparedHook, kwargs: Mapping[str, Any], *, timeout: float | None, offload_sync: bool
) -> tuple[Any, list[HookOutcome]]:
    """Run :func:`call_full` from synchronous code, whether or not an event loop is running.

    The call gets a private event loop in a daemon thread. The loop's default executor starts
    daemon threads too, so a plugin's ``asyncio.to_thread`` that never returns is abandoned
    instead of being joined at exit. With a ``timeout``, this thread waits at most one timeout
    more than the implementations may take in all: beyond that a plugin is blocking the loop
    itself, and everything unsettled is reported as timed out and abandoned with the loop.
    """
    import threading

    from pegboard.hooks.threads import DaemonExecutor, start_daemon

    progress = Progress()
    box: list[tuple[Any, list[HookOutcome]] | BaseException] = []
    done = threading.Event()

    def serve() -> None:
        import asyncio

        loop = asyncio.new_event_loop()
        loop.set_default_executor(DaemonExecutor(max_workers=1))
        # What asyncio would log here ("Task exception was never retrieved" for a plugin
        # that raised after it was abandoned) was reported as an outcome already. Dropping
        # it also keeps this thread from formatting tracebacks, which in CPython 3.11 parses
        # source with the ast module, whose state is not thread-safe there (gh-106905).
        loop.set_exception_handler(lambda loop, context: None)
        try:
            box.append(
                loop.run_until_complete(
                    call_full(
                        hook, kwargs, timeout=timeout, offload_sync=offload_sync, progress=progress
                    )
                )
            )
        except BaseException as exc:  # handed to the waiting thread
            box.append(exc)
        done.set()
        _drain(loop)

    start_daemon(serve, "pegboard-hooks")
    waited = None if timeout is None else timeout * (2 + _one_at_a_time(hook, offload_sync))
    if done.wait(waited):
        outcome = box[0]
        if isinstance(outcome, KeyboardInterrupt):
            # A fresh one: the loop's thread goes on using the plugin's while it drains.
            raise KeyboardInterrupt
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome
    return None if hook.firstresult else [], _abandoned(hook, progress, cast(float, waited))


def _one_at_a_time(hook: PreparedHook, offload_sync: bool) -> int:
    """Return how many implementations :func:`call_full` runs one after another."""
    return 0 if offload_sync else len(hook.plain) - len(hook.async_plugins)


def _abandoned(hook: PreparedHook, progress: Progress, waited: float) -> list[HookOutcome]:
    """Outcomes of a call given up on: what settled, and a TimeoutError for everything else.

    Only code on the loop's own thread can make the call overrun its bound this way (an
    ``async def`` that blocks instead of awaiting, a wrapper): nothing on the thread can say
    which, so every implementation without a result is reported.
    """
    settled = {slot.plugin: slot.outcome() for slot in progress.slots if slot.pending is None}
    plugins = [name for name, _, _ in hook.plain] + [w.plugin_name for w in hook.wrappers]
    return [
        settled.get(plugin) or HookOutcome(plugin, error=_timed_out(waited), duration=waited)
        for plugin in plugins
    ]


def _drain(loop: asyncio.AbstractEventLoop) -> None:
    """Let abandoned tasks finish on this (abandoned) thread, then close the loop cleanly.

    A task cancelled after its timeout may swallow the cancellation and go on; running the
    loop until it ends keeps asyncio from complaining about destroyed pending tasks, and costs
    nothing but this daemon thread, which the process never waits for. Nobody waits for the
    outcome either: what a leftover task raises now was reported already, or belongs to a
    plugin that was abandoned, so it is dropped.
    """
    import asyncio
    import contextlib

    with contextlib.suppress(BaseException):
        leftovers = asyncio.all_tasks(loop)
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers))
        loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


class _Failed:
    """An exception delivered as a value, so no ``BaseException`` unwinds the event loop."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


async def _guarded(awaitable: Any) -> Any:
    """Await a plugin's coroutine, turning whatever it raises (Ctrl-C aside) into a value.

    asyncio re-raises ``SystemExit`` out of the event loop itself, which would end the call
    for every plugin; caught here, it stays the plugin's failure.
    """
    try:
        return await awaitable
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # the plugin boundary: see the module docstring
        return _Failed(exc)


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
        pending: Any = None,
    ):
        self.plugin = plugin
        self.result = result
        self.error = error
        self.duration = duration
        self.pending = pending

    async def settle(self, timeout: float | None) -> None:
        """Wait for the pending result under ``timeout``; record result or error.

        ``asyncio.wait`` is used instead of ``wait_for`` because ``wait_for`` waits for a
        cancelled task to finish, which a plugin swallowing ``CancelledError`` never does.
        """
        import asyncio

        start = time.perf_counter()
        task = asyncio.ensure_future(self.pending)
        done, _ = await asyncio.wait({task}, timeout=timeout)
        self.duration = time.perf_counter() - start
        self.pending = None
        if not done:
            task.cancel()  # a request: the task is abandoned whether it obeys or not
            self.error = _timed_out(cast(float, timeout))
            return
        value = task.result()
        if isinstance(value, _Failed):
            self.error = value.error
        else:
            self.result = value

    def outcome(self) -> HookOutcome:
        return HookOutcome(self.plugin, self.result, self.error, self.duration)


def _timed_out(timeout: float) -> TimeoutError:
    return TimeoutError(f"no result within {timeout} s; abandoned")


def error_to_raise(hook: str, failures: Sequence[Failure]) -> BaseException | None:
    """Return what ``errors="raise"`` raises for ``failures``: None when there are none.

    Each plugin's own exception, with a note (PEP 678) naming the plugin and the hook, so that
    ``except ValueError`` keeps working in host code; several at once come as an
    ``ExceptionGroup`` in call order, for ``except*``. A ``BaseException`` that is not an
    ``Exception`` (``SystemExit``, ``CancelledError``) is wrapped in HookFailedError instead of
    being re-raised: it would stop the host or cancel the caller's task.
    """
    if not failures:
        return None
    errors = [_attributed(hook, plugin, error) for plugin, error in failures]
    if len(errors) == 1:
        return errors[0]
    return ExceptionGroup(f"{len(errors)} plugins failed in hook {hook!r}", errors)


def _attributed(hook: str, plugin: str, error: BaseException) -> Exception:
    if not isinstance(error, Exception):
        wrapped = HookFailedError(hook, plugin, error)
        wrapped.__cause__ = error
        return wrapped
    note = f"raised by plugin {plugin!r} in hook {hook!r}"
    if note not in getattr(error, "__notes__", ()):
        error.add_note(note)
    return error
