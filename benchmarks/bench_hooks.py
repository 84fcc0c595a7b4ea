"""Hook dispatch: pegboard's overhead over bare pluggy, and async fan-out.

Run: .venv/bin/python benchmarks/bench_hooks.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import pluggy

from pegboard import CoreSpec, Registry, hookimpl

IMPLEMENTATIONS = 100


class Healthy:
    @hookimpl
    def health(self) -> bool:
        return True


class Sleepy:
    @hookimpl
    async def health(self) -> bool:
        await asyncio.sleep(0.01)
        return True


def best_per_call(call: Callable[[], object], *, calls: int = 2_000, repeats: int = 15) -> float:
    """Return the median over ``repeats`` of the mean seconds per call (``calls`` calls)."""
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def dispatch_overhead() -> float:
    """Return pegboard's call_hook_sync time over bare pluggy's, 100 sync implementations."""
    manager = pluggy.PluginManager("pegboard")
    manager.add_hookspecs(CoreSpec)
    registry = Registry()
    for index in range(IMPLEMENTATIONS):
        manager.register(Healthy(), f"p{index}")
        registry.register(f"p{index}", Healthy())
    hook = manager.hook.health
    assert hook() == registry.call_hook_sync("health")
    # Interleave the two measurements so machine noise hits both alike.
    bare, ours = [], []
    for _ in range(5):
        bare.append(best_per_call(hook))
        ours.append(best_per_call(lambda: registry.call_hook_sync("health")))
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"sync dispatch, {IMPLEMENTATIONS} implementations:")
    print(f"  bare pluggy       {b * 1e6:8.1f} us per call")
    print(f"  call_hook_sync    {o * 1e6:8.1f} us per call")
    print(f"  ratio             {o / b:8.2f}x   (target <= 1.15x)")
    return o / b


def async_fan_out() -> float:
    """Return the wall time of 100 async implementations that each sleep 10 ms."""
    registry = Registry()
    for index in range(IMPLEMENTATIONS):
        registry.register(f"p{index}", Sleepy())
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        asyncio.run(registry.call_hook("health"))
        samples.append(time.perf_counter() - start)
    wall = statistics.median(samples)
    print(
        f"async fan-out, {IMPLEMENTATIONS} x 10 ms: {wall * 1000:.1f} ms "
        f"(sequential would be >= {IMPLEMENTATIONS * 10} ms; target well under 50 ms)"
    )
    return wall


def main() -> None:
    dispatch_overhead()
    async_fan_out()


if __name__ == "__main__":
    main()
