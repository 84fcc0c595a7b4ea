"""The fast path: run one plugin command without building the host's full root group.

Most invocations of a host run one plugin command (``acme hello --name bob``). The full root
(:class:`~pegboard.host.root.HostGroup`) builds pegboard's global options, parses them, and
imports what ``--help``, completion, the management commands and the command hooks need;
none of it matters when the first argument names a plugin that is only a command. Such an
invocation runs under :class:`CommandRoot`, a root that knows that one command, passes on
the same context settings and renders errors as the full root does (both derive from
:class:`~pegboard.host.host.ReportingGroup`).

The fast path is taken only where the full root could not behave differently:

- the first argument is neither an option nor one of the host's own commands, and no shell
  completion is asked for;
- none of the host's environment variables switches plugins off or makes them strict;
- the plugin is usable and selected, learnt to be only a command (Click or Typer), no
  plugin is left to learn and none observes commands (``pre_execute``/``post_execute``);
- it imported without an error.

Anything else runs under the full root, which carries on from the pipeline prepared here:
the manifest and the state file are not read twice, a plugin is not imported twice, and a
notice about the state file is not said twice.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Final

import click

from pegboard._errors import PegboardError
from pegboard.host import config
from pegboard.host.catalog import ONLY_COMMANDS
from pegboard.host.host import MANAGEMENT_COMMANDS, ReportingGroup, root_settings
from pegboard.host.pipeline import named

if TYPE_CHECKING:
    from pegboard.host.host import Host
    from pegboard.host.pipeline import Pipeline


_SWITCHES: Final = ("NO_PLUGINS", "DISABLE_PLUGINS", "STRICT_PLUGINS")
"""The host's environment variables that change which plugins load, or how strictly."""


class CommandRoot(ReportingGroup):
    """A host's root that knows one plugin command, as the full root would run it.

    It has no options of its own (the fast path is taken only when none are given before
    the command); the command inherits the host's context settings, such as ``-h``.
    """

    def __init__(self, host: Host, name: str, command: click.Command) -> None:
        super().__init__(
            host.name,
            commands={name: command},
            context_settings=root_settings(),
            add_help_option=False,
        )
        self.host = host

    def invoke(self, ctx: click.Context) -> Any:
        # The prepared pipeline goes into the context, to be shut down (and to report what
        # it found) when the root closes, as under the full root.
        self.host.pipeline_for(ctx)
        return super().invoke(ctx)


def prepare(host: Host, args: list[str]) -> tuple[Pipeline | None, click.Group | None]:
    """Return the pipeline prepared for this invocation, and the root to run it under.

    The root is None when the host's full root must run; the pipeline is None when nothing
    was prepared. ``args`` are the arguments after the program name; the first is not an
    option (:meth:`Host.main <pegboard.host.host.Host.main>` sees to that).
    """
    if args[0] in MANAGEMENT_COMMANDS:
        return None, None
    if os.environ.get(config.completion_variable(host.name)) or any(
        config.env(host.name, switch) for switch in _SWITCHES
    ):
        return None, None
    name = args[0]
    try:
        pipeline = host.new_pipeline()
        command = _command_alone(pipeline, name)
    except (PegboardError, KeyboardInterrupt) as exc:
        from pegboard.host.exit import ReportedError, interrupted, render

        error = (
            interrupted()
            if isinstance(exc, KeyboardInterrupt)
            else ReportedError(exc, prog=host.name)
        )
        sys.exit(render(error))
    return pipeline, CommandRoot(host, name, command) if command is not None else None


def _command_alone(pipeline: Pipeline, name: str) -> click.Command | None:
    """Return plugin ``name``'s command, imported, if it can run without the full root."""
    catalog = pipeline.catalog
    record = catalog.record(name)
    if (
        record is None
        or record.kind not in ONLY_COMMANDS
        or not record.usable
        or not catalog.selection.allows(name)
        or catalog.unlearnt()
        or catalog.observers()
    ):
        return None
    loaded = pipeline.load_for_command(name)
    if loaded.error is not None or loaded.command is None:
        return None
    return named(loaded.command, name)
