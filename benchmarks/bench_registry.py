"""Registry scaling: time per operation in pegboard's own layer, 1k to 50k plugins.

pegboard's own work per operation is a few dictionary lookups, so its time per operation must
stay flat as plugins are added. ``register(..., activate=False)`` (state INSTALLED) and
``transition``/``get``/``meta`` measure that layer alone; a full ``register`` also asks pluggy,
whose ``register`` compares the new object with every registered plugin, so it is shown next
to bare pluggy's for the sizes where that stays quick.

Run: .venv/bin/python benchmarks/bench_registry.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pluggy

from pegboard import CoreSpec, PluginState, Registry

SIZES = (1_000, 5_000, 10_000, 50_000)
FULL_REGISTER_SIZES = (1_000, 5_000, 10_000)


class Plugin:
    pass


def per_op(size: int, operation: Callable[[int], object]) -> float:
    start = time.perf_counter()
    for index in range(size):
        operation(index)
    return (time.perf_counter() - start) / size


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


def main() -> None:
    print("pegboard's own layer, microseconds per operation:")
    rows = {size: own_layer(size) for size in SIZES}
    names = list(rows[SIZES[0]])
    print(f"{'plugins':>8}  " + "  ".join(f"{name:>22}" for name in names))
    for size, row in rows.items():
        print(f"{size:>8}  " + "  ".join(f"{row[name] * 1e6:>22.2f}" for name in names))
    first, last = rows[SIZES[0]], rows[SIZES[-1]]
    worst = max(last[name] / first[name] for name in names)
    print(f"worst growth from {SIZES[0]} to {SIZES[-1]} plugins: {worst:.2f}x (flat is ~1x)")
    print("\nfull register (with pluggy), microseconds per operation:")
    for size in FULL_REGISTER_SIZES:
        ours, bare = full_register(size)
        print(f"{size:>8}  pegboard {ours * 1e6:8.2f}   bare pluggy {bare * 1e6:8.2f}")


if __name__ == "__main__":
    main()
