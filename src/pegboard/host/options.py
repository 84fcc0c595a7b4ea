"""pegboard's global options: one table, mounted on a host's root and on data commands.

Each option is defined once (:data:`GLOBAL_OPTIONS`) and means the same wherever it is
given: before the command (``acme -q plugins list``) or after it (``acme plugins check -q``)
the value lands in the invocation's :class:`Options`. A host chooses which options it
exposes and under which flags; when the application it adopts already has an option of that
name or flag, the application's wins and pegboard's is left out, so Click never sees a flag
twice. Options with an environment variable read it through Click's ``envvar=`` when
mounted, and from the environment directly when they are not, so turning a flag off never
turns its variable off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from typing import Any, Final, NamedTuple

import click

from pegboard.host import config

FORMATS: Final = ("text", "json", "yaml")
"""Output formats of the commands that print data."""

_OPTIONS_KEY: Final = "pegboard.options"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


class Options:
    """Global options of one invocation, shared by every command through ``ctx.meta``."""

    __slots__ = ("debug", "disabled", "format", "no_plugins", "quiet", "strict")

    def __init__(self) -> None:
        self.format = "text"
        self.quiet = False
        self.debug = False
        self.no_plugins = False
        self.strict = False
        self.disabled: frozenset[str] = frozenset()

    @property
    def for_people(self) -> bool:
        """Whether the run prints text for people: neither quiet nor a data format.

        Whichever level set them (before the command, after it, or a subcommand's own
        ``--format``/``-q``), they land here, so notes and progress on stderr ask only this.
        """
        return not self.quiet and self.format == "text"


def options(ctx: click.Context) -> Options:
    """Return the invocation's global options."""
    found: Options = ctx.meta.setdefault(_OPTIONS_KEY, Options())
    return found


class GlobalOption(NamedTuple):
    """One of pegboard's global options: its key, default flags and meaning."""

    key: str
    """Its name in ``Host(global_options=...)`` and the attribute of :class:`Options` it sets."""
    flags: tuple[str, ...]
    help: str
    attribute: str
    envvar: str | None = None
    """Suffix of the host's environment variable (``NO_PLUGINS`` → ``ACME_NO_PLUGINS``)."""


GLOBAL_OPTIONS: Final = (
    GlobalOption("format", ("--format",), "Output format of commands that print data.", "format"),
    GlobalOption("quiet", ("-q", "--quiet"), "Print only what was asked for.", "quiet"),
    GlobalOption("debug", ("--debug",), "Show tracebacks and debug logging.", "debug"),
    GlobalOption(
        "no_plugins",
        ("--no-plugins",),
        "Start without any plugin code",
        "no_plugins",
        "NO_PLUGINS",
    ),
    GlobalOption(
        "disable_plugin",
        ("--disable-plugin",),
        "Do not load plugin NAME in this run (repeatable)",
        "disabled",
        "DISABLE_PLUGINS",
    ),
    GlobalOption(
        "strict_plugins",
        ("--strict-plugins",),
        "Fail when any plugin fails to load",
        "strict",
        "STRICT_PLUGINS",
    ),
    GlobalOption("version", ("--version",), "Show the version and exit.", ""),
)
"""Every global option pegboard offers, in the order ``--help`` lists them."""

_BY_KEY: Final = {option.key: option for option in GLOBAL_OPTIONS}


class _NameList(click.types.StringParamType):
    """Plugin names, comma-separated in the environment variable (``a,b``)."""

    name = "NAME"
    envvar_list_splitter = ","


def chosen_options(
    overrides: Mapping[str, Sequence[str] | None],
) -> dict[str, tuple[str, ...]]:
    """Return key → flags of the options a host exposes: the defaults, then its overrides.

    ``overrides`` maps a key of :data:`GLOBAL_OPTIONS` to the flags to use instead, or to
    ``None`` to leave the option out.
    """
    unknown = sorted(set(overrides) - set(_BY_KEY))
    if unknown:
        raise ValueError(
            f"unknown global option(s) {', '.join(map(repr, unknown))}; "
            f"choose among {', '.join(map(repr, _BY_KEY))}"
        )
    chosen = {option.key: option.flags for option in GLOBAL_OPTIONS}
    for key, flags in overrides.items():
        if flags is None:
            del chosen[key]
        else:
            chosen[key] = tuple(flags)
    return chosen


