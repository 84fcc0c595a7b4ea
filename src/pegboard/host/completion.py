"""Shell-completion helpers for plugin commands."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import click
from click.shell_completion import CompletionItem

logger = logging.getLogger(__name__)

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def dynamic_choices(
    callback: Callable[[], Iterable[str]] | Callable[[click.Context], Iterable[str]],
    *,
    case_sensitive: bool = True,
) -> Completer:
    """Return a Click ``shell_complete`` function offering ``callback()``'s choices.

    ``callback`` takes no argument, or the Click context when it needs to know where the
    completion happens (there is no "current context" while the shell asks). Choices are
    filtered by the prefix typed so far. A callback that raises offers no completions (and
    logs at debug level): a traceback in the user's shell would be worse than no suggestion.
    """
    import inspect

    wants_context = bool(inspect.signature(callback).parameters)

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        try:
            produced = callback(ctx) if wants_context else callback()  # type: ignore[call-arg]
            choices = [str(choice) for choice in produced]
        except Exception:
            logger.debug("completion callback %r failed", callback, exc_info=True)
            return []
        prefix = incomplete if case_sensitive else incomplete.casefold()
        return [
            CompletionItem(choice)
            for choice in choices
            if (choice if case_sensitive else choice.casefold()).startswith(prefix)
        ]

    return complete
