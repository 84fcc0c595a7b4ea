"""Every hook call has a bound, and nothing a hook raises escapes it but Ctrl-C.

Plugins that hang wait on an event the test sets when it ends, so their abandoned threads
finish instead of piling up. Whether a process can still exit is checked in a child
interpreter: a hang there fails the test through ``subprocess.run``'s guard, not a timing
assert.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pluggy
import pytest
from click.testing import CliRunner

from conftest import SiteDir
from pegboard import HookFailedError, MemorySink, Registry, hookimpl
from pegboard.host.host import Host

BOUND = 0.2


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """An event hung plugins wait on; set when the test ends."""
    event = threading.Event()
    yield event
    event.set()


class Observer:
    def __init__(self) -> None:
        self.seen: list[str] = []

    @hookimpl
    def pre_execute(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.seen.append(name)

    @hookimpl
    def post_execute(self, name: str, result: Any) -> None:
        self.seen.append(name)


def execution_kwargs(hook: str) -> dict[str, Any]:
    if hook == "pre_execute":
        return {"name": "hello", "args": (), "kwargs": {}}
    return {"name": "hello", "result": None}


def test_lifecycle_and_execution_hooks_have_a_default_bound() -> None:
    assert Registry().timeouts == {
        "startup": 10.0,
        "shutdown": 10.0,
        "pre_execute": 10.0,
        "post_execute": 10.0,
    }


@pytest.mark.parametrize("hook", ["pre_execute", "post_execute"])
def test_a_hung_sync_execution_hook_is_reported_and_abandoned(
    hook: str, release: threading.Event
) -> None:
    class Hung:
        @hookimpl
        def pre_execute(self, name: str) -> None:
            release.wait()

        @hookimpl
        def post_execute(self, name: str) -> None:
            release.wait()

    sink = MemorySink()
    registry = Registry(sink, timeouts={hook: BOUND})
    observer = Observer()
    registry.register("hung", Hung())
    registry.register("observer", observer)
    assert registry.call_hook_sync(hook, errors="collect", **execution_kwargs(hook)) == []
    assert observer.seen == ["hello"]
    failed = [payload for name, payload in sink.events if name == "hook_failed"]
    assert [(f["hook"], f["plugin"]) for f in failed] == [(hook, "hung")]
    assert failed[0]["error"].startswith("TimeoutError('no result within 0.2 s")


def test_bounded_sync_calls_keep_call_order_and_firstresult(release: threading.Event) -> None:
    class Spec:
        @pluggy.HookspecMarker("pegboard")(firstresult=True)
        def pick(self) -> int:  # type: ignore[empty-body]
            """Return a choice."""

    class Picker:
        def __init__(self, value: int | None, calls: list[int]):
            self.value = value
            self.calls = calls

        @hookimpl
        def pick(self) -> int | None:
            self.calls.append(self.value or 0)
            if self.value is None:
                release.wait()
            return self.value

    calls: list[int] = []
    registry = Registry(hookspecs=[Spec], timeouts={"pick": BOUND})
    for name, value in [("three", 3), ("two", 2), ("hung", None)]:
        registry.register(name, Picker(value, calls))
    assert registry.call_hook_sync("pick", errors="collect") == 2
    assert calls == [0, 2]


@pytest.mark.parametrize(
    ("body", "fine"),
    [
        # asyncio.run would wait for the executor's thread when the loop ends.
        ("await asyncio.to_thread(threading.Event().wait)", "NoneType fine"),
        # asyncio.wait_for would wait for the cancelled task to finish.
        (
            "while True:\n    with contextlib.suppress(asyncio.CancelledError):\n"
            "        await asyncio.sleep(3600)",
            "NoneType fine",
        ),
        # Blocks the event loop itself, so no plugin on that loop can finish: all are
        # abandoned, after one more timeout than they may take.
        ("threading.Event().wait()", "TimeoutError None"),
    ],
    ids=["to_thread", "swallows_cancellation", "blocks_the_loop"],
)
def test_an_overrunning_async_startup_is_abandoned_and_the_process_exits(
    body: str, fine: str
) -> None:
    script = textwrap.dedent(
        """
        import asyncio, contextlib, threading
        import pegboard

        class Plugin:
            async def startup(self):
        {body}

        class Fine:
            async def startup(self):
                return "fine"

        registry = pegboard.Registry(timeouts={{"startup": 0.2}})
        registry.register("stuck", Plugin())
        registry.register("fine", Fine())
        for outcome in registry.call_hook_detailed_sync("startup", offload_sync=True):
            print(outcome.plugin, type(outcome.error).__name__, outcome.result)
        """
    ).format(body=textwrap.indent(body, " " * 8))
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"fine {fine}", "stuck TimeoutError None"]


def test_a_plugin_blocking_the_event_loop_is_abandoned(release: threading.Event) -> None:
    class Blocking:
        @hookimpl
        async def health(self) -> bool:
            release.wait()
            return True

    class Fine:
        @hookimpl
        def health(self) -> bool:
            return True

    registry = Registry()
    registry.register("fine", Fine())
    registry.register("blocking", Blocking())
    outcomes = registry.call_hook_detailed_sync("health", timeout=BOUND)
    by_plugin = {o.plugin: o for o in outcomes}
    assert by_plugin["fine"].result is True
    assert isinstance(by_plugin["blocking"].error, TimeoutError)


def test_an_async_call_abandons_a_plugin_that_swallows_cancellation() -> None:
    stop = asyncio.Event()

    class Stubborn:
        @hookimpl
        async def health(self) -> bool:
            while not stop.is_set():
                try:
                    await asyncio.sleep(0.01)
                except asyncio.CancelledError:
                    continue
            return True

    registry = Registry()
    registry.register("stubborn", Stubborn())

    async def main() -> list[Any]:
        outcomes = await registry.call_hook_detailed("health", timeout=BOUND)
        stop.set()  # lets the abandoned task end, so asyncio.run can close its loop
        return [type(o.error) for o in outcomes]

    assert asyncio.run(main()) == [TimeoutError]


class CustomBase(BaseException):
    """Neither an Exception nor an exit: still the plugin's failure."""


