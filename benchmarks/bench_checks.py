"""``plugins check`` and ``plugins list --timings`` with many plugins, against checking one.

Generates ``--plugins`` distributions as ``bench_startup.py`` does (every tenth implements
``health``) on ``PYTHONPATH``, with fresh cache and config folders. Each command runs ``--runs``
times (after one warm-up that builds the manifest); the report gives medians and the same-run
ratios to checking one plugin. Then three of the plugins are replaced by hostile ones (one
crashes, one hangs, one exits at import) and ``check`` and ``list --timings`` run once more:
every plugin must get its verdict, the hostile three failing and all the others passing.

Run: .venv/bin/python benchmarks/bench_checks.py [--plugins 500] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_startup import console_script, disable_foreign_plugins, generate

TARGET = 15.0
"""Budget for checking (or timing) every plugin, as a ratio to checking one."""

HOSTILE = {
    "zcrash": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n",
    "zhang": "import time\ntime.sleep(3600)\n",
    "zexit": "import os\nos._exit(7)\n",
}
"""Plugins that crash, hang and exit at import; the hang costs one --timeout per run."""

HANG_TIMEOUT = "5"


def make_hostile(folder: Path) -> None:
    """Turn the last plugins into the :data:`HOSTILE` ones (same count of plugins)."""
    for info in sorted(folder.glob("*.dist-info"))[-len(HOSTILE) :]:
        for file in info.iterdir():
            file.unlink()
        info.rmdir()
    for name, source in HOSTILE.items():
        info = folder / f"{name}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[pegboard.plugins]\n{name} = {name}_mod:cli\n")
        (folder / f"{name}_mod.py").write_text(source)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Return (wall seconds, stdout) of one run; exit status 4 (a plugin failed) is expected."""
    start = time.perf_counter()
    finished = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if finished.returncode not in (0, 4):
        raise SystemExit(f"{command} exited {finished.returncode}:\n{finished.stderr}")
    return seconds, finished.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugins", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pegboard = console_script(sys.executable)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "site"
        folder.mkdir()
        generate(folder, args.plugins)
        config = Path(scratch) / "config"
        disable_foreign_plugins(config)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("PEGBOARD_")},
            "PYTHONPATH": str(folder),
            "XDG_CACHE_HOME": str(Path(scratch) / "cache"),
            "XDG_CONFIG_HOME": str(config),
        }
        json_flags = ["--format", "json", "--timeout", HANG_TIMEOUT]
        hostile = set(HOSTILE)
        commands = {
            "check one": [*pegboard, "plugins", "check", "plugin7", *json_flags],
            "check all": [*pegboard, "plugins", "check", *json_flags],
            "list --timings": [*pegboard, "plugins", "list", "--timings", *json_flags],
        }
        timed(commands["check one"], env)  # builds the manifest
        medians = {}
        for label, command in commands.items():
            runs = [timed(command, env) for _ in range(args.runs)]
            medians[label] = statistics.median(seconds for seconds, _ in runs)
            verify(label, runs[-1][1], args.plugins, set())
        one = medians["check one"]
        print(f"{args.plugins} plugins, {os.cpu_count()} CPUs, median of {args.runs} runs")
        for label, seconds in medians.items():
            ratio = seconds / one
            verdict = (
                ""
                if label == "check one"
                else f"  <= {TARGET:g}x " + ("ok" if ratio <= TARGET else "MISSED")
            )
            print(f"{label:<16} {seconds:7.2f} s  {ratio:6.2f}x{verdict}")
        make_hostile(folder)
        for label in ("check all", "list --timings"):
            seconds, stdout = timed(commands[label], env)
            verify(label, stdout, args.plugins, hostile)
            print(f"{label:<16} {seconds:7.2f} s  with {', '.join(sorted(hostile))} among them:")
            print(f"{'':<16} all {args.plugins} reported, the hostile ones as failed")


def verify(label: str, stdout: str, plugins: int, hostile: set[str]) -> None:
    """Fail loudly unless every plugin got its verdict and exactly ``hostile`` failed."""
    rows = json.loads(stdout)
    if label == "check one":
        failed = {r["name"] for r in rows if not r["ok"]}
        plugins = 1
    elif label == "check all":
        failed = {r["name"] for r in rows if not r["ok"]}
    else:
        failed = {r["name"] for r in rows if r["import_seconds"] is None}
    if len(rows) != plugins or failed != hostile:
        raise SystemExit(f"{label}: {len(rows)} rows, failed: {sorted(failed)}")


if __name__ == "__main__":
    main()
