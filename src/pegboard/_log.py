"""Module loggers that import :mod:`logging` only when something is actually logged.

``import logging`` costs more than any pegboard module on the startup path (it pulls in
``traceback``, ``string``, ``threading`` helpers…), and a warm ``--help`` logs nothing. Each
module still has its own logger named after it, created right after the imports; the real
``logging.Logger`` is made on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import logging


class _LazyLogger:
    """Stands in for ``logging.getLogger(name)`` until an attribute is used."""

    __slots__ = ("_logger", "_name")

    def __init__(self, name: str):
        self._name = name
        self._logger: logging.Logger | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self._name)
        return getattr(self._logger, attribute)


def get_logger(name: str) -> logging.Logger:
    """Return the logger ``name``, imported lazily (typed as a ``logging.Logger``)."""
    return cast("logging.Logger", _LazyLogger(name))