def taken_by(params: Iterable[click.Parameter], help_names: Iterable[str]) -> set[str]:
    """Return the names and flags an application's root already uses."""
    taken = set(help_names)
    for param in params:
        taken.update(param.opts, param.secondary_opts)
        if param.name:
            taken.add(param.name)
    return taken


def without_clashes(
    chosen: Mapping[str, tuple[str, ...]], taken: set[str]
) -> dict[str, tuple[str, ...]]:
    """Drop the options whose key or any flag the application already uses.

    The whole option goes, not only the clashing flag: a host whose ``-q`` means something
    else should not get a half pegboard ``--quiet`` that users cannot predict.
    """
    return {
        key: flags
        for key, flags in chosen.items()
        if _BY_KEY[key].attribute not in taken
        and key not in taken
        and not taken.intersection(flags)
    }


def build(
    host: str, mounted: Mapping[str, tuple[str, ...]], on_version: Callable[[click.Context], None]
) -> list[click.Parameter]:
    """Return the Click options for ``mounted`` (key → flags), in the table's order."""
    prefix = config.env_prefix(host)
    params: list[click.Parameter] = []
    for option in GLOBAL_OPTIONS:
        flags = mounted.get(option.key)
        if flags is None:
            continue
        if option.key == "version":
            params.append(
                click.Option(
                    [*flags, option.key],
                    is_flag=True,
                    is_eager=True,
                    expose_value=False,
                    callback=lambda ctx, param, value: on_version(ctx) if value else None,
                    help=option.help,
                )
            )
        else:
            declarations = [*flags, option.key]  # named by key, whatever its flags
            params.append(click.Option(declarations, **_settings(option, prefix, expose=False)))
    return params


def command_option(
    key: str, *, expose: bool = True
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return a decorator adding global option ``key`` to a command, after its name.

    The value is stored in :func:`options`, so code reading it sees the option given before
    or after the command; with ``expose`` it is also passed to the command (as
    ``output_format`` or ``quiet``).
    """
    option = _BY_KEY[key]
    declarations = list(option.flags)
    if key == "format":
        declarations.append("output_format")

    return click.option(*declarations, **_settings(option, None, expose=expose))


def _settings(option: GlobalOption, prefix: str | None, *, expose: bool) -> dict[str, Any]:
    """Return the Click settings of ``option``; its value is stored into :class:`Options`."""
    envvar = f"{prefix}_{option.envvar}" if prefix and option.envvar else None
    help_text = option.help
    if option.envvar is not None:
        example = "a,b" if option.attribute == "disabled" else "1"
        help_text += f" (also {envvar}={example})." if envvar else "."
    common: dict[str, Any] = {
        "is_eager": True,
        "expose_value": expose,
        "callback": _store(option.attribute),
        "help": help_text,
        "envvar": envvar,
    }
    if option.key == "format":
        return {**common, "type": click.Choice(FORMATS), "default": None}
    if option.key == "disable_plugin":
        return {**common, "type": _NameList(), "multiple": True, "metavar": "NAME"}
    return {**common, "is_flag": True, "default": None}


def _store(attribute: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value == ():
            return value
        opts = options(ctx)
        if attribute == "disabled":
            opts.disabled |= _names(value)
        elif value or attribute == "format":
            setattr(opts, attribute, value)
            if attribute == "debug":
                import logging

                logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        return value

    return callback


def _names(values: Iterable[str]) -> frozenset[str]:
    return frozenset(name.strip() for value in values for name in value.split(",") if name.strip())


def apply_environment(host: str, ctx: click.Context, mounted: Collection[str]) -> None:
    """Read the environment variables of the options that are not mounted on the root.

    A host that leaves out ``--no-plugins`` (or whose app has its own) still honours
    ``<PREFIX>_NO_PLUGINS``: the variables are part of the documented contract.
    """
    opts = options(ctx)
    prefix = config.env_prefix(host)
    for option in GLOBAL_OPTIONS:
        if option.envvar is None or option.key in mounted:
            continue
        value = os.environ.get(f"{prefix}_{option.envvar}", "").strip()
        if not value:
            continue
        if option.attribute == "disabled":
            opts.disabled |= _names([value])
        elif value.lower() in _TRUE:
            setattr(opts, option.attribute, True)
