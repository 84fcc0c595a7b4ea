"""``plugins install`` and ``plugins uninstall``."""

from __future__ import annotations

import sys
from typing import Any

import click

from pegboard.cli._names import plugin_name_argument
from pegboard.host.config import HostIdentity
from pegboard.host.host import host_of, options
from pegboard.manage.install import Installer
from pegboard.manage.probe import check_plugin
from pegboard.manage.tools import InstallOptions


def _installer(ctx: click.Context) -> Installer:
    """Return the installer of the invocation's host, for its own interpreter."""
    identity = host_of(ctx).identity
    return Installer(
        identity.name,
        python=sys.executable,
        protected=[identity.distribution],
        quiet=options(ctx).quiet,
    )


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
    installer = _installer(ctx)
    chosen = installer.resolve_uninstall(list(names))
    for distribution, plugins in chosen.items():
        click.echo(f"{distribution}: provides {', '.join(plugins)}")
    if not yes:
        click.confirm("Uninstall these distributions?", abort=True, err=True)
    installer.uninstall(list(chosen))
    click.echo(f"Uninstalled {', '.join(chosen)}.")
