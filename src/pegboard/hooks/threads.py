"""Daemon threads for plugin code that must be bounded in time.

A plugin that never returns can only be abandoned, not stopped, so every thread that runs
plugin code here is a daemon: the process never waits for it on the way out. The standard
library's thread pools join their threads at exit, which is why ``asyncio.to_thread`` and
``concurrent.futures`` are not used directly. Each thread runs in a copy of the caller's
``contextvars`` context, so a ``pegboard.di`` scope reaches the plugin as it would inline.

Imported only when a bounded or async hook call happens, never on the startup path.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import contextvars
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio


def start_daemon(target: Callable[[], None], name: str) -> None:
    """Run ``target`` in a new daemon thread, in a copy of the caller's context."""
    context = contextvars.copy_context()
    threading.Thread(target=context.run, args=(target,), name=name, daemon=True).start()


class Worker:
    """A daemon thread running the calls handed to it, one at a time."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        start_daemon(self._serve, "pegboard-hook")

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def run(
        self, function: Callable[..., Any], args: list[Any], timeout: float
    ) -> tuple[bool, Any, BaseException | None]:
        """Return (finished in time, result, error) of ``function(*args)``.

        What the function raises comes back as ``error``, except ``KeyboardInterrupt``, which
        is raised here so that it still stops the host.
        """
        box: list[tuple[Any, BaseException | None]] = []
        done = threading.Event()

        def job() -> None:
            try:
                box.append((function(*args), None))
            except BaseException as exc:  # handed to the waiting thread, which isolates it
                box.append((None, exc))
            done.set()

        self._jobs.put(job)
        if not done.wait(timeout):
            return False, None, None
        result, error = box[0]
        if isinstance(error, KeyboardInterrupt):
            raise KeyboardInterrupt  # a fresh one: the plugin's belongs to another thread
        return True, result, error

    def close(self) -> None:
        """Let the thread end once it is idle (a hung one is simply left behind)."""
        self._jobs.put(None)


class DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """An event loop's default executor whose work runs in fresh daemon threads.

    Installed on the private loops of synchronous hook calls, so that a plugin whose
    ``asyncio.to_thread`` hangs is abandoned with its thread instead of being joined when the
    loop closes or the interpreter exits.
    """

    def submit(
        self, function: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        """Run ``function`` in a new daemon thread; return the future of its result."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(function(*args, **kwargs))
            except BaseException as exc:  # delivered to the awaiting coroutine
                future.set_exception(exc)

        start_daemon(run, "pegboard-to-thread")
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Wait for nothing: the threads are daemons and may never finish."""


def run_in_daemon(
    function: Callable[..., Any],
    args: list[Any],
    wrap: Callable[[BaseException], Any] | None,
) -> asyncio.Future[Any]:
    """Run ``function(*args)`` in a daemon thread; return a future of the running loop.

    With ``wrap``, what the function raises is delivered as ``wrap(exception)``, a value, so
    that no ``BaseException`` unwinds the event loop; without, it is the future's exception.
    If the loop is closed by the time the function returns (its caller gave up), the outcome
    is dropped.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)

    def run() -> None:
        value: Any = None
        error: BaseException | None = None
        try:
            value = function(*args)
        except BaseException as exc:  # handed to the awaiting side
            if wrap is None:
                error = exc
            else:
                value = wrap(exc)
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, value, error)

    start_daemon(run, f"pegboard-{getattr(function, '__name__', 'hook')}")
    return future
