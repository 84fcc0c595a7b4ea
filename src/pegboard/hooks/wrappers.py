"""Hook wrappers (``wrapper=True`` and old-style ``hookwrapper=True``) around one call.

A wrapper runs up to its ``yield`` before the implementations and resumes with their value
after them, as in pluggy; here a wrapper that fails is attributed to its plugin and leaves the
value unchanged instead of failing the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, cast

import pluggy

from pegboard.hooks.outcome import HookOutcome

Teardown = Callable[[Any], tuple[Any, HookOutcome | None]]


def enter_wrapper(impl: pluggy.HookImpl, kwargs: Mapping[str, Any]) -> Teardown | HookOutcome:
    """Run a wrapper up to its ``yield``; return the function that finishes it.

    The returned function takes the inner value and returns (the value the wrapper leaves,
    an outcome if the wrapper failed). When the wrapper fails before yielding, the failed
    outcome is returned instead and the wrapper is left out of the call.
    """
    start = time.perf_counter()

    def failed(exc: BaseException) -> HookOutcome:
        if isinstance(exc, KeyboardInterrupt):
            raise exc
        return HookOutcome(impl.plugin_name, None, exc, time.perf_counter() - start)

    try:
        generator = cast(
            Generator[Any, Any, Any], impl.function(*[kwargs[name] for name in impl.argnames])
        )
        next(generator)
    except BaseException as exc:  # the plugin boundary: see the module docstring
        return failed(exc)

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
            except BaseException as exc:  # the plugin boundary
                return value, failed(exc)
        except BaseException as exc:  # the plugin boundary
            return value, failed(exc)
        generator.close()
        return value, failed(RuntimeError("hook wrapper yielded more than once"))

    return finish
