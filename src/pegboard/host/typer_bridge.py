"""Mount Typer apps as commands of a Click group, or adopt one as a host's root.

Recent Typer releases carry their own copy of Click, so the command Typer builds is not a
``click.Command`` of the Click pegboard uses and cannot be added to a Click group directly.
:class:`TyperBridge` is an ordinary Click command that hands its raw arguments to Typer's
command (parsing, help, errors, exit codes) and asks it for completions. :class:`TyperRoot`
stands for a Typer app adopted as a host's root: it mirrors the options of the app's
callback so they can be given before a command, and lets Typer itself parse them (defaults,
environment variables, conversion) before it runs the callback. Only the root is converted
when the host starts; each of the app's commands is converted by Typer when it is first
used (:class:`AppCommands`), so a start that runs a plugin does not pay for converting the
whole app. With an older Typer built on the shared Click, the converted app is used whole.
An app's own group class (``typer.Typer(cls=...)``) is kept as ``TyperRoot.inner``: its
``get_command`` and ``list_commands`` are asked about the host's command names.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any, Final, cast

import click
from click.core import ParameterSource

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

_COMPLETION_OPTIONS: Final = frozenset({"install_completion", "show_completion"})
"""Typer's options for installing shell completion: the host offers its own completion."""

_ROOT_CONTEXT: Final = "pegboard.typer_root"
"""``ctx.meta`` key of the Typer context the adopted app's callback ran in."""


def is_typer_app(value: object) -> bool:
    """Whether ``value`` is a ``typer.Typer`` app, decided without importing Typer."""
    return type(value).__name__ == "Typer" and _from_typer(value)


def _from_typer(value: object) -> bool:
    """Whether ``value``'s class is Typer's (or its own Click's), asked without importing it."""
    return type(value).__module__.split(".")[0] == "typer"


def typer_command(app: Any) -> Any:
    """Return the command Typer builds for ``app``, without its completion-install options."""
    import typer.main

    command = typer.main.get_command(app)
    command.params = [p for p in command.params if p.name not in _COMPLETION_OPTIONS]
    return command


def as_click_command(app: Any, name: str) -> click.Command:
    """Return a Click command running the Typer ``app`` under ``name``."""
    command = typer_command(app)
    if isinstance(command, click.Command):
        command.name = name
        return command
    return TyperBridge(name, command)


def typer_root(app: Any) -> click.Group:
    """Return a Click group standing for the Typer ``app`` as a host's root."""
    import typer.core
    import typer.main

    if issubclass(typer.core.TyperGroup, click.Group):  # an older Typer on the shared Click
        return cast(click.Group, typer.main.get_group(app))
    return TyperRoot(typer.main.get_group(_part(app, root=True)), AppCommands(app))


def _part(app: Any, *, root: bool = False, commands: Any = (), groups: Any = ()) -> Any:
    """Return a copy of the Typer ``app`` registering only ``commands`` and ``groups``.

    Typer converts what an app registers, so converting a copy that holds one command
    converts that command alone. The copy keeps the app's settings (Rich markup mode,
    exceptions, suggestions); only with ``root`` does it keep the app's callback and help.
    """
    part = copy.copy(app)
    part.registered_commands, part.registered_groups = list(commands), list(groups)
    if not root:
        part.registered_callback, part.info = None, type(app.info)()
    return part


class _Unconverted:
    """One command or group of a Typer app, registered but not converted yet."""

    def __init__(self, app: Any, name: str, *, commands: Any = (), groups: Any = ()):
        self.app, self.name, self.commands, self.groups = app, name, commands, groups

    def convert(self) -> click.Command:
        """Let Typer convert it; return the Click command that runs it."""
        import typer.main

        part = _part(self.app, commands=self.commands, groups=self.groups)
        return TyperBridge(self.name, typer.main.get_group(part).commands[self.name])


class AppCommands(MutableMapping[str, click.Command]):
    """A Typer app's commands by name, each converted by Typer when first looked up.

    Names come from the app's registrations with Typer's own naming rules; a group added
    without a name lends its commands to the root, so it is converted at once to learn them.
    Listing the names (which plugins may not take) converts nothing.
    """

    def __init__(self, app: Any):
        import typer.main

        self._entries: dict[str, click.Command | _Unconverted] = {}
        for info in app.registered_commands:
            name = info.name or typer.main.get_command_name(info.callback.__name__)
            self._entries[name] = _Unconverted(app, name, commands=[info])
        for info in app.registered_groups:
            name = typer.main.solve_typer_info_defaults(info).name
            if name:
                self._entries[name] = _Unconverted(app, name, groups=[info])
                continue
            for sub_name, sub in typer.main.get_group(_part(app, groups=[info])).commands.items():
                self._entries[sub_name] = TyperBridge(sub_name, sub)

    def __getitem__(self, name: str) -> click.Command:
        entry = self._entries[name]
        if isinstance(entry, _Unconverted):
            entry = self._entries[name] = entry.convert()
        return entry

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._entries[name] = command

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


