"""The runner against hostile job functions: every way a job can end gives one outcome."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from pegboard.workers import Job, Outcome, Status, run_jobs
from pegboard.workers.verdict import OUTPUT_LIMIT

Runner = Callable[..., list[Outcome]]
RunOne = Callable[..., Outcome]


@pytest.mark.parametrize(
    ("function", "payload", "status", "error"),
    [
        ("double", {"x": 21}, Status.OK, None),
        ("raise_value_error", {}, Status.RAISED, "it raised ValueError: boom"),
        ("raise_keyboard_interrupt", {}, Status.RAISED, "it raised KeyboardInterrupt"),
        ("raise_cancelled", {}, Status.RAISED, "it raised CancelledError"),
        ("call_sys_exit", {}, Status.EXITED, "it called sys.exit(3)"),
        ("call_os_exit", {}, Status.EXITED, "it exited with status 7 before returning"),
        ("kill_self", {"signal": "SIGSEGV"}, Status.CRASHED, "killed by SIGSEGV"),
        ("kill_self", {"signal": "SIGKILL"}, Status.CRASHED, "killed by SIGKILL"),
        ("hang", {}, Status.TIMEOUT, "it did not finish within 3 s"),
        ("swallow_interrupts", {}, Status.TIMEOUT, "it did not finish within 3 s"),
        ("swallow_cancellation", {}, Status.TIMEOUT, "it did not finish within 3 s"),
    ],
)
def test_each_ending_gives_one_outcome_and_spares_the_others(
    runner: Runner,
    jobs_module: str,
    function: str,
    payload: dict[str, object],
    status: Status,
    error: str | None,
) -> None:
    jobs = [
        Job("before", f"{jobs_module}:double", {"x": 1}),
        Job("hostile", f"{jobs_module}:{function}", payload),
        Job("after", f"{jobs_module}:double", {"x": 2}),
    ]
    before, hostile, after = runner(jobs, timeout=3, workers=3)
    assert (hostile.key, hostile.status) == ("hostile", status)
    if error is None:
        assert (hostile.value, hostile.error) == (42, None)
    else:
        assert hostile.value is None
        assert hostile.error is not None
        assert error in hostile.error
    assert (before.key, before.status, before.value) == ("before", Status.OK, 2)
    assert (after.key, after.status, after.value) == ("after", Status.OK, 4)


def test_raised_exception_leaves_its_traceback_in_the_output(run_one: RunOne) -> None:
    outcome = run_one("raise_value_error")
    assert "Traceback" in outcome.output
    assert "ValueError: boom" in outcome.output


def test_output_is_captured_at_file_descriptor_level(run_one: RunOne) -> None:
    outcome = run_one("write_everywhere")
    assert (outcome.status, outcome.value) == (Status.OK, "the value")
    for line in ("from print", "from stderr", "from fd 1", "from fd 2", "from a subprocess"):
        assert line in outcome.output


def test_helper_holding_stdout_does_not_make_a_healthy_job_hang(run_one: RunOne) -> None:
    # The helper sleeps far longer than the timeout: waiting for stdout to close would time out.
    outcome = run_one("start_helper", timeout=30)
    assert outcome.status == Status.OK
    assert "helper started" in outcome.output


def test_output_is_capped(run_one: RunOne) -> None:
    outcome = run_one("write_a_lot", bytes=OUTPUT_LIMIT * 3)
    assert outcome.value == "done"
    assert outcome.output.count("x") == OUTPUT_LIMIT
    assert f"{OUTPUT_LIMIT * 2} more bytes of output not shown" in outcome.output


def test_stdin_is_empty(run_one: RunOne) -> None:
    assert run_one("read_stdin").value == ""


def test_child_sees_runtime_path_but_not_the_working_folder(
    run_one: RunOne, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "work"
    here.mkdir()
    for hostile in ("json", "click", "hostile_jobs", "pegboard"):
        (here / f"{hostile}.py").write_text("raise SystemExit('imported from cwd')\n")
    monkeypatch.chdir(here)
    monkeypatch.syspath_prepend("")
    outcome = run_one("where_am_i")
    assert outcome.status == Status.OK, outcome.error
    seen = outcome.value
    assert seen["cwd"] == str(here)
    assert str(here) not in seen["sys_path"]
    assert "" not in seen["sys_path"]
    assert not seen["json"].startswith(str(here))
    assert not seen["click"].startswith(str(here))


def test_explicit_sys_path_is_used(runner: Runner, jobs_module: str, site_path: str) -> None:
    job = Job("k", f"{jobs_module}:where_am_i", {})
    (without,) = runner([job], timeout=20, sys_path=[p for p in sys.path if p != site_path])
    assert without.status == Status.RAISED
    assert "ModuleNotFoundError" in (without.error or "")


@pytest.fixture
def site_path(jobs_module: str) -> str:
    import hostile_jobs  # type: ignore[import-not-found]

    return str(Path(hostile_jobs.__file__).parent)


def test_values_json_cannot_encode_arrive_json_safe(run_one: RunOne) -> None:
    outcome = run_one("unusual_values")
    assert outcome.status == Status.OK
    assert outcome.value == {
        "('a', 1)": "tuple key",
        "1": "int key",
        "nan": "NaN",
        "inf": "Infinity",
        "set": [1, 2, 3],
        "tuple": [1, 2],
        "object": outcome.value["object"],
    }
    assert outcome.value["object"].startswith("<object object at")
    json.dumps(outcome.value, allow_nan=False)


def test_a_value_whose_repr_fails_is_still_reported(run_one: RunOne) -> None:
    outcome = run_one("bad_repr")
    assert outcome.value == ["<_BadRepr object (repr failed)>"]


def test_a_value_that_cannot_be_converted_is_the_jobs_error(run_one: RunOne) -> None:
    outcome = run_one("unconvertible")
    assert (outcome.status, outcome.error) == (Status.RAISED, "it raised RuntimeError: no items")


def test_a_payload_json_cannot_take_is_the_callers_error(jobs_module: str) -> None:
    job = Job("k", f"{jobs_module}:double", {"x": object()})
    with pytest.raises(TypeError):
        run_jobs([job], timeout=20)


def test_outcomes_keep_the_order_of_jobs_and_progress_counts_them(
    runner: Runner, jobs_module: str
) -> None:
    jobs = [Job(f"j{n}", f"{jobs_module}:double", {"x": n}) for n in range(7)]
    calls: list[tuple[int, int, str]] = []
    outcomes = runner(
        jobs, timeout=20, workers=3, progress=lambda d, t, k, e: calls.append((d, t, k))
    )
    assert [(o.key, o.value) for o in outcomes] == [(f"j{n}", 2 * n) for n in range(7)]
    assert [(d, t) for d, t, _ in calls] == [(n, 7) for n in range(1, 8)]
    assert sorted(k for _, _, k in calls) == sorted(j.key for j in jobs)


def test_no_jobs_start_nothing() -> None:
    assert run_jobs([], timeout=1) == []


@pytest.mark.parametrize("fork", [True, False], ids=["forked", "fresh"])
def test_ctrl_c_kills_every_child_and_propagates(
    jobs_module: str, tmp_path: Path, fork: bool
) -> None:
    import hostile_jobs

    files = [tmp_path / f"pid{n}" for n in range(2)]
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {os.path.dirname(hostile_jobs.__file__)!r})
        from pegboard.workers import Job, run_jobs
        jobs = [Job(str(n), "hostile_jobs:write_pid_and_hang", {{"file": f}})
                for n, f in enumerate({[str(f) for f in files]!r})]
        run_jobs(jobs, timeout=600, workers=2, fork={fork})
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script], stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        while not all(f.exists() for f in files):
            with pytest.raises(subprocess.TimeoutExpired):  # the parent must not end first
                parent.wait(timeout=0.05)
        parent.send_signal(signal.SIGINT)
        _, stderr = parent.communicate(timeout=60)
    finally:
        parent.kill()
        parent.wait()
    assert "KeyboardInterrupt" in stderr
    assert parent.returncode != 0
    for file in files:
        with pytest.raises(ProcessLookupError):
            os.kill(int(file.read_text()), 0)


def test_a_job_that_kills_its_zygote_is_reported_and_others_still_run(jobs_module: str) -> None:
    jobs = [
        Job("attacker", f"{jobs_module}:kill_the_zygote", {"runner": os.getpid()}),
        *(Job(f"j{n}", f"{jobs_module}:double", {"x": n}) for n in range(3)),
    ]
    attacker, *others = run_jobs(jobs, timeout=20, workers=1, fork=True)
    assert attacker.status == Status.CRASHED
    assert "took down the worker process" in (attacker.error or "")
    assert [(o.status, o.value) for o in others] == [(Status.OK, 2 * n) for n in range(3)]


def test_preload_that_fails_falls_back_to_fresh_interpreters(jobs_module: str) -> None:
    job = Job("k", f"{jobs_module}:double", {"x": 4})
    (outcome,) = run_jobs([job], timeout=20, preload=["no_such_module_here"], fork=True)
    assert (outcome.status, outcome.value) == (Status.OK, 8)


def test_preloaded_modules_are_shared_by_forked_children(jobs_module: str) -> None:
    (outcome,) = run_jobs(
        [Job("k", f"{jobs_module}:loaded_modules", {})], timeout=20, preload=["decimal"]
    )
    assert "decimal" in outcome.value
