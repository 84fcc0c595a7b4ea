"""One plugin command through ``Host.main``: the fast path, and where it leaves to the root.

``Host.main`` runs a learnt command-only plugin under a small root of its own; everything
else (observers, strict mode, switched-off plugins, options before the command, failures)
must behave exactly as under the full root. Each test runs the host twice: the first run
learns the plugins (in children), the second is the warm start the fast path is for.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from conftest import SiteDir
from pegboard.host.host import Host
from pegboard.host.pluginset import PluginSet, Recorded
from pegboard.host.state import PluginStates

GROUP = "acme.plugins"

GREET = """
import os, sys
import click
import pegboard

if os.environ.get("GREET_IMPORTS"):
    with open(os.environ["GREET_IMPORTS"], "a", encoding="utf-8") as stream:
        stream.write("imported\\n")
if os.environ.get("GREET_BROKEN"):
    raise RuntimeError("greet is broken today")

@click.command()
@click.option("--code", type=int, default=0)
@click.option("--interrupt", is_flag=True)
@click.option("--refuse", is_flag=True)
@click.argument("who", default="world")
@click.pass_context
def cli(ctx, code, interrupt, refuse, who):
    '''Greet WHO.'''
    if interrupt:
        raise KeyboardInterrupt
    if refuse:
        raise pegboard.PegboardError("greet refuses today", hint="Ask again tomorrow.")
    click.echo(f"hello {who} from {ctx.command.name} under {ctx.find_root().info_name}")
    ctx.exit(code)
"""

SPY = """
import os
import click
import pegboard

class Spy:
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        click.echo("spy saw " + name)

