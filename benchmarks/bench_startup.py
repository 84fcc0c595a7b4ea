"""Whole-process startup against its floors, with 0/100/500/2000 installed plugins.

Each size gets a folder of generated plugin distributions on ``PYTHONPATH`` (each a Click
command; every tenth also implements a hook) and its own cache folder. Every goal is a ratio
between two commands run alternately (interleaved pairs, so a noisy moment slows both sides
of a pair alike), reported as the median of the pairwise ratios:

- warm ``pegboard --help`` / a bare Click app whose group lists the same commands (pegboard's
  three and the plugins') with the same one-line help and the same options, and no plugin
  machinery;
- warm ``pegboard plugin0`` / a direct script that imports click and the plugin's module and
  calls its command;
- cold ``pegboard --help`` (the cache folder removed before each run) / warm ``--help``;
- the first ``--help`` after installing one more plugin / warm ``--help`` (the extra plugin
  is removed, and the manifest warmed again, outside the timed runs);
- peak RSS of warm ``--help`` / peak RSS of the bare Click app.

Run: .venv/bin/python benchmarks/bench_startup.py [--sizes 0,100,500,2000] [--pairs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

GOALS = {
    "help": 1.10,
    "command": 1.20,
    "cold": 2.5,
    "install": 1.5,
    "rss": 1.1,
}
"""Each ratio's ceiling; at 2 000 plugins warm ``--help`` must stay at or under 0.94."""

GOAL_AT_2000 = {"help": 0.94}

MODULE = '''import click


@click.command()
@click.option("--count", default=1)
def cli(count):
    """Plugin {index}: print a greeting COUNT times."""
    for _ in range(count):
        click.echo("hello from plugin {index}")
'''

HOOKED = (
    MODULE
    + """

import pegboard


class Plugin:
    command = cli

    @pegboard.hookimpl
    def health(self):
        return True


plugin = Plugin()
"""
)

BARE_CLICK = """import click

BUILTINS = {{
    "completion": "Print a shell completion script.",
    "doctor": "Check the installation and report problems.",
    "plugins": "List, inspect, install and manage plugins.",
}}
HELP = {helps!r}


@click.group(help="pegboard: plugins for Python command-line applications.")
@click.option("--format", type=click.Choice(["text", "json", "yaml"]),
              help="Output format of commands that print data.")
@click.option("-q", "--quiet", is_flag=True, help="Print only what was asked for.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logging.")
@click.option("--no-plugins", is_flag=True,
              help="Start without any plugin code (also PEGBOARD_NO_PLUGINS=1).")
@click.option("--strict-plugins", is_flag=True,
              help="Fail when any plugin fails to load (also PEGBOARD_STRICT_PLUGINS=1).")
@click.version_option("0.1.0")
@click.help_option("-h", "--help")
def cli(**options):
    pass


for name, text in {{**BUILTINS, **HELP}}.items():
    cli.add_command(click.Command(name, help=text))
cli()
"""
"""The floor for ``--help``: a Click app that already knows the same commands and options
(pegboard's own three and the plugins'), with no plugin machinery."""

DIRECT = """import click
from plugin0_mod import cli
cli()
"""
"""The floor for a plugin command: import click and the plugin, call the command."""


def help_of(index: int) -> str:
    return f"Plugin {index}: print a greeting COUNT times."


def write_plugin(folder: Path, index: int) -> None:
    """Write plugin distribution ``plugin<index>`` (every tenth also implements a hook)."""
    name = f"plugin{index}"
    hooked = index % 10 == 5
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: {help_of(index)}\n"
        "Requires-Dist: pegboard>=0.1\n\nA long description nobody reads at startup.\n"
    )
    target = f"{name}_mod:{'plugin' if hooked else 'cli'}"
    (info / "entry_points.txt").write_text(f"[pegboard.plugins]\n{name} = {target}\n")
    (folder / f"{name}_mod.py").write_text((HOOKED if hooked else MODULE).format(index=index))


def generate(folder: Path, count: int) -> None:
    """Write ``count`` plugin distributions ``plugin0`` … into ``folder``."""
    for index in range(count):
        write_plugin(folder, index)


def disable_foreign_plugins(config: Path) -> list[str]:
    """Disable plugins installed in this interpreter (e.g. the examples after ``make demo``).

    They would take part otherwise (the example audit plugin observes every command), so
    the numbers would measure them rather than pegboard. Disabled plugins are never imported.
    """
    from importlib.metadata import entry_points

    names = sorted({entry.name for entry in entry_points(group="pegboard.plugins")})
    if names:
        (config / "pegboard").mkdir(parents=True, exist_ok=True)
        state = {"schema": 1, "disabled": names}
        (config / "pegboard" / "plugins.json").write_text(json.dumps(state))
    return names


def console_script(python: str) -> list[str]:
    """Return the command users type: the ``pegboard`` script next to ``python`` if any."""
    script = Path(python).with_name("pegboard")
    return [str(script)] if script.is_file() else [python, "-m", "pegboard"]


class Sample:
    """Wall-clock ms, CPU ms and peak RSS (KiB) of one run."""

    __slots__ = ("cpu", "rss", "wall")

    def __init__(self, wall: float, cpu: float, rss: int) -> None:
        self.wall, self.cpu, self.rss = wall, cpu, rss


