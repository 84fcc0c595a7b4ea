"""Whole-process startup: ``pegboard --help`` and one plugin command with 0/100/500 plugins.

Each size gets its own folder of generated plugin distributions on ``PYTHONPATH`` and its own
cache folder; one untimed run warms the manifest (the warm start is what is budgeted; the
cold one is printed once for information). Each timing is a median, reported as a ratio to
``python -c "import click"`` measured in the same run with the same interpreter. hyperfine is
used when it is on PATH, else a loop of subprocesses timed with ``time.perf_counter``.

Run: .venv/bin/python benchmarks/bench_startup.py [--sizes 0,100,500] [--runs 30]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"help": 1.3, "command": 1.5}
"""Budget at the largest size, as a ratio to importing click."""

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


def generate(folder: Path, count: int) -> None:
    """Write ``count`` plugin distributions; every tenth also implements a hook."""
    for index in range(count):
        name = f"plugin{index}"
        hooked = index % 10 == 5
        info = folder / f"{name}-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nRequires-Dist: pegboard>=0.1\n"
        )
        target = f"{name}_mod:{'plugin' if hooked else 'cli'}"
        (info / "entry_points.txt").write_text(f"[pegboard.plugins]\n{name} = {target}\n")
        source = (HOOKED if hooked else MODULE).format(index=index)
        (folder / f"{name}_mod.py").write_text(source)


def disable_foreign_plugins(config: Path) -> list[str]:
    """Disable plugins installed in this interpreter (e.g. the examples after ``make demo``).

    They would be loaded too (the example audit plugin observes every command), so the
    numbers would measure them rather than pegboard. Disabled plugins are never imported.
    """
    from importlib.metadata import entry_points

    names = sorted({entry.name for entry in entry_points(group="pegboard.plugins")})
    if names:
        (config / "pegboard").mkdir(parents=True)
        state = {"schema": 1, "disabled": names}
        (config / "pegboard" / "plugins.json").write_text(json.dumps(state))
    return names


def console_script(python: str) -> list[str]:
    """Return the command users type: the ``pegboard`` script next to ``python`` if any.

    ``python -m pegboard`` is the fallback; runpy makes it a little slower than the script.
    """
    script = Path(python).with_name("pegboard")
    return [str(script)] if script.is_file() else [python, "-m", "pegboard"]


def run_ms(command: list[str], env: dict[str, str]) -> float:
    """Return the wall-clock milliseconds of one run of ``command``."""
    return run(command, env)[0]


def run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Return (wall ms, CPU ms) of one run; CPU time is what other load disturbs least."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def paired(
    command: list[str], baseline: list[str], env: dict[str, str], runs: int
) -> tuple[float, float, float, float]:
    """Return (median ms, baseline median ms, wall ratio, CPU-time ratio).

    Runs alternate with the baseline, so a noisy moment slows both sides of a pair alike
    (this machine has two cores and other work on it); each ratio is the median over pairs.
    """
    for _ in range(3):  # warm the file cache and the manifest
        run(command, env)
        run(baseline, env)
    ours, base = [], []
    for _ in range(runs):
        ours.append(run(command, env))
        base.append(run(baseline, env))
    wall = statistics.median(o[0] / b[0] for o, b in zip(ours, base, strict=True))
    cpu = statistics.median(o[1] / b[1] for o, b in zip(ours, base, strict=True))
    return (
        statistics.median(o[0] for o in ours),
        statistics.median(b[0] for b in base),
        wall,
        cpu,
    )


def hyperfine_ms(command: list[str], env: dict[str, str], runs: int) -> float | None:
    """Return hyperfine's median for ``command`` (None without hyperfine), as a cross-check."""
    hyperfine = shutil.which("hyperfine")
    if hyperfine is None:
        return None
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(
            [
                hyperfine,
                "--warmup",
                "3",
                "--runs",
                str(runs),
                "--style",
                "none",
                "--export-json",
                str(report),
                subprocess.list2cmdline(command),
            ],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return float(json.loads(report.read_text())["results"][0]["median"]) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,100,500")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    python = sys.executable
    baseline = [python, "-c", "import click"]
    pegboard = console_script(python)
    print(f"pegboard runs as: {' '.join(pegboard)}")
    print(f"interpreter {python}; {args.runs} runs alternating with `python -c 'import click'`")
    with tempfile.TemporaryDirectory() as scratch:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("PEGBOARD_")}
        base_env.pop("PYTHONDONTWRITEBYTECODE", None)  # cached bytecode, as users have it
        header = f"{'plugins':>7}  {'command':<22} {'ms':>7} {'click ms':>8} {'ratio':>6}"
        print(header + f" {'cpu ratio':>9}  {'hyperfine ms':>12}  target")
        for size in sizes:
            folder = Path(scratch) / f"site{size}"
            folder.mkdir()
            generate(folder, size)
            config = Path(scratch) / f"config{size}"
            foreign = disable_foreign_plugins(config)
            if foreign and size == sizes[0]:
                print(f"(installed plugins disabled for the run: {', '.join(foreign)})")
            env = {
                **base_env,
                "PYTHONPATH": str(folder),
                "XDG_CACHE_HOME": str(Path(scratch) / f"cache{size}"),
                "XDG_CONFIG_HOME": str(config),
            }
            commands = {
                "help": [*pegboard, "--help"],
                "command": [*pegboard, "plugin0" if size else "--version"],
            }
            cold = run_ms(commands["help"], env)
            print(f"{size:>7}  {'--help (cold, once)':<22} {cold:>7.1f}")
            for kind, command in commands.items():
                ms, click_ms, ratio, cpu_ratio = paired(command, baseline, env, args.runs)
                checked = hyperfine_ms(command, env, args.runs)
                label = " ".join(command[len(pegboard) :])
                target = TARGETS[kind] if size == max(sizes) and size else None
                verdict = (
                    ""
                    if target is None
                    else f"<= {target}x " + ("ok" if ratio <= target else "MISSED")
                )
                cross = f"{checked:>12.1f}" if checked is not None else f"{'-':>12}"
                print(
                    f"{size:>7}  {label:<22} {ms:>7.1f} {click_ms:>8.1f} {ratio:>5.2f}x"
                    f" {cpu_ratio:>8.2f}x  {cross}  {verdict}"
                )


if __name__ == "__main__":
    main()
