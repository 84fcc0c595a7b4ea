"""``plugins install``, ``uninstall``, ``sync`` and ``export``.

What is installed or removed through the host is kept in its plugin set
(:mod:`pegboard.host.pluginset`), which ``sync`` installs again and ``export`` prints.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import click

from pegboard.cli._names import plugin_name_argument
from pegboard.host.config import HostIdentity
from pegboard.host.options import options
from pegboard.host.pluginset import (
    PluginSet,
    Recorded,
    canonical,
    recorded_from,
    validate_set,
)
from pegboard.host.root import host_of
from pegboard.manage.install import Installed, Installer
from pegboard.manage.probe import check_plugin
from pegboard.manage.tools import InstallOptions


def _installer(ctx: click.Context) -> Installer:
    """Return the installer of the invocation's host, for its own interpreter."""
    return Installer(host_of(ctx).identity, python=sys.executable, quiet=options(ctx).quiet)


def verify_plugin(identity: HostIdentity, name: str) -> str | None:
    """Check one freshly installed plugin in a child interpreter; return what is wrong."""
    report = check_plugin(identity, name)
    return None if report.ok else "; ".join(report.problems)


@click.command()
@click.argument("specs", nargs=-1)
@click.option(
    "-e",
    "--editable",
    "editables",
    multiple=True,
    metavar="PATH",
    help="Install a project folder in editable mode (repeatable).",
)
@click.option(
    "-r",
    "--requirement",
    "requirement_files",
    multiple=True,
    metavar="FILE",
    type=click.Path(exists=True, dir_okay=False),
    help="Install from a requirements file.",
)
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade already installed distributions.")
@click.option("--pre", is_flag=True, help="Include pre-release and development versions.")
@click.option("--force-reinstall", is_flag=True, help="Reinstall even when up to date.")
@click.option("--no-cache-dir", is_flag=True, help="Do not use the installer's cache.")
@click.option("--index-url", metavar="URL", help="Base URL of the package index.")
@click.option(
    "--extra-index-url",
    "extra_index_urls",
    multiple=True,
    metavar="URL",
    help="A further package index (repeatable).",
)
@click.option("--force", is_flag=True, help="Keep plugins that fail their check.")
@click.pass_context
def install(ctx: click.Context, /, specs: tuple[str, ...], force: bool, **chosen: Any) -> None:
    """Install plugins: PyPI names (with a version specifier), local paths or wheels.

    The tool that installed this host installs them too, so they survive its upgrades:
    `uv tool install --with`, `pipx inject`, or pip (`uv pip` without pip) in a plain
    environment. Each newly installed plugin is then checked in a child process; if one
    fails, the install is rolled back unless --force. A distribution that provides no plugin
    for this host is refused.
    """
    # The options are named as InstallOptions' fields, and handed on as they are.
    passed = InstallOptions(**chosen)
    if not (specs or passed.editables or passed.requirement_files):
        raise click.UsageError("Name at least one plugin, -e PATH or -r FILE to install.")
    identity = host_of(ctx).identity
    changes = _installer(ctx).install(
        list(specs),
        verify=lambda name: verify_plugin(identity, name),
        force=force,
        options=passed,
    )
    _record(identity.name, changes, specs)
    if not changes:
        click.echo("Nothing to do: the requirements are already installed.")
    _learn(ctx, [name for change in changes for name in change.plugins])
    _report(changes)


def _learn(ctx: click.Context, names: Sequence[str]) -> None:
    """Learn the plugins just installed (in children), so the next ``--help`` shows their help.

    The catalog is built afresh: the environment changed under this invocation.
    """
    if not names:
        return
    from pegboard.host.catalog import Catalog

    host = host_of(ctx)
    catalog = Catalog(host.identity, host.selection())
    found = [catalog.record(name) for name in names]
    catalog.learn(record for record in found if record is not None)


def _record(host: str, changes: list[Installed], specs: Sequence[str]) -> None:
    """Add the plugin distributions an install added or changed to the host's plugin set."""
    PluginSet.for_host(host).record(
        Recorded(change.distribution, change.again(specs), change.plugins)
        for change in changes
        if change.plugins
    )