def run(command: list[str], env: dict[str, str]) -> Sample:
    """Run ``command`` once and measure it (``wait4`` gives this child's own CPU time)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
    return Sample(wall, (usage.ru_utime + usage.ru_stime) * 1000, 0)


def peak_rss(command: list[str], env: dict[str, str]) -> Sample:
    """Return the peak RSS (KiB) of one run, measured by ``/usr/bin/time``.

    Not by ``wait4`` from here: a child forked from this (large) process inherits its peak
    through ``exec``, so every command would seem to use as much memory as the benchmark.
    """
    with tempfile.NamedTemporaryFile("r") as out:
        run(["/usr/bin/time", "-f", "%M", "-o", out.name, *command], env)
        return Sample(0.0, 0.0, int(out.read().split()[-1]))


class Pairs:
    """Medians of interleaved runs of two commands."""

    def __init__(self, ours: list[Sample], base: list[Sample]) -> None:
        self.ours, self.base = ours, base

    def median(self, field: str, side: list[Sample]) -> float:
        return float(statistics.median(getattr(sample, field) for sample in side))

    def ratio(self, field: str = "wall") -> float:
        """The median of the pairwise ratios."""
        return float(
            statistics.median(
                getattr(o, field) / getattr(b, field)
                for o, b in zip(self.ours, self.base, strict=True)
            )
        )


def paired(
    ours: Callable[[], Sample],
    base: Callable[[], Sample],
    pairs: int,
) -> Pairs:
    """Alternate ``ours`` and ``base`` ``pairs`` times, after two untimed rounds of each."""
    for _ in range(2):
        ours()
        base()
    mine, theirs = [], []
    for _ in range(pairs):
        mine.append(ours())
        theirs.append(base())
    return Pairs(mine, theirs)


def report(size: int, label: str, pairs: Pairs, goal_key: str, field: str = "wall") -> bool:
    """Print one row; return whether its goal is met."""
    goal = GOAL_AT_2000.get(goal_key, GOALS[goal_key]) if size >= 2000 else GOALS[goal_key]
    ratio = pairs.ratio(field)
    ok = ratio <= goal
    unit = "KiB" if field == "rss" else "ms"
    print(
        f"{size:>6}  {label:<34} {pairs.median(field, pairs.ours):>9.1f} "
        f"{pairs.median(field, pairs.base):>9.1f} {unit:<3} {ratio:>6.2f}x "
        + (f"{pairs.ratio('cpu'):>7.2f}x  " if field == "wall" else f"{'':>8}  ")
        + f"<= {goal:<4} {'ok' if ok else 'MISSED'}",
        flush=True,
    )
    return ok


def bench_size(size: int, scratch: Path, pegboard: list[str], pairs: int) -> bool:
    """Measure every goal at ``size`` installed plugins; return whether all are met."""
    python = sys.executable
    folder = scratch / f"site{size}"
    folder.mkdir()
    generate(folder, max(size, 1))  # at "0" the command row runs the only plugin
    bare = scratch / f"bare{size}.py"
    bare.write_text(BARE_CLICK.format(helps={f"plugin{i}": help_of(i) for i in range(size)}))
    direct = scratch / "direct.py"
    direct.write_text(DIRECT)
    config = scratch / f"config{size}"
    disable_foreign_plugins(config)
    cache = scratch / f"cache{size}"
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("PEGBOARD_")}
    base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode, as users have it
    env = {
        **base_env,
        "PYTHONPATH": str(folder),
        "XDG_CACHE_HOME": str(cache),
        "XDG_CONFIG_HOME": str(config),
    }
    help_env = env
    if size == 0:  # --help at 0 plugins: hide the one plugin written for the command row
        empty = scratch / "empty"
        empty.mkdir()
        help_env = {**env, "PYTHONPATH": str(empty)}
    ok = True
    warm_help = partial(run, [*pegboard, "--help"], help_env)
    warm_help()  # learn and cache
    ok &= report(
        size,
        "warm --help / bare Click app",
        paired(warm_help, partial(run, [python, str(bare), "--help"], help_env), pairs),
        "help",
    )
    if os.path.exists("/usr/bin/time"):
        ok &= report(
            size,
            "  peak RSS of the same commands",
            paired(
                partial(peak_rss, [*pegboard, "--help"], help_env),
                partial(peak_rss, [python, str(bare), "--help"], help_env),
                5,
            ),
            "rss",
            field="rss",
        )
    command = partial(run, [*pegboard, "plugin0"], env)
    command()
    ok &= report(
        size,
        "warm plugin0 / direct script",
        paired(command, partial(run, [python, str(direct)], env), pairs),
        "command",
    )
    if size == 0:
        return ok

    def cold() -> Sample:
        shutil.rmtree(cache, ignore_errors=True)
        return run([*pegboard, "--help"], env)

    ok &= report(size, "cold --help / warm --help", paired(cold, warm_help, pairs), "cold")
    warm_help()

    def after_install() -> Sample:
        write_plugin(folder, size + 1)
        try:
            return run([*pegboard, "--help"], env)
        finally:
            shutil.rmtree(folder / f"plugin{size + 1}-1.0.dist-info")
            (folder / f"plugin{size + 1}_mod.py").unlink()
            warm_help()  # rescans the folder again, untimed

    ok &= report(
        size,
        "--help after 1 install / warm --help",
        paired(after_install, warm_help, pairs),
        "install",
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,100,500,2000")
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    if args.pairs < 15:
        parser.error("goals are judged on medians of at least 15 pairs")
    pegboard = console_script(sys.executable)
    print(f"pegboard runs as: {' '.join(pegboard)}; {args.pairs} interleaved pairs per row")
    print(
        f"{'plugins':>6}  {'measure':<34} {'ours':>9} {'baseline':>9}     "
        f"{'ratio':>7} {'cpu':>8}  goal"
    )
    ok = True
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(size) for size in args.sizes.split(",")):
            ok &= bench_size(size, Path(scratch), pegboard, args.pairs)
    print("all goals met" if ok else "some goals MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