@contextlib.contextmanager
def _typer_errors() -> Iterator[None]:
    """Show Typer's errors as Typer would, and turn its exits into the host's exit codes."""
    try:
        yield
    except Exception as exc:
        if not _from_typer(exc):
            raise
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if code is None:  # Typer's Abort
            raise click.Abort from exc
        if callable(show):
            show()
        raise click.exceptions.Exit(code) from None


class TyperBridge(click.Command):
    """A Click command that delegates everything to a command of Typer's own Click."""

    def __init__(self, name: str, inner: Any):
        self.inner = inner
        super().__init__(
            name,
            help=inner.help,
            short_help=inner.get_short_help_str(),
            add_help_option=False,
            hidden=bool(getattr(inner, "hidden", False)),
            context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
            params=[
                click.Argument(
                    ["args"], nargs=-1, type=click.UNPROCESSED, shell_complete=self._complete
                )
            ],
        )

    def invoke(self, ctx: click.Context) -> Any:
        """Run the Typer command with the raw arguments; translate its exits and errors.

        The context is made and invoked here rather than through Typer's ``main``: in
        non-standalone mode ``main`` returns an exit code like a result, and
        ``typer.Exit(code=3)`` would end the host with 0. Under an adopted Typer app the
        command runs inside the app's context, so ``ctx.obj`` set by its callback is seen.
        """
        args = [*ctx.params["args"], *ctx.args]
        parent = ctx.meta.get(_ROOT_CONTEXT)
        name = ctx.info_name if parent is not None else ctx.command_path
        with _typer_errors(), self.inner.make_context(name, args, parent=parent) as inner_ctx:
            return self.inner.invoke(inner_ctx)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Complete options and subcommands from the Typer command."""
        return self._complete(ctx, None, incomplete)

    def _complete(
        self, ctx: click.Context, param: click.Parameter | None, incomplete: str
    ) -> list[CompletionItem]:
        """Complete what Typer's command expects next: a subcommand, an option or a value."""
        words = [*(ctx.params.get("args") or ()), *ctx.args]
        command = self.inner
        inner_ctx = command.make_context(ctx.info_name, list(words), resilient_parsing=True)
        # Walk into the subcommands the words name. This reads only the words themselves:
        # where a context keeps the unparsed rest differs between Click releases.
        while hasattr(command, "get_command"):
            index = next((i for i, word in enumerate(words) if not word.startswith("-")), None)
            sub = command.get_command(inner_ctx, words[index]) if index is not None else None
            if sub is None:
                break
            assert index is not None
            name, words = words[index], words[index + 1 :]
            inner_ctx = sub.make_context(
                name, list(words), parent=inner_ctx, resilient_parsing=True
            )
            command = sub
        from click.shell_completion import CompletionItem

        target = _completing(command, inner_ctx, words, incomplete)
        return [
            CompletionItem(item.value, type=item.type, help=item.help)
            for item in target.shell_complete(inner_ctx, incomplete)
        ]


def _completing(command: Any, ctx: Any, words: list[str], incomplete: str) -> Any:
    """Return what completes ``incomplete``: an option's or argument's value, or ``command``.

    The same rule as Click's: after an option that takes a value, that option; a word
    starting with a dash, the command (option names); else the first argument still open.
    """
    if incomplete.startswith("-"):
        return command
    params = list(getattr(command, "params", ()))
    if words:
        for param in params:
            takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
            if param.param_type_name == "option" and takes_value and words[-1] in param.opts:
                return param
    for param in params:
        if param.param_type_name != "argument":
            continue
        value = ctx.params.get(param.name)
        if value is None or param.nargs == -1:
            return param
    return command


