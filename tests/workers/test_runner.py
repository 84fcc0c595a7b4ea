"""The runner against hostile job functions: every way a job can end gives one outcome."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pegboard.workers import Job, Outcome, Status, run_jobs
from pegboard.workers.verdict import OUTPUT_LIMIT


def run(module: str, function: str, timeout: float = 20.0, **payload: object) -> Outcome:
    (outcome,) = run_jobs([Job(function, f"{module}:{function}", payload)], timeout=timeout)
    return outcome


@pytest.mark.parametrize(
    ("function", "payload", "status", "error"),
    [
        ("double", {"x": 21}, Status.OK, None),
        ("raise_value_error", {}, Status.RAISED, "it raised ValueError: boom"),
        ("raise_keyboard_interrupt", {}, Status.RAISED, "it raised KeyboardInterrupt"),
        ("raise_cancelled", {}, Status.RAISED, "it raised CancelledError"),
        ("call_sys_exit", {}, Status.EXITED, "it called sys.exit(3)"),
        ("call_os_exit", {}, Status.EXITED, "exit status 7"),
        ("kill_self", {"signal": "SIGSEGV"}, Status.CRASHED, "killed by SIGSEGV"),
        ("kill_self", {"signal": "SIGKILL"}, Status.CRASHED, "killed by SIGKILL"),
        ("hang", {}, Status.TIMEOUT, "it did not finish within 1.5 s"),
        ("swallow_interrupts", {}, Status.TIMEOUT, "it did not finish within 1.5 s"),
        ("swallow_cancellation", {}, Status.TIMEOUT, "it did not finish within 1.5 s"),
    ],
)
def test_each_ending_gives_one_outcome_and_spares_the_others(
    jobs_module: str, function: str, payload: dict[str, object], status: Status, error: str | None
) -> None:
    jobs = [
        Job("before", f"{jobs_module}:double", {"x": 1}),
        Job("hostile", f"{jobs_module}:{function}", payload),
        Job("after", f"{jobs_module}:double", {"x": 2}),
    ]
    before, hostile, after = run_jobs(jobs, timeout=1.5, workers=3)
    assert (hostile.key, hostile.status) == ("hostile", status)
    if error is None:
        assert (hostile.value, hostile.error) == (42, None)
    else:
        assert hostile.value is None
        assert hostile.error is not None
        assert error in hostile.error
    assert (before.key, before.status, before.value) == ("before", Status.OK, 2)
    assert (after.key, after.status, after.value) == ("after", Status.OK, 4)


def test_raised_exception_leaves_its_traceback_in_the_output(jobs_module: str) -> None:
    outcome = run(jobs_module, "raise_value_error")
    assert "Traceback" in outcome.output
    assert "ValueError: boom" in outcome.output


def test_output_is_captured_at_file_descriptor_level(jobs_module: str) -> None:
    outcome = run(jobs_module, "write_everywhere")
    assert (outcome.status, outcome.value) == (Status.OK, "the value")
    for line in ("from print", "from stderr", "from fd 1", "from fd 2", "from a subprocess"):
        assert line in outcome.output


def test_helper_holding_stdout_does_not_make_a_healthy_job_hang(jobs_module: str) -> None:
    # The helper sleeps far longer than the timeout: waiting for stdout to close would time out.
    outcome = run(jobs_module, "start_helper", timeout=30)
    assert outcome.status == Status.OK
    assert "helper started" in outcome.output


def test_output_is_capped(jobs_module: str) -> None:
    outcome = run(jobs_module, "write_a_lot", bytes=OUTPUT_LIMIT * 3)
    assert outcome.value == "done"
    assert outcome.output.count("x") == OUTPUT_LIMIT
    assert f"{OUTPUT_LIMIT * 2} more bytes of output not shown" in outcome.output


def test_stdin_is_empty(jobs_module: str) -> None:
    assert run(jobs_module, "read_stdin").value == ""


def test_child_sees_runtime_path_but_not_the_working_folder(
    jobs_module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "work"
    here.mkdir()
    for hostile in ("json", "click", "hostile_jobs", "pegboard"):
        (here / f"{hostile}.py").write_text("raise SystemExit('imported from cwd')\n")
    monkeypatch.chdir(here)
    monkeypatch.syspath_prepend("")
    outcome = run(jobs_module, "where_am_i")
    assert outcome.status == Status.OK, outcome.error
    seen = outcome.value
    assert seen["cwd"] == str(here)
    assert str(here) not in seen["sys_path"]
    assert "" not in seen["sys_path"]
    assert not seen["json"].startswith(str(here))
    assert not seen["click"].startswith(str(here))


def test_explicit_sys_path_is_used(jobs_module: str, site_path: str) -> None:
    job = Job("k", f"{jobs_module}:where_am_i", {})
    (without,) = run_jobs([job], timeout=20, sys_path=[p for p in sys.path if p != site_path])
    assert without.status == Status.RAISED
    assert "ModuleNotFoundError" in (without.error or "")


@pytest.fixture
def site_path(jobs_module: str) -> str:
    import hostile_jobs  # type: ignore[import-not-found]

    return str(Path(hostile_jobs.__file__).parent)


def test_values_json_cannot_encode_arrive_json_safe(jobs_module: str) -> None:
    outcome = run(jobs_module, "unusual_values")
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


def test_a_value_whose_repr_fails_is_still_reported(jobs_module: str) -> None:
    outcome = run(jobs_module, "bad_repr")
    assert outcome.value == ["<_BadRepr object (repr failed)>"]


def test_outcomes_keep_the_order_of_jobs_and_progress_counts_them(jobs_module: str) -> None:
    jobs = [Job(f"j{n}", f"{jobs_module}:double", {"x": n}) for n in range(7)]
    calls: list[tuple[int, int, str]] = []
    outcomes = run_jobs(
        jobs, timeout=20, workers=3, progress=lambda d, t, k, e: calls.append((d, t, k))
    )
    assert [(o.key, o.value) for o in outcomes] == [(f"j{n}", 2 * n) for n in range(7)]
    assert [(d, t) for d, t, _ in calls] == [(n, 7) for n in range(1, 8)]
    assert sorted(k for _, _, k in calls) == sorted(j.key for j in jobs)


def test_no_jobs_start_nothing() -> None:
    assert run_jobs([], timeout=1) == []


def test_ctrl_c_kills_every_child_and_propagates(jobs_module: str, tmp_path: Path) -> None:
    import hostile_jobs

    files = [tmp_path / f"pid{n}" for n in range(2)]
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {os.path.dirname(hostile_jobs.__file__)!r})
        from pegboard.workers import Job, run_jobs
        jobs = [Job(str(n), "hostile_jobs:write_pid_and_hang", {{"file": f}})
                for n, f in enumerate({[str(f) for f in files]!r})]
        run_jobs(jobs, timeout=600, workers=2)
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