RAISED: list[Callable[[], BaseException]] = [
    lambda: SystemExit(3),
    asyncio.CancelledError,
    GeneratorExit,
    lambda: CustomBase("odd"),
]


def plugins_raising(make: Callable[[], BaseException], *, is_async: bool) -> Registry:
    class Sync:
        @hookimpl
        def health(self) -> bool:
            raise make()

    class Async:
        @hookimpl
        async def health(self) -> bool:
            raise make()

    class Fine:
        @hookimpl
        def health(self) -> bool:
            return True

    registry = Registry()
    registry.register("fine", Fine())
    registry.register("bad", Async() if is_async else Sync())
    return registry


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
@pytest.mark.parametrize("make", RAISED, ids=["exit", "cancelled", "generator_exit", "custom"])
def test_every_base_exception_but_ctrl_c_is_isolated(
    make: Callable[[], BaseException], is_async: bool
) -> None:
    registry = plugins_raising(make, is_async=is_async)
    kind = type(make())
    assert registry.call_hook_sync("health", errors="collect") == [True]
    assert asyncio.run(registry.call_hook("health", errors="collect")) == [True]
    outcomes = registry.call_hook_detailed_sync("health", timeout=BOUND)
    assert {o.plugin: type(o.error) for o in outcomes} == {"fine": type(None), "bad": kind}
    with pytest.raises(HookFailedError, match="Plugin 'bad' raised") as caught:
        registry.call_hook_sync("health")
    assert isinstance(caught.value.__cause__, kind)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
def test_ctrl_c_in_a_hook_still_stops_the_host(is_async: bool) -> None:
    registry = plugins_raising(KeyboardInterrupt, is_async=is_async)
    with pytest.raises(KeyboardInterrupt):
        registry.call_hook_sync("health", errors="collect")
    with pytest.raises(KeyboardInterrupt):
        registry.call_hook_sync("health", errors="collect", timeout=BOUND)


RUDE = """
import asyncio, os
import pegboard

class Odd(BaseException):
    pass

def _seen(what):
    with open(os.environ["HOOK_LOG"], "a", encoding="utf-8") as stream:
        stream.write(what + "\\n")

class Rude:
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        _seen("pre " + name)
        raise asyncio.CancelledError

    @pegboard.hookimpl
    async def post_execute(self, name, result):
        _seen("post " + name)
        raise Odd("odd")

class Starter:
    async def startup(self, ctx):
        _seen("startup")
        raise asyncio.CancelledError

    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        _seen("never: a plugin whose startup failed is not called")

rude = Rude()
starter = Starter()
"""

HELLO = """
import click

@click.command()
@click.argument("who")
def cli(who):
    '''Greet WHO.'''
    click.echo("hello " + who)
"""


def test_base_exceptions_from_hooks_never_reach_the_host(
    site: SiteDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "seen.txt"
    monkeypatch.setenv("HOOK_LOG", str(log))
    rude = {"rude": "bounds_rude:rude", "starter": "bounds_rude:starter"}
    site.add("bounds-rude", entry_points={"bounds.plugins": rude}, modules={"bounds_rude": RUDE})
    site.add(
        "bounds-hello",
        entry_points={"bounds.plugins": {"hello": "bounds_hello:cli"}},
        modules={"bounds_hello": HELLO},
    )
    host = Host("bounds", version="1.0")

    @host.cli.command()
    def status() -> None:
        """Show the status."""
        click.echo("all good")

    for argv, shown in [(["--help"], "hello"), (["hello", "bob"], "hello bob\n")]:
        result = CliRunner().invoke(host.cli, argv)
        assert (result.exit_code, result.exception) == (0, None), result.output
        assert shown in result.output
    assert log.read_text(encoding="utf-8").splitlines() == ["startup", "pre hello", "post hello"]
    result = CliRunner().invoke(host.cli, ["status"])
    assert (result.exit_code, result.exception) == (0, None), result.output
    assert "all good" in result.output


HANGS_BEFORE = """
import threading
import pegboard

class Hangs:
    @pegboard.hookimpl
    def pre_execute(self, name, args, kwargs):
        threading.Event().wait()

plugin = Hangs()
"""

HOST_SCRIPT = """
import click
from pegboard.host.host import Host

host = Host("stall", version="1.0")

@host.cli.command()
def status():
    '''Show the status.'''
    click.echo("status ran")

host.main()
"""


def test_a_hung_pre_execute_is_abandoned_after_its_default_bound(
    site: SiteDir, tmp_path: Path
) -> None:
    # Costs the default bound of pre_execute (10 s) once: proof that a host, not only a
    # registry, reports the plugin, runs the command and exits.
    site.add(
        "stall-hangs",
        entry_points={"stall.plugins": {"hangs": "stall_hangs:plugin"}},
        modules={"stall_hangs": HANGS_BEFORE},
    )
    events = tmp_path / "events.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", HOST_SCRIPT, "status"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(site.path), *sys.path]),
            "STALL_TELEMETRY_FILE": str(events),
        },
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "status ran\n"
    failed = [
        e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "hook_failed"
    ]
    assert [(e["hook"], e["plugin"]) for e in failed] == [("pre_execute", "hangs")]
    assert failed[0]["error"].startswith("TimeoutError('no result within 10.0 s")
