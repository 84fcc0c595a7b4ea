"""Shell-completion helpers for plugin commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click
from click.shell_completion import CompletionItem

from pegboard._log import get_logger

logger = get_logger(__name__)

Choice = str | tuple[str, str]
"""A completion: the value, or (value, help text shown next to it by shells that can)."""

Completer = Callable[[click.Context, click.Parameter, str], list[str] | list[CompletionItem]]


def dynamic_choices(
    callback: Callable[[], Iterable[Choice]] | Callable[[click.Context], Iterable[Choice]],
    *,
    case_sensitive: bool = True,
) -> Completer:
    """Return a Click ``shell_complete`` function offering ``callback()``'s choices.

    ``callback`` takes no argument, or the Click context when it needs to know where the
    completion happens (there is no "current context" while the shell asks). Choices are
    filtered by the prefix typed so far and come back as plain strings, which Click accepts
    and code written for a list of strings can compare and sort; only when the callback gives
    help texts (``(value, help)`` pairs) are they Click ``CompletionItem``s, which carry them.
    A callback that raises offers no completions (and logs at debug level): a traceback in
    the user's shell would be worse than no suggestion.
    """
    import inspect

    wants_context = bool(inspect.signature(callback).parameters)

    def complete(
        ctx: click.Context, param: click.Parameter, incomplete: str
    ) -> list[str] | list[CompletionItem]:
        try:
            produced = callback(ctx) if wants_context else callback()  # type: ignore[call-arg]
            choices = [_pair(choice) for choice in produced]
        except Exception:
            logger.debug("completion callback %r failed", callback, exc_info=True)
            return []
        prefix = incomplete if case_sensitive else incomplete.casefold()
        kept = [
            (value, help_text)
            for value, help_text in choices
            if (value if case_sensitive else value.casefold()).startswith(prefix)
        ]
        if all(help_text is None for _, help_text in kept):
            return [value for value, _ in kept]
        return [CompletionItem(value, help=help_text) for value, help_text in kept]

    return complete


def _pair(choice: Any) -> tuple[str, str | None]:
    if isinstance(choice, tuple) and len(choice) == 2:
        return str(choice[0]), str(choice[1])
    return str(choice), None
