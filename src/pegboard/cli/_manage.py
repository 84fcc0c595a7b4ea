"""``plugins install`` and ``plugins uninstall``."""

from __future__ import annotations

import sys

import click

from pegboard.cli._names import plugin_name_argument
from pegboard.host.host import host_of, options
from pegboard.manage.install import Installer
from pegboard.manage.probe import check_plugin


@click.command()
@click.argument("specs", nargs=-1, required=True)
@click.option("--force", is_flag=True, help="Keep plugins that fail their check.")
@click.option("-U", "--upgrade", is_flag=True, help="Upgrade already installed distributions.")
@click.pass_context
def install(ctx: click.Context, specs: tuple[str, ...], force: bool, upgrade: bool) -> None:
    """Install plugins: PyPI names (with a version specifier), local paths or wheels.

    pip (or uv, when on PATH) installs into this host's own interpreter. Each newly installed
    plugin is then checked in a child process; if one fails, the install is rolled back
    unless --force. A distribution that provides no plugin for this host is refused.
    """
    host = host_of(ctx)
    identity = host.identity
    installer = Installer(
        identity.name,
        python=sys.executable,
        protected=[identity.distribution],
        quiet=options(ctx).quiet,
    )

    def verify(name: str) -> str | None:
        report = check_plugin(identity, name)
        return None if report.ok else "; ".join(report.problems)

    changes = installer.install(list(specs), verify=verify, force=force, upgrade=upgrade)
    if not changes:
        click.echo("Nothing to do: the requirements are already installed.")
    for change in changes:
        was = f" (was {change.previous_version})" if change.previous_version else ""
        provides = f": plugins {', '.join(change.plugins)}" if change.plugins else ""
        click.echo(f"Installed {change.distribution} {change.version}{was}{provides}")


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
    identity = host_of(ctx).identity
    installer = Installer(
        identity.name,
        python=sys.executable,
        protected=[identity.distribution],
        quiet=options(ctx).quiet,
    )
    chosen = installer.resolve_uninstall(list(names))
    for distribution, plugins in chosen.items():
        click.echo(f"{distribution}: provides {', '.join(plugins)}")
    if not yes:
        click.confirm("Uninstall these distributions?", abort=True, err=True)
    installer.uninstall(list(chosen))
    click.echo(f"Uninstalled {', '.join(chosen)}.")
