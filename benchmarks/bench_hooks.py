"""Hook dispatch: pegboard's overhead over bare pluggy, telemetry's cost, async fan-out.

Telemetry is measured three ways on the same hook: with the default in-memory sink (an event
per call), with a NullSink (no sink: the registry builds no event), and bare pluggy as the
floor. Registry mutations are timed with both sinks too.

Run: .venv/bin/python benchmarks/bench_hooks.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import pluggy

from pegboard import CoreSpec, MemorySink, NullSink, PluginState, Registry, Telemetry, hookimpl

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


def interleaved(
    calls: dict[str, Callable[[], object]], *, batch: int = 200, rounds: int = 200
) -> dict[str, list[float]]:
    """Return seconds per call of each of ``calls``, one sample per round and call.

    The calls take turns batch by batch, so that load from other processes on the machine
    hits them alike; the minimum over rounds is the least disturbed sample (as ``timeit``
    advises), the median shows the spread.
    """
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            for _ in range(batch):
                call()
            samples[name].append((time.perf_counter() - start) / batch)
    return samples


def report(samples: dict[str, list[float]], baseline: str) -> dict[str, float]:
    """Print each call's minimum and median, as ratios to ``baseline``; return min ratios."""
    base_min, base_median = min(samples[baseline]), statistics.median(samples[baseline])
    ratios = {}
    for name, values in samples.items():
        low, mid = min(values), statistics.median(values)
        ratios[name] = low / base_min
        print(
            f"  {name:28} min {low * 1e6:8.1f} us ({low / base_min:5.2f}x)   "
            f"median {mid * 1e6:8.1f} us ({mid / base_median:5.2f}x)"
        )
    return ratios


def dispatch_overhead() -> float:
    """Return call_hook_sync's time over bare pluggy's, 100 sync implementations, no sink.

    The same call with the default in-memory sink, which records one event per call, is
    measured alongside.
    """
    manager = pluggy.PluginManager("pegboard")
    manager.add_hookspecs(CoreSpec)
    # A bounded sink, so that the benchmark measures the event, not a growing deque.
    silent, recorded = Registry(NullSink()), Registry(MemorySink(limit=100))
    for index in range(IMPLEMENTATIONS):
        manager.register(Healthy(), f"p{index}")
        silent.register(f"p{index}", Healthy())
        recorded.register(f"p{index}", Healthy())
    hook = manager.hook.health
    assert hook() == silent.call_hook_sync("health") == recorded.call_hook_sync("health")
    print(f"sync dispatch, {IMPLEMENTATIONS} implementations (target <= 1.15x bare pluggy):")
    ratios = report(
        interleaved(
            {
                "bare pluggy": hook,
                "call_hook_sync, NullSink": lambda: silent.call_hook_sync("health"),
                "call_hook_sync, MemorySink": lambda: recorded.call_hook_sync("health"),
            }
        ),
        "bare pluggy",
    )
    return ratios["call_hook_sync, NullSink"]


def mutation_cost() -> float:
    """Return a cycle of registry mutations' time with MemorySink over NullSink."""

    def cycle(telemetry: Telemetry) -> Callable[[], object]:
        registry = Registry(telemetry)
        plugin = object()

        def one() -> None:
            registry.register("p", plugin, activate=False)
            registry.transition("p", PluginState.INACTIVE)
            registry.transition("p", PluginState.REMOVED)
            registry.transition("p", PluginState.DISCOVERED)
            registry.update_meta("p", note="x")
            registry.transition("p", PluginState.REMOVED)

        return one

    print("registry mutations (register, 4 transitions, update_meta), one cycle:")
    ratios = report(
        interleaved(
            {"NullSink": cycle(NullSink()), "MemorySink": cycle(MemorySink(limit=100))},
            rounds=100,
        ),
        "NullSink",
    )
    return ratios["MemorySink"]


def async_fan_out() -> float:
    """Return the wall time of 100 async implementations that each sleep 10 ms."""
    registry = Registry(NullSink())
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
    mutation_cost()
    async_fan_out()


if __name__ == "__main__":
    main()
