"""A small dependency-injection container with a scoped ``current()``.

Services (the registry, telemetry, a host's own objects) are registered by type and resolved
by type. ``scope()`` opens a child container that sees its parent's services, can override
them, and becomes ``current()`` for the running thread or task (a ``contextvars`` variable),
so tests and nested hosts never leak services into each other. A parent's factory asked for
from a child runs in the child: objects built for a scope see that scope's overrides.

Why not a library: the popular containers either pull in heavy machinery at import time (this
module sits on the startup path) or lack context-local scoping; what pegboard needs is the
sixty lines below.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from pegboard._errors import PegboardError

T = TypeVar("T")

__all__ = ["Container", "ServiceNotFoundError", "current", "scope"]


class ServiceNotFoundError(PegboardError, LookupError):
    """No factory or instance is registered for the requested type."""


class Container:
    """Services by type: factories called once per container that asks, and instances."""

    def __init__(self, parent: Container | None = None):
        self.parent = parent
        self._factories: dict[type[Any], Callable[[Container], Any]] = {}
        self._instances: dict[type[Any], Any] = {}
        self._lock = threading.RLock()

    def register(self, key: type[T], factory: Callable[[Container], T]) -> None:
        """Make ``resolve(key)`` build its value with ``factory(container)`` on first use."""
        with self._lock:
            self._factories[key] = factory
            self._instances.pop(key, None)

    def provide(self, key: type[T], instance: T) -> None:
        """Make ``resolve(key)`` return ``instance``."""
        with self._lock:
            self._instances[key] = instance

    def resolve(self, key: type[T]) -> T:
        """Return the service for ``key`` from this container or the nearest parent.

        An instance found up the chain is shared. A factory found up the chain runs here, in
        the scope that asked, and its result is kept here: what the factory resolves in turn
        then sees this scope's overrides, and the parent never caches an object built from
        them.
        """
        container: Container | None = self
        while container is not None:
            with container._lock:
                if key in container._instances:
                    return cast(T, container._instances[key])
                factory = container._factories.get(key)
            if factory is not None:
                return self._build(key, factory)
            container = container.parent
        raise ServiceNotFoundError(
            f"No service registered for {key.__qualname__}.",
            hint="Register it with pegboard.di.current().register(...) or provide(...).",
        )

    def _build(self, key: type[T], factory: Callable[[Container], T]) -> T:
        with self._lock:
            if key not in self._instances:  # another thread may have built it meanwhile
                self._instances[key] = factory(self)
            return cast(T, self._instances[key])


def _default_container() -> Container:
    from pegboard.hooks.registry import Registry
    from pegboard.hooks.telemetry import MemorySink, Telemetry

    root = Container()
    root.register(Telemetry, lambda c: MemorySink())  # type: ignore[type-abstract]
    root.register(Registry, lambda c: Registry(c.resolve(Telemetry)))  # type: ignore[type-abstract]
    return root


_root: Container | None = None
_root_lock = threading.Lock()
_current: contextvars.ContextVar[Container] = contextvars.ContextVar("pegboard_container")


def current() -> Container:
    """Return the container in force: the innermost ``scope()``, else the process root."""
    global _root  # noqa: PLW0603  # created on first use, never at import
    container = _current.get(None)
    if container is not None:
        return container
    with _root_lock:
        if _root is None:
            _root = _default_container()
        return _root


@contextlib.contextmanager
def scope(container: Container | None = None) -> Iterator[Container]:
    """Make ``container`` (by default a new child of ``current()``) current inside the block."""
    inner = container if container is not None else Container(parent=current())
    token = _current.set(inner)
    try:
        yield inner
    finally:
        _current.reset(token)
