"""The command-hook contract: ``pre_execute`` and ``post_execute`` around every command run.

The host's root wraps each command it resolves (its own, a plugin's, a group's subcommand,
a Typer app's command) in an observed copy. The copy fires ``pre_execute(name, args,
kwargs)`` once just before the command that actually runs, and ``post_execute(name, result,
outcome)`` once after it, whether it returned, failed or exited. ``name`` is the command path
as typed below the root (``"ops page"``). Parsing happens before the copy's ``invoke``, so
``--help``, ``--version``, completion and usage errors never reach the hooks.

Wrapping works on copies, by duck typing, so the plugin's own objects stay untouched and a
Typer app (built on Typer's own copy of Click) is observed the same way as a Click one.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from pegboard._errors import PegboardError
from pegboard.hooks.names import POST_EXECUTE, PRE_EXECUTE
from pegboard.host.exit import exit_code_for

if TYPE_CHECKING:
    from pegboard.discovery.records import PluginRecord
    from pegboard.host.pipeline import Pipeline

Path = tuple[str, ...]


class CommandOutcome(NamedTuple):
    """How a command ended, as ``post_execute`` receives it in ``outcome``."""

    result: Any
    """What the command returned (``None`` when it raised or exited)."""
    error: BaseException | None
    """The exception that ended it, if any (``SystemExit`` and Click's ``Exit`` included)."""
    exit_code: int
    """The exit code the command asked for: 0 when it returned, 130 for Ctrl-C."""
    seconds: float
    """How long the command ran."""


class ExecutionHooks:
    """Fire the execution hooks of one invocation through its pipeline.

    The observing plugins are loaded when the first observed command runs, not when it is
    resolved: completion and ``--help`` resolve commands too, and must not import plugins.
    An observer that raises or overruns its bound never changes the command's result or exit
    code; unless ``quiet``, one line on stderr says so (stdout stays the command's, so its
    JSON stays valid), with the plugin's traceback under ``debug``.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        observers: Sequence[PluginRecord],
        *,
        quiet: bool = False,
        debug: bool = False,
    ):
        self.pipeline = pipeline
        self.observers = observers
        self.quiet = quiet
        self.debug = debug

    def pre(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Call ``pre_execute`` on every loaded observer."""
        self.pipeline.load(self.observers)
        self.pipeline.registry.call_hook_sync(
            PRE_EXECUTE,
            errors="collect",
            on_failure=self._reporter(PRE_EXECUTE),
            name=name,
            args=args,
            kwargs=kwargs,
        )

    def post(self, name: str, outcome: CommandOutcome) -> None:
        """Call ``post_execute`` and record the command's duration."""
        registry = self.pipeline.registry
        registry.emit("command.finished", command=name, seconds=outcome.seconds)
        registry.call_hook_sync(
            POST_EXECUTE,
            errors="collect",
            on_failure=self._reporter(POST_EXECUTE),
            name=name,
            result=outcome.result,
            outcome=outcome,
        )

    def _reporter(self, hook: str) -> Callable[[str, BaseException], None] | None:
        """Return what tells the user that a plugin failed in ``hook`` (nothing if quiet)."""
        if self.quiet:
            return None
        return lambda plugin, error: report_failure(hook, plugin, error, debug=self.debug)


def report_failure(hook: str, plugin: str, error: BaseException, *, debug: bool) -> None:
    """Write one line on stderr naming ``plugin``, ``hook`` and why it failed."""
    import click

    from pegboard._text import printable, printable_lines

    reason = printable(str(error)).rstrip(".") or "no message"
    click.echo(
        f"Warning: plugin {printable(plugin)!r} failed in {hook}: "
        f"{type(error).__name__}: {reason}.",
        err=True,
    )
    if debug:
        import traceback

        text = "".join(traceback.format_exception(error))
        click.echo(printable_lines(text).rstrip("\n"), err=True)


def observe(command: Any, path: Path, hooks: ExecutionHooks) -> Any:
    """Return a copy of ``command`` (a Click or Typer command) that fires ``hooks``.

    A group's copy observes the subcommands it resolves; a leaf's copy fires around its
    ``invoke``. A Typer bridge is observed through the Typer command it runs.
    """
    from pegboard.host.typer_bridge import TyperBridge

    observed = copy.copy(command)
    if isinstance(command, TyperBridge):
        observed.inner = observe(command.inner, path, hooks)
        return observed
    invoke = type(command).invoke
    if not _is_group(command):
        observed.invoke = lambda ctx: _fire(hooks, path, ctx, lambda: invoke(observed, ctx))
        return observed
    resolve = command.resolve_command

    def resolve_observed(ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, sub, rest = resolve(ctx, args)
        if sub is not None and name is not None:
            sub = observe(sub, (*path, name), hooks)
        return name, sub, rest

    def invoke_group(ctx: Any) -> Any:
        # Only a group run without a subcommand (invoke_without_command) is the command
        # that runs; Click sets invoked_subcommand before it calls the group's callback.
        callback = command.callback

        def callback_observed(*args: Any, **kwargs: Any) -> Any:
            def run() -> Any:
                return callback(*args, **kwargs) if callback is not None else None

            return run() if ctx.invoked_subcommand is not None else _fire(hooks, path, ctx, run)

        observed.callback = callback_observed
        return invoke(observed, ctx)

    observed.resolve_command = resolve_observed
    observed.invoke = invoke_group
    return observed


def _is_group(command: Any) -> bool:
    return callable(getattr(command, "resolve_command", None)) and hasattr(command, "commands")


def _fire(hooks: ExecutionHooks, path: Path, ctx: Any, call: Callable[[], Any]) -> Any:
    """Run ``call`` between ``pre_execute`` and ``post_execute``."""
    name = " ".join(path)
    hooks.pre(name, tuple(ctx.args), dict(ctx.params))
    start = time.perf_counter()
    try:
        result = call()
    except BaseException as exc:
        hooks.post(name, CommandOutcome(None, exc, _exit_code(exc), time.perf_counter() - start))
        raise
    hooks.post(name, CommandOutcome(result, None, 0, time.perf_counter() - start))
    return result


def _exit_code(error: BaseException) -> int:
    """Return the exit code ``error`` leads to (Click's and Typer's exceptions alike)."""
    if isinstance(error, KeyboardInterrupt):
        return 130
    if isinstance(error, SystemExit):
        code = error.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    if isinstance(error, PegboardError):
        return int(exit_code_for(error))
    code = getattr(error, "exit_code", 1)
    return code if isinstance(code, int) else 1
