"""Two realistic host apps, installed with their console scripts, run as users run them.

``shipx`` is a Click app (version option, ``auto_envvar_prefix``, epilog, its own
``--format`` and ``-v``); ``notes`` a Typer app whose callback reads ``-n/--notebook`` from an
environment variable and whose own group class (``cls=``) resolves aliases and prefixes.
Both adopt pegboard through ``Host.attach`` (sources in tests/hosts/).
One virtual environment is built per session; each test gets its own config and cache
folders. Plugins of every kind are real distributions in that environment: a Click command,
a Click group, a Typer app, a hook-only observer, a plugin with command hooks *and* a
``command_group`` subcommand, and one that cannot be imported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import SiteDir, Venv, make_venv
from plugin_sources import HELLO, SPY, TOOLS, TYPER, slack

HOSTS = Path(__file__).parent / "hosts"

PLUGINS: dict[str, tuple[str, str]] = {
    "hello": ("cli", HELLO),
    "tools": ("cli", TOOLS),
    "widgets": ("app", TYPER),
    "spy": ("plugin", SPY),
    "slack": (
        "plugin",
        slack(
            """
    @pegboard.hookimpl
    def post_execute(self, name, result):
        pass
"""
        ),
    ),
    "broken": ("plugin", "raise RuntimeError('broken on purpose')\n"),
}


@pytest.fixture(scope="session")
def hosts_venv(tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """One environment with both host apps (real installs) and every plugin."""
    root = tmp_path_factory.mktemp("hosts")
    environment = make_venv(root / "venv")
    sources = [shutil.copytree(HOSTS / name, root / name) for name in ("shipx", "notesapp")]
    environment.pip("install", *map(os.fspath, sources))
    site = SiteDir(environment.site_packages)
    for name, (attribute, source) in PLUGINS.items():
        module = f"pbtest_{name}"
        target = f"{module}:{attribute}"
        site.add(
            f"pbtest-{name}",
            entry_points={"shipx.plugins": {name: target}, "notes.plugins": {name: target}},
            modules={module: source},
        )
    return environment


class Run:
    """Runs a host's console script with this test's own folders and hook log."""

    def __init__(self, environment: Venv, home: Path):
        self.environment = environment
        self.log = home / "hooks.jsonl"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.fspath(home),
            "XDG_CONFIG_HOME": os.fspath(home / "config"),
            "XDG_CACHE_HOME": os.fspath(home / "cache"),
            "HOOK_LOG": os.fspath(self.log),
            "PYTHONWARNINGS": "error",  # a duplicate-option warning would fail the run
        }

    def __call__(
        self, host: str, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [os.fspath(self.environment.bin / host), *args],
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=60,
            check=False,
        )

    def hooks(self) -> list[tuple[str, str]]:
        if not self.log.exists():
            return []
        events = [json.loads(line) for line in self.log.read_text("utf-8").splitlines()]
        return [(event["hook"], event["name"]) for event in events]


@pytest.fixture
def run(hosts_venv: Venv, tmp_path: Path) -> Run:
    return Run(hosts_venv, tmp_path)


KINDS: dict[str, tuple[list[str], str, str, str]] = {
    # kind: (argv, expected output, hook name, plugin that provides it)
    "host": (["status"], "status", "status", "spy"),
    "click": (["hello", "bob"], "hello bob", "hello", "hello"),
    "group": (["tools", "lint", "src"], "lint src", "tools lint", "tools"),
    "typer": (["widgets", "add", "red"], "added red", "widgets add", "widgets"),
    "command_group": (["ops", "page", "bob"], "paging bob", "ops page", "slack"),
}


@pytest.mark.parametrize("host", ["shipx", "notes"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("observed", [True, False], ids=["hooks", "no-hooks"])
@pytest.mark.parametrize("mode", ["plain", "disabled", "strict"])
def test_every_kind_with_hooks_disabled_and_strict(
    run: Run, host: str, kind: str, observed: bool, mode: str
) -> None:
    argv, expected, name, provider = KINDS[kind]
    switches = ["--disable-plugin", "broken"]
    if not observed:
        switches += ["--disable-plugin", "spy"]
    env = {f"{host.upper()}_STRICT_PLUGINS": "1"} if mode == "strict" else {}
    if mode == "disabled":
        assert run(host, "plugins", "list").returncode == 0  # learnt while enabled
        assert run(host, "plugins", "disable", provider).returncode == 0
    result = run(host, *switches, *argv, env=env)
    assert result.stderr.count("Warning") == 0, result.stderr
    if mode == "disabled" and kind != "host":
        assert result.returncode == 3, result.stderr
        assert f"lugin {provider!r}" in result.stderr  # a group says which plugin provides it
        assert "is not loaded: it is disabled." in result.stderr
        assert f"Run `{host} plugins enable {provider}` to enable it." in result.stderr
        assert run.hooks() == []
        return
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    hooks_run = observed and not (mode == "disabled" and provider == "spy")
    assert run.hooks() == ([("pre", name), ("post", name)] if hooks_run else [])
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
@pytest.mark.parametrize(
    ("how", "why", "hint"),
    [
        ("state-file", "it is disabled", "Run `{host} plugins enable slack` to enable it."),
        ("option", "it is switched off for this run", "without switching it off"),
        ("env", "it is switched off for this run", "without switching it off"),
    ],
)
def test_a_group_whose_only_provider_is_off_names_it_in_strict_mode(
    run: Run, host: str, how: str, why: str, hint: str
) -> None:
    assert run(host, "plugins", "list").returncode == 0  # slack is learnt while enabled
    prefix = host.upper()
    args, env = ["--disable-plugin", "broken"], {f"{prefix}_STRICT_PLUGINS": "1"}
    if how == "state-file":
        assert run(host, "plugins", "disable", "slack").returncode == 0
    elif how == "option":
        args += ["--disable-plugin", "slack"]
    else:
        args, env[f"{prefix}_DISABLE_PLUGINS"] = [], "broken,slack"
    result = run(host, *args, "ops", "page", "bob", env=env)
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(
        f"Error: Command group 'ops' comes from plugin 'slack', which is not loaded: {why}"
    )
    assert hint.format(host=host) in result.stderr
    assert run.hooks() == []
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_a_group_of_a_plugin_disabled_before_it_was_learnt_is_unknown(run: Run, host: str) -> None:
    # A disabled plugin is never imported, not even to learn which groups it adds to.
    assert run(host, "plugins", "disable", "slack").returncode == 0
    result = run(host, "--disable-plugin", "broken", "ops", "page", "bob")
    assert result.returncode == 3, result.stderr
    assert "No such command 'ops'" in result.stderr
    assert f"`{host} plugins list --all`" in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_strict_mode_names_the_broken_plugin_but_management_still_works(
    run: Run, host: str
) -> None:
    strict = {f"{host.upper()}_STRICT_PLUGINS": "1"}
    result = run(host, "hello", "bob", env=strict)
    assert result.returncode == 4
    assert "broken" in result.stderr
    assert "Traceback" not in result.stderr
    assert run(host, "plugins", "disable", "broken", env=strict).returncode == 0
    assert run(host, "hello", "bob", env=strict).stdout == "hello bob\n"


@pytest.mark.parametrize(
    ("host", "args", "env", "expected"),
    [
        ("shipx", ["--version"], {}, "shipx, version 2.0\n"),
        ("shipx", ["status"], {"SHIPX_VERBOSE": "2"}, "status fmt=plain verbose=2\n"),
        ("shipx", ["--format", "table", "-v", "status"], {}, "status fmt=table verbose=1\n"),
        ("notes", ["status"], {}, "status notebook=inbox\n"),
        ("notes", ["-n", "work", "status"], {}, "status notebook=work\n"),
        ("notes", ["status"], {"NOTES_NOTEBOOK": "home"}, "status notebook=home\n"),
    ],
)
def test_the_apps_own_options_and_env_vars_work(
    run: Run, host: str, args: list[str], env: dict[str, str], expected: str
) -> None:
    result = run(host, "--disable-plugin", "broken", *args, env=env)
    assert (result.returncode, result.stdout, result.stderr) == (0, expected, "")


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_help_lists_everything_once_without_warnings(run: Run, host: str) -> None:
    # --help never waits for learning; the groups plugins add are known once they are learnt.
    assert run(host, "plugins", "list").returncode == 0
    result = run(host, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    options = result.stdout.partition("Commands:")[0]
    for flag in ("--version", "--no-plugins", "--disable-plugin"):
        assert options.count(flag) == 1, (flag, options)
    for command in ("status", "hello", "tools", "widgets", "ops", "plugins"):
        assert command in result.stdout


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_completion_inside_a_group_with_a_hooked_contributor(run: Run, host: str) -> None:
    assert run(host, "plugins", "list").returncode == 0  # completion never waits for learning
    env = {
        f"_{host.upper()}_COMPLETE": "bash_complete",
        "COMP_WORDS": f"{host} ops ",
        "COMP_CWORD": "2",
    }
    result = run(host, env=env)
    assert result.returncode == 0, result.stderr
    assert "page" in result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("host", ["shipx", "notes"])
def test_a_typer_plugins_exit_code_is_the_hosts(run: Run, host: str) -> None:
    result = run(host, "--disable-plugin", "broken", "widgets", "crash")
    assert result.returncode == 3
    assert run.hooks() == [("pre", "widgets crash"), ("post", "widgets crash")]


@pytest.mark.parametrize(
    ("args", "expected", "name"),
    [
        (["hel", "bob"], "hello bob\n", "hello"),
        (["st"], "status fmt=plain verbose=0\n", "status"),
        (["too", "lint", "src"], "lint src\n", "tools lint"),
        (["plug", "disable", "tools"], "", None),
    ],
)
def test_shipxs_own_aliases_and_prefixes_reach_plugin_commands(
    run: Run, args: list[str], expected: str, name: str | None
) -> None:
    result = run("shipx", "--disable-plugin", "broken", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)
    # The observers see the name the app's group resolved, not the prefix typed.
    assert run.hooks() == ([("pre", name), ("post", name)] if name else [])


def test_shipxs_own_sections_list_plugin_commands(run: Run) -> None:
    assert run("shipx", "plugins", "list").returncode == 0  # --help never waits for learning
    result = run("shipx", "--help")
    assert (result.returncode, result.stderr) == (0, "")
    sections = result.stdout.partition("Shipping:")[2].partition("Docs:")[0]
    shipping, _, commands = sections.partition("Commands:")
    assert [line.split()[0] for line in shipping.splitlines() if line.strip()] == [
        "deploy",
        "status",
    ]
    listed = [line.split()[0] for line in commands.splitlines() if line[:3].strip()]
    assert listed == ["completion", "doctor", "hello", "ops", "plugins", "tools", "widgets"]
    assert "Greet WHO." in commands


@pytest.mark.parametrize(
    ("words", "offered"),
    [
        ("shipx s", ["status", "st"]),  # shipx's own completion adds its alias
        ("shipx w", ["widgets"]),
        ("shipx hel --", ["--loud", "--help"]),  # into a plugin's command, by its prefix
        ("shipx ops ", ["page"]),
    ],
)
def test_completion_through_shipxs_own_group(run: Run, words: str, offered: list[str]) -> None:
    assert run("shipx", "plugins", "list").returncode == 0  # completion never waits for learning
    env = {
        "_SHIPX_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = run("shipx", env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert [line.split(",", 1)[1] for line in result.stdout.splitlines()] == offered


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["st"], "status notebook=inbox\n"),  # an alias of the app's command
        (["-n", "work", "stat"], "status notebook=work\n"),  # a prefix of it
        (["hi", "bob"], "hello bob\n"),  # an alias of a plugin command
        (["too", "lint", "src"], "lint src\n"),  # a prefix of a plugin group
        (["plug", "disable", "tools"], ""),  # a prefix of a management command
    ],
)
def test_notes_own_group_class_resolves_plugin_commands(
    run: Run, args: list[str], expected: str
) -> None:
    result = run("notes", "--disable-plugin", "broken", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [("zzz", 3, "No such command 'zzz'"), ("d", 2, "'d' could be any of: doctor, drafts.")],
)
def test_notes_own_group_class_leaves_errors_to_the_host(
    run: Run, name: str, code: int, message: str
) -> None:
    result = run("notes", "--disable-plugin", "broken", name)
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize("use_rich", ["1", "0"], ids=["rich", "no-rich"])
def test_notes_own_group_class_orders_the_help(run: Run, use_rich: str) -> None:
    assert run("notes", "plugins", "list").returncode == 0  # --help never waits for learning
    result = run("notes", "--help", env={"TYPER_USE_RICH": use_rich})
    assert (result.returncode, result.stderr) == (0, "")
    commands, _, plugins = result.stdout.partition("Commands")[2].partition("Plugin commands")
    row = re.compile(r"^(?:│ | {2})(\w[\w-]*)\s", re.M)  # a row, not a wrapped help line
    rows = row.findall(commands)
    assert rows == ["status", "plugins", "drafts", "doctor", "completion"], rows
    listed = row.findall(plugins)
    assert listed[:4] == ["widgets", "tools", "ops", "hello"], listed


@pytest.mark.parametrize("use_rich", ["1", "0"], ids=["rich", "no-rich"])
def test_the_typer_hosts_help_is_typers_with_the_plugins_listed(run: Run, use_rich: str) -> None:
    # Learnt plugins show their own help; --help itself never imports them.
    assert run("notes", "plugins", "list").returncode == 0
    result = run("notes", "--help", env={"TYPER_USE_RICH": use_rich})
    assert (result.returncode, result.stderr) == (0, "")
    out = result.stdout
    if use_rich == "1":
        headings = ("╭─ Options ─", "╭─ Commands ─", "╭─ Plugin commands ─")
    else:
        headings = ("\nOptions:\n", "\nCommands:\n", "\nPlugin commands:\n")
        assert "╭" not in out
    positions = [out.find(heading) for heading in headings]
    assert -1 not in positions
    assert positions == sorted(positions)
    plugins = out[positions[2] :]
    for text in ("--notebook", "NOTES_NOTEBOOK", "--no-plugins", "Show the status.", "doctor"):
        assert text in out[: positions[2]], text
    for text in ("hello", "Greet WHO.", "tools", "Tools.", "widgets", "Notes.", "ops"):
        assert text in plugins, text
    assert "Docs: https://notes.example" in plugins
    assert "--install-completion" not in out
