"""Registry scaling: time per operation in pegboard's own layer, 1k to 50k plugins.

pegboard's own work per operation is a few dictionary lookups, so its time per operation must
stay flat as plugins are added. Timings run with the cyclic garbage collector paused (as
``timeit`` does): its passes walk every live object, so they would charge the size of the
heap to whichever operation happened to trigger them. Memory caches still make every lookup
slower in bigger tables, so each operation is also timed on a baseline holding the same
tables in plain dicts (:class:`DictRegistry`), in the same run, and growth is judged on the
ratio between the two. ``register(..., activate=False)`` (state INSTALLED) and
``transition``/``get``/``meta`` measure that layer alone; a full ``register`` also asks pluggy,
whose ``register`` compares the new object with every registered plugin, so it is shown next
to bare pluggy's for the sizes where that stays quick.

Run: .venv/bin/python benchmarks/bench_registry.py
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

import pluggy

from pegboard import CoreSpec, PluginState, Registry

SIZES = (1_000, 5_000, 10_000, 50_000)
FULL_REGISTER_SIZES = (1_000, 5_000, 10_000)
REPEATS = 5


class Plugin:
    pass


def per_op(size: int, operation: Callable[[int], object]) -> float:
    """Return seconds per call of ``operation(0..size-1)``, the garbage collector paused."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for index in range(size):
            operation(index)
        return (time.perf_counter() - start) / size
    finally:
        gc.enable()


class DictRegistry:
    """The baseline: the same tables as the registry, with no checks, states or telemetry.

    It holds as many objects as the registry does, so memory caches slow it down the same
    way as the tables grow; what is left of pegboard's growth beyond it is pegboard's own.
    """

    def __init__(self) -> None:
        self.plugins: dict[str, object] = {}
        self.aliases: dict[str, str] = {}
        self.alias_of: dict[str, str] = {}
        self.ids: dict[int, str] = {}
        self.states: dict[str, PluginState] = {}
        self.meta: dict[str, dict[str, str]] = {}

    def register(self, name: str, plugin: object, alias: str) -> None:
        self.plugins[name] = plugin
        self.aliases[alias] = name
        self.alias_of[name] = alias
        self.ids[id(plugin)] = name
        self.states[name] = PluginState.INSTALLED
        self.meta[name] = {"version": "unknown"}

    def get(self, name_or_alias: str) -> object:
        try:
            return self.plugins[name_or_alias]
        except KeyError:
            return self.plugins[self.aliases[name_or_alias]]


def baseline(size: int) -> dict[str, float]:
    """Return seconds per operation of :class:`DictRegistry` at ``size`` plugins."""
    table = DictRegistry()
    objects = [Plugin() for _ in range(size)]
    return {
        "register (installed)": per_op(
            size, lambda i: table.register(f"p{i}", objects[i], alias=f"a{i}")
        ),
        "get by alias": per_op(size, lambda i: table.get(f"a{i}")),
        "meta": per_op(size, lambda i: table.meta[f"p{i}"]),
        "transition to inactive": per_op(
            size, lambda i: table.states.__setitem__(f"p{i}", PluginState.INACTIVE)
        ),
    }


def own_layer(size: int) -> dict[str, float]:
    """Return seconds per operation of pegboard-only operations at ``size`` plugins."""
    registry = Registry()
    objects = [Plugin() for _ in range(size)]
    return {
        "register (installed)": per_op(
            size, lambda i: registry.register(f"p{i}", objects[i], alias=f"a{i}", activate=False)
        ),
        "get by alias": per_op(size, lambda i: registry.get(f"a{i}")),
        "meta": per_op(size, lambda i: registry.meta(f"p{i}")),
        "transition to inactive": per_op(
            size, lambda i: registry.transition(f"p{i}", PluginState.INACTIVE)
        ),
    }


def full_register(size: int) -> tuple[float, float]:
    """Return (pegboard register, bare pluggy register) seconds per operation."""
    manager = pluggy.PluginManager("pegboard")
    manager.add_hookspecs(CoreSpec)
    bare_objects = [Plugin() for _ in range(size)]
    bare = per_op(size, lambda i: manager.register(bare_objects[i], f"p{i}"))
    registry = Registry()
    objects = [Plugin() for _ in range(size)]
    ours = per_op(size, lambda i: registry.register(f"p{i}", objects[i]))
    return ours, bare


def medians(size: int) -> tuple[dict[str, float], dict[str, float]]:
    """Return the median per operation of pegboard and of the baseline over ``REPEATS`` runs.

    The two alternate, so a noisy moment on the machine touches both.
    """
    runs = [(own_layer(size), baseline(size)) for _ in range(REPEATS)]
    names = runs[0][0]
    return (
        {name: statistics.median(ours[name] for ours, _ in runs) for name in names},
        {name: statistics.median(base[name] for _, base in runs) for name in names},
    )


def main() -> None:
    print("pegboard's own layer, microseconds per operation (baseline: plain dicts):")
    ours, base = {}, {}
    for size in SIZES:
        ours[size], base[size] = medians(size)
    names = list(ours[SIZES[0]])
    print(f"{'plugins':>8}  " + "  ".join(f"{name:>28}" for name in names))
    for size in SIZES:
        cells = [
            f"{ours[size][n] * 1e6:6.2f} / {base[size][n] * 1e6:4.2f} "
            f"= {ours[size][n] / base[size][n]:4.1f}x"
            for n in names
        ]
        print(f"{size:>8}  " + "  ".join(f"{cell:>28}" for cell in cells))
    first, last = SIZES[0], SIZES[-1]
    growth = {n: (ours[last][n] / base[last][n]) / (ours[first][n] / base[first][n]) for n in names}
    raw = max(ours[last][n] / ours[first][n] for n in names)
    print(
        f"from {first} to {last} plugins the ratio to the baseline changes by "
        f"{min(growth.values()):.2f}x to {max(growth.values()):.2f}x (flat is ~1x); raw time "
        f"per operation grows up to {raw:.2f}x."
    )
    print("\nfull register (with pluggy), microseconds per operation:")
    for size in FULL_REGISTER_SIZES:
        full, bare = full_register(size)
        print(
            f"{size:>8}  pegboard {full * 1e6:8.2f}   bare pluggy {bare * 1e6:8.2f}"
            f"   ratio {full / bare:.2f}x"
        )


if __name__ == "__main__":
    main()