def _report(changes: list[Installed]) -> None:
    for change in changes:
        was = f" (was {change.previous_version})" if change.previous_version else ""
        word = "plugin" if len(change.plugins) == 1 else "plugins"
        provides = f": {word} {', '.join(change.plugins)}" if change.plugins else ""
        click.echo(f"Installed {change.distribution} {change.version}{was}{provides}")


@click.command()
@click.option(
    "--from",
    "source",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Install the plugin set of FILE (written by `plugins export`) instead.",
)
@click.option("--force", is_flag=True, help="Keep plugins that fail their check.")
@click.pass_context
def sync(ctx: click.Context, source: str | None, force: bool) -> None:
    """Install the recorded plugins that are missing from this environment.

    Plugins installed through this host are recorded per environment, outside it: after the
    host was upgraded or reinstalled, or its virtual environment recreated, this brings them
    back. Each is checked as `plugins install` checks it.
    """
    identity = host_of(ctx).identity
    plugin_set = PluginSet.for_host(identity.name)
    wanted = _read_export(source) if source else list(plugin_set.entries().values())
    installer = _installer(ctx)
    present = installer.distributions()
    missing = [entry for entry in wanted if canonical(entry.distribution) not in present]
    if not missing:
        click.echo("Nothing to do: every recorded plugin is installed.")
        return
    editables = tuple(a.removeprefix("--editable=") for e in missing for a in _editables(e))
    specs = [arg for entry in missing for arg in entry.install if arg not in _editables(entry)]
    changes = installer.install(
        specs,
        verify=lambda name: verify_plugin(identity, name),
        force=force,
        options=InstallOptions(editables=editables),
    )
    by_name = {canonical(entry.distribution): entry for entry in missing}
    plugin_set.record(
        by_name.get(canonical(c.distribution))
        or Recorded(c.distribution, c.again(specs), c.plugins)
        for c in changes
        if c.plugins
    )
    _report(changes)


def _editables(entry: Recorded) -> list[str]:
    """Return the ``--editable=URL`` arguments among ``entry``'s install arguments."""
    return [arg for arg in entry.install if arg.startswith("--editable=")]


def _read_export(path: str) -> list[Recorded]:
    """Return the entries of a file ``plugins export`` wrote; raise UsageError if malformed."""
    from pegboard.host.jsonstore import MAX_BYTES

    try:
        with open(path, "rb") as stream:
            data = validate_set(json.loads(stream.read(MAX_BYTES + 1).decode("utf-8-sig")))
    except (OSError, ValueError, RecursionError) as error:
        raise click.BadParameter(
            f"{path} is not a plugin set written by `plugins export`: {error}",
            param_hint="'--from'",
        ) from error
    return [recorded_from(row) for row in data["plugins"].values()]


@click.command()
@click.pass_context
def export(ctx: click.Context) -> None:
    """Print the plugin set recorded for this environment, as JSON.

    Give the file to `plugins sync --from FILE` on another machine or environment.
    """
    plugin_set = PluginSet.for_host(host_of(ctx).name)
    click.echo(json.dumps(plugin_set.export(), indent=2, sort_keys=True))


@click.command()
@plugin_name_argument(nargs=-1)
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def uninstall(ctx: click.Context, names: tuple[str, ...], yes: bool) -> None:
    """Uninstall plugins, by plugin name or distribution name.

    Only distributions that provide a plugin of this host are removed; the host itself,
    pegboard, pip and unrelated packages are refused. Plugin code is never imported.
    """
    if not names:
        raise click.UsageError("Name at least one plugin to uninstall.")
    installer = _installer(ctx)
    chosen = installer.resolve_uninstall(list(names))
    for distribution, plugins in chosen.items():
        click.echo(f"{distribution}: provides {', '.join(plugins)}")
    if not yes:
        click.confirm("Uninstall these distributions?", abort=True, err=True)
    installer.uninstall(list(chosen))
    PluginSet.for_host(installer.host).forget(chosen)
    click.echo(f"Uninstalled {', '.join(chosen)}.")