plugin = Spy()
"""


@pytest.fixture
def acme(site: SiteDir) -> Host:
    """A host with one command-only plugin, ``greet``."""
    site.add(
        "acme-greet",
        entry_points={GROUP: {"greet": "acme_greet:cli"}},
        modules={"acme_greet": GREET},
    )
    return Host("acme", version="1.0", distribution="acme")


def run(host: Host, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``acme ARGS`` as its console script does; return the exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as stop:
        host.main(list(args))
    out, err = capsys.readouterr()
    code = stop.value.code
    return code if isinstance(code, int) else (0 if code is None else 1), out, err


def warm() -> Host:
    """Return a fresh host object, as a new process would create."""
    return Host("acme", version="1.0", distribution="acme")


def learnt(capsys: pytest.CaptureFixture[str]) -> Host:
    """Run ``acme greet`` once (learning the plugins); return a host for the warm run."""
    assert run(warm(), capsys, "greet")[0] == 0
    return warm()


@pytest.mark.parametrize(
    ("args", "code", "out", "err"),
    [
        (["greet"], 0, "hello world from greet under acme\n", ""),
        (["greet", "bob", "--code", "3"], 3, "hello bob from greet under acme\n", ""),
        (["greet", "-h"], 0, "Usage: acme greet [OPTIONS] [WHO]", ""),
        (["greet", "--bogus"], 2, "", "Try 'acme greet --help' for help."),
        (["greet", "--interrupt"], 130, "", "\nInterrupted.\n"),
        (["greet", "--refuse"], 1, "", "Error: greet refuses today\nAsk again tomorrow.\n"),
        (["-q", "greet", "ann"], 0, "hello ann from greet under acme\n", ""),
        (["--disable-plugin", "greet", "greet"], 3, "", "switched off for this run"),
        (["--no-plugins", "greet"], 3, "", "plugins are off for this run"),
    ],
    ids=[
        "runs",
        "exit-code",
        "own-help",
        "usage-error",
        "ctrl-c",
        "pegboard-error",
        "option-before",
        "disabled-for-run",
        "no-plugins",
    ],
)
def test_a_plugin_command_behaves_as_under_the_full_root(
    acme: Host,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    out: str,
    err: str,
) -> None:
    host = learnt(capsys)
    found = run(host, capsys, *args)
    assert found[0] == code
    assert out in found[1]
    assert err in found[2]
    assert "Traceback" not in found[2]


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("ACME_DISABLE_PLUGINS", "greet", "switched off for this run"),
        ("ACME_NO_PLUGINS", "1", "plugins are off for this run"),
        ("ACME_PLUGINS", "other", "it is not in ACME_PLUGINS"),
    ],
)
def test_the_environment_switches_a_plugin_off(
    acme: Host,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    message: str,
) -> None:
    host = learnt(capsys)
    monkeypatch.setenv(variable, value)
    code, _, err = run(host, capsys, "greet")
    assert code == 3
    assert message in err


def test_a_disabled_plugin_is_refused_with_the_command_that_enables_it(
    acme: Host, capsys: pytest.CaptureFixture[str]
) -> None:
    host = learnt(capsys)
    PluginStates.for_host("acme").disable("greet")
    code, out, err = run(host, capsys, "greet")
    assert (code, out) == (3, "")
    assert "Plugin 'greet' is not loaded: it is disabled." in err
    assert "Run `acme plugins enable greet` to enable it." in err


def test_observers_see_the_command(
    acme: Host, site: SiteDir, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add(
        "acme-spy", entry_points={GROUP: {"spy": "acme_spy:plugin"}}, modules={"acme_spy": SPY}
    )
    host = learnt(capsys)
    code, out, _ = run(host, capsys, "greet", "ann")
    assert code == 0
    assert out == "spy saw greet\nhello ann from greet under acme\n"


def test_strict_mode_from_the_environment_still_loads_every_plugin(
    acme: Host, site: SiteDir, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    site.add(
        "acme-broken",
        entry_points={GROUP: {"broken": "acme_broken:cli"}},
        modules={"acme_broken": "raise RuntimeError('no')\n"},
    )
    host = learnt(capsys)
    monkeypatch.setenv("ACME_STRICT_PLUGINS", "1")
    code, out, err = run(host, capsys, "greet")
    assert (code, out) == (4, "")
    assert "1 plugin(s) failed to load: broken" in err


def test_a_plugin_that_fails_after_it_was_learnt_is_reported_and_imported_once(
    acme: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    host = learnt(capsys)
    imports = tmp_path / "imports.txt"
    monkeypatch.setenv("GREET_IMPORTS", os.fspath(imports))
    monkeypatch.setenv("GREET_BROKEN", "1")
    sys.modules.pop("acme_greet", None)
    code, out, err = run(host, capsys, "greet")
    assert (code, out) == (4, "")
    assert "Plugin 'greet' failed to load: loading it raised RuntimeError: greet is broken" in err
    assert imports.read_text(encoding="utf-8") == "imported\n"


def test_a_corrupt_state_file_is_reported_once_when_the_root_takes_over(
    acme: Host, site: SiteDir, capsys: pytest.CaptureFixture[str]
) -> None:
    site.add(
        "acme-spy", entry_points={GROUP: {"spy": "acme_spy:plugin"}}, modules={"acme_spy": SPY}
    )
    host = learnt(capsys)
    path = Path(PluginStates.for_host("acme").path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    code, out, err = run(host, capsys, "greet")  # the spy observes: the full root runs it
    assert code == 0
    assert "spy saw greet" in out
    assert err.count("Warning: The plugin state file") == 1


def test_missing_plugins_are_noted_after_the_manifest_was_rebuilt(
    acme: Host, site: SiteDir, capsys: pytest.CaptureFixture[str]
) -> None:
    host = learnt(capsys)
    PluginSet.for_host("acme").record([Recorded("acme-gone", ("acme-gone==1.0",), ("gone",))])
    site.add("unrelated")  # a new distribution: the next start rescans
    code, out, err = run(host, capsys, "greet")
    assert (code, out) == (0, "hello world from greet under acme\n")
    assert "Note: " in err
    assert "acme-gone" in err


def test_shell_completion_is_left_to_the_full_root(
    acme: Host, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    host = learnt(capsys)
    monkeypatch.setenv("_ACME_COMPLETE", "bash_complete")
    monkeypatch.setenv("COMP_WORDS", "acme ")
    monkeypatch.setenv("COMP_CWORD", "1")
    code, out, _ = run(host, capsys, "greet")
    assert code == 0
    assert {"greet", "plugins", "doctor"} <= {line.split(",")[-1] for line in out.split()}
