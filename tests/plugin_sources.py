"""Sources of the plugin modules the host tests install as real distributions.

Each is the text of one module; a test writes it with ``SiteDir.add`` under its own
distribution and entry-point names. The observers write what they see to the JSON-lines
file named by ``HOOK_LOG``.
"""

from __future__ import annotations

HELLO = """
import click

@click.command()
@click.option("--loud", is_flag=True)
@click.argument("who")
def cli(loud, who):
    '''Greet WHO.'''
    click.echo(("HELLO " if loud else "hello ") + who)
    return who
"""
"""A Click command (``cli``) with an option and an argument; it returns WHO."""

TOOLS = """
import click

@click.group()
def cli():
    '''Tools.'''

@cli.command()
@click.argument("path")
def lint(path):
    '''Lint PATH.'''
    click.echo("lint " + path)

@cli.command()
def fail():
    '''Fail.'''
    raise click.ClickException("broken tool")
"""
"""A Click group (``cli``): ``lint PATH`` and ``fail`` (a Click error, exit 1)."""

TYPER = """
import typer

app = typer.Typer(help="Notes.")

@app.command()
def add(text: str, pin: bool = False):
    '''Add a note.'''
    print("added " + text)

@app.command()
def crash(code: int = 3):
    '''Exit with CODE.'''
    raise typer.Exit(code=code)
"""
"""A Typer app (``app``): ``add TEXT [--pin]`` and ``crash [--code N]`` (exit N, default 3)."""

SPY = """
import json, os
import pegboard

def _log(**event):
    with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps(event, default=repr) + "\\n")

class Spy:
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        _log(hook="pre", name=name, args=list(args), kwargs=kwargs)

    @pegboard.hookimpl
    def post_execute(self, name, result, outcome):
        _log(hook="post", name=name, result=result, exit_code=outcome.exit_code,
             error=type(outcome.error).__name__ if outcome.error else None)

plugin = Spy()
"""
"""A hook-only plugin (``plugin``) logging every ``pre_execute`` and ``post_execute``."""


def slack(hooks: str) -> str:
    """Return a plugin adding ``ops page USER`` to the ``ops`` group, with ``hooks``.

    ``hooks`` is the body of its plugin class (``plugin``): command hooks and a
    ``command_group`` subcommand in one plugin once broke the whole group.
    """
    return f"""
import click, pegboard
from pegboard import command_group

@command_group("ops")("page")
@click.argument("user")
def page(user):
    '''Page USER.'''
    click.echo("paging " + user)

class Slack:
{hooks}

plugin = Slack()
"""


def observer(hook: str, body: str) -> str:
    """Return a plugin (``plugin``) whose ``hook`` runs ``body``, one line of Python.

    ``hook`` is ``pre_execute`` or ``post_execute``; the module imports ``sys`` and ``time``.
    """
    arguments = "name, args, kwargs" if hook == "pre_execute" else "name, result"
    return f"""
import sys, time
import pegboard

class Observer:
    @pegboard.hookimpl
    def {hook}(self, {arguments}):
        {body}

plugin = Observer()
"""