class TyperRoot(click.Group):
    """A Typer app's root group in pegboard's Click: its callback's options, its commands.

    The options are mirrored without types or defaults; what was given on the command line
    is handed back to Typer, which parses it with the app's own rules (defaults, environment
    variables, conversion, validation) and runs the callback. ``inner`` is Typer's group
    for the app's root alone; ``commands`` the app's commands, converted when used. Help is
    Typer's where the app shows Rich help, and Click's where it does not.
    """

    def __init__(self, inner: Any, commands: MutableMapping[str, click.Command]):
        self.inner = inner
        no_args_is_help = inner.no_args_is_help
        inner.no_args_is_help = False  # the root already showed help for no arguments
        super().__init__(
            inner.name,
            commands=commands,
            params=[_mirror(p) for p in inner.params if p.param_type_name == "option"],
            callback=self._run_callback,
            help=inner.help,
            epilog=inner.epilog,
            short_help=inner.short_help,
            no_args_is_help=no_args_is_help,
            invoke_without_command=inner.invoke_without_command,
            context_settings=dict(inner.context_settings),
        )

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Show the help Typer shows for the app: Rich panels if it uses Rich, else Click's."""
        mode = getattr(self.inner, "rich_markup_mode", None)
        if mode is not None and _typer_uses_rich():
            try:
                import rich.markup  # noqa: F401  (Typer's Rich help needs it)
            except ImportError:
                pass
            else:
                from pegboard.host.typer_help import print_rich_help

                print_rich_help(self, ctx, mode)
                return
        super().format_help(ctx, formatter)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Look ``cmd_name`` up; failing that, let the app's group class resolve it.

        An app made with ``typer.Typer(cls=...)`` may resolve aliases or prefixes in its
        ``get_command``. Given the host's command names (the app's, the management
        commands, the plugins') as stand-ins, it answers which one a name means.
        """
        command = super().get_command(ctx, cmd_name)
        if command is not None or not overrides(self.inner, "get_command"):
            return command
        with self._offering(ctx, super().list_commands(ctx)) as inner_ctx:
            found = self.inner.get_command(inner_ctx, cmd_name)
        name = getattr(found, "name", None)
        if name is None or name == cmd_name:
            return None
        return super().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The host's command names, in the order the app's group class lists them."""
        names = super().list_commands(ctx)
        if not overrides(self.inner, "list_commands"):
            return names
        with self._offering(ctx, names) as inner_ctx:
            ordered = [n for n in self.inner.list_commands(inner_ctx) if n in names]
        return [*dict.fromkeys(ordered), *(n for n in names if n not in ordered)]

    @contextlib.contextmanager
    def _offering(self, ctx: click.Context, names: list[str]) -> Iterator[Any]:
        """Give the app's group stand-ins named ``names`` and a context to be asked in.

        Stand-ins import nothing, so help and completion still import no plugin. A usage
        error the app's group raises (an ambiguous prefix) becomes the host's.
        """
        from typer.core import TyperCommand

        own = self.inner.commands
        self.inner.commands = {name: TyperCommand(name) for name in names}
        inner_ctx = self.inner.context_class(
            self.inner, info_name=ctx.info_name, resilient_parsing=ctx.resilient_parsing
        )
        try:
            yield inner_ctx
        except Exception as exc:
            if not _from_typer(exc) or not hasattr(exc, "message"):
                raise
            raise click.UsageError(str(exc.message), ctx) from None
        finally:
            self.inner.commands = own

    def _run_callback(self, **values: Any) -> Any:
        ctx = click.get_current_context()
        tokens = [
            token
            for param in self.params
            if param.name in values
            and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE
            for token in _tokens(param, values[param.name])
        ]
        with _typer_errors():
            inner_ctx = ctx.with_resource(self.inner.make_context(ctx.info_name, tokens))
            inner_ctx.invoked_subcommand = ctx.invoked_subcommand
            ctx.meta[_ROOT_CONTEXT] = inner_ctx
            if self.inner.callback is None:
                return None
            return inner_ctx.invoke(self.inner.callback, **inner_ctx.params)


def overrides(inner: Any, method: str) -> bool:
    """Whether the Typer app's own group class (its ``cls=``) defines ``method`` itself."""
    import typer.core

    return getattr(type(inner), method) is not getattr(typer.core.TyperGroup, method)


def _typer_uses_rich() -> bool:
    """Whether Typer shows Rich help at all (``TYPER_USE_RICH`` can turn it off)."""
    import typer.core

    return bool(getattr(typer.core, "HAS_RICH", True))


def _mirror(param: Any) -> click.Option:
    """Return an untyped Click option accepting what Typer's option ``param`` accepts."""
    declarations = [*param.opts, param.name]
    if param.secondary_opts:  # an on/off pair: "--pin/--no-pin"
        declarations[len(param.opts) - 1] += "/" + param.secondary_opts[0]
    settings: dict[str, Any] = {
        "help": param.help,
        "hidden": param.hidden,
        "envvar": param.envvar,  # shown in help; Typer reads it itself
        "show_envvar": bool(param.envvar),
    }
    if param.count:
        settings["count"] = True
    elif param.is_flag:
        settings["is_flag"] = True
    else:
        settings |= {"multiple": param.multiple, "nargs": param.nargs, "metavar": param.metavar}
    return click.Option(declarations, **settings)


def _tokens(param: click.Parameter, value: Any) -> list[str]:
    """Return the command-line words that give ``param`` its ``value`` again."""
    assert isinstance(param, click.Option)
    flag = param.opts[0]
    if param.count:
        return [flag] * int(value)
    if param.is_flag:
        if value:
            return [flag]
        return [param.secondary_opts[0]] if param.secondary_opts else []
    values = value if param.multiple else [value]
    words: list[str] = []
    for item in values:
        words += [flag, *(item if param.nargs != 1 else [item])]
    return words
