"""``plugins new``: create a plugin project for this host, ready to install and test."""

from __future__ import annotations

import shlex

import click

from pegboard.host.options import options
from pegboard.host.root import catalog_of


@click.command()
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), help="Where to create it.")
@click.option("--typer", is_flag=True, help="Make the command a Typer app instead of Click.")
@click.option("--force", is_flag=True, help="Overwrite the files of an existing project.")
@click.pass_context
def new(ctx: click.Context, name: str, directory: str | None, typer: bool, force: bool) -> None:
    """Create a new plugin project NAME, ready to install and test.

    The project requires this host's distribution, so pip installs it only where the host
    is; its tests run with pytest.
    """
    from pegboard.manage.scaffold import create_plugin_project

    host = catalog_of(ctx).host
    result = create_plugin_project(
        name,
        directory,
        host=host.name,
        host_distribution=host.distribution,
        host_version=host.version,
        api_version=host.api_version,
        reserved=host.reserved,
        force=force,
        flavour="typer" if typer else "click",
        group=host.entry_point_groups[0],  # new plugins go to the first group the host names
    )
    click.echo(f"Created {result.distribution} in {result.root}")
    if not _is_installed(host.distribution):
        click.echo(
            f"Warning: no installed distribution is named {host.distribution!r}, yet the "
            f"project requires it. If {host.name} is published under another name, its "
            f"author should say so with Host({host.name!r}, distribution=...); until then, "
            "fix the requirement in pyproject.toml.",
            err=True,
        )
    if not options(ctx).quiet:
        root = shlex.quote(str(result.root))
        click.echo(f"Next: {ctx.find_root().info_name} plugins install {root}")
        click.echo(f"      {ctx.find_root().info_name} {name} --name Ada")


def _is_installed(distribution: str) -> bool:
    """Whether ``distribution`` is installed where this host runs."""
    import importlib.metadata

    try:
        importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
