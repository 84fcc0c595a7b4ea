"""Installing and removing plugin distributions in a throw-away environment, offline.

Plugins are real distributions: wheels written here (installing one takes pip under a second)
and, where being installed from a folder matters, setuptools projects pip builds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import textwrap
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from conftest import SiteDir, Venv
from pegboard._errors import InstallError, PluginNotFoundError
from pegboard.host.config import HostIdentity
from pegboard.manage.install import Installed, Installer, _source
from pegboard.manage.tools import InstallOptions

HOST = "acme"
ACME = HostIdentity(HOST, "1.0", "1.0", "acme-app")
"""The host whose plugins these tests install; ``acme-app`` stands for its distribution."""
OFFLINE = ("--no-index", "--no-build-isolation")


def make_wheel(
    folder: Path,
    dist: str,
    version: str = "1.0",
    *,
    group: str | None = "acme.plugins",
    requires: Sequence[str] = (),
    source: str = "plugin = object()\n",
) -> Path:
    """Write a wheel of ``dist`` whose plugin is ``dist`` without ``acme-``, in ``group``."""
    package = dist.replace("-", "_")
    info = f"{package}-{version}.dist-info"
    files = {
        f"{package}/__init__.py": source,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        + "".join(f"Requires-Dist: {requirement}\n" for requirement in requires),
        f"{info}/WHEEL": "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": (
            f"[{group}]\n{dist.removeprefix('acme-')} = {package}:plugin\n" if group else ""
        ),
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest())
        record.append(f"{name},sha256={digest.rstrip(b'=').decode()},{len(text.encode())}\n")
    files[f"{info}/RECORD"] = "".join(record) + f"{info}/RECORD,,\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{package}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def make_project(folder: Path, dist: str, version: str) -> Path:
    """Write a setuptools project of ``dist`` whose plugin is ``dist`` without ``acme-``."""
    package = dist.replace("-", "_")
    (folder / package).mkdir(parents=True)
    (folder / package / "__init__.py").write_text("plugin = object()\n")
    (folder / "pyproject.toml").write_text(
        textwrap.dedent(f"""\
            [build-system]
            requires = ["setuptools>=61"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "{dist}"
            version = "{version}"

            [project.entry-points."acme.plugins"]
            {dist.removeprefix("acme-")} = "{package}:plugin"

            [tool.setuptools]
            packages = ["{package}"]
            """)
    )
    return folder


def query(venv: Venv, expression: str) -> dict[str, str]:
    """Evaluate a dict ``expression`` over ``importlib.metadata`` (as ``m``) in ``venv``."""
    script = f"import importlib.metadata as m, json; print(json.dumps({expression}))"
    return dict(json.loads(venv.run("-c", script).stdout))


def distributions(venv: Venv) -> dict[str, str]:
    """Return name -> version of the distributions ``venv`` sees."""
    return query(venv, "{d.metadata['Name']: d.version for d in m.distributions()}")


def acme_plugins(venv: Venv) -> dict[str, str]:
    """Return plugin name -> distribution of the acme plugins ``venv`` sees."""
    return query(venv, "{e.name: e.dist.name for e in m.entry_points(group='acme.plugins')}")


def installer(
    venv: Venv,
    *,
    quiet: bool = True,
    progress: Callable[[str], None] | None = None,
    extra_pip_args: Sequence[str] = OFFLINE,
    identity: HostIdentity = ACME,
) -> Installer:
    """Return an offline pip installer for ``venv`` of host ``identity``."""
    return Installer(
        identity,
        python=venv.python,
        quiet=quiet,
        runner="pip",
        extra_pip_args=extra_pip_args,
        progress=progress,
    )


DIRECT_URL: str = (
    # Prints the PEP 610 record of where acme-good was installed from.
    "import importlib.metadata as m; "
    "print(m.distribution('acme-good').read_text('direct_url.json'))"
)


def failing(name: str) -> str:
    return f"{name} is broken on purpose"


@pytest.mark.parametrize("output", ["callback", "stderr", "quiet"])
def test_install_adds_a_plugin_and_relays_pip_output(
    venv: Venv, tmp_path: Path, capsys: pytest.CaptureFixture[str], output: str
) -> None:
    lines: list[str] = []
    checked: list[str] = []
    subject = installer(
        venv, quiet=output == "quiet", progress=lines.append if output == "callback" else None
    )
    result = subject.install([str(make_wheel(tmp_path, "acme-good"))], verify=checked.append)
    assert result == [Installed("acme-good", "1.0", None, ("good",))]
    assert checked == ["good"]
    assert acme_plugins(venv)["good"] == "acme-good"
    relayed = {"callback": "\n".join(lines), "stderr": capsys.readouterr().err}
    for where, text in relayed.items():
        assert ("Successfully installed acme-good-1.0" in text) is (where == output)


@pytest.mark.parametrize(
    ("wheels", "refused"),
    [
        pytest.param([("acme-lib", None, ())], "acme-lib", id="no-entry-point"),
        pytest.param([("acme-other", "pegboard.plugins", ())], "acme-other", id="other-host"),
        pytest.param(
            [("acme-good", "acme.plugins", ()), ("acme-lib", None, ())], "acme-lib", id="stray"
        ),
        pytest.param(
            [("acme-good", "acme.plugins", ("acme-lib>=1",)), ("acme-lib", None, ())],
            None,
            id="needed-by-a-plugin",
        ),
    ],
)
def test_install_refuses_what_is_neither_a_plugin_nor_needed_by_one(
    venv: Venv,
    tmp_path: Path,
    wheels: list[tuple[str, str | None, tuple[str, ...]]],
    refused: str | None,
) -> None:
    specs = [
        str(make_wheel(tmp_path, dist, group=group, requires=requires))
        for dist, group, requires in wheels
    ]
    names = {dist for dist, _, _ in wheels}
    if refused is None:
        result = installer(venv).install(specs)
        assert {change.distribution for change in result} == names
        assert names <= distributions(venv).keys()
    else:
        with pytest.raises(InstallError, match=f"{refused} provides no plugin for acme") as error:
            installer(venv).install(specs)
        assert "Rolled back: removed" in error.value.message
        assert error.value.plugin == refused
        assert not names & distributions(venv).keys()


@pytest.mark.parametrize(
    ("groups", "declared", "refused"),
    [
        pytest.param(("acme.commands",), "acme.commands", False, id="custom"),
        pytest.param(("acme.commands", "acme.extras"), "acme.extras", False, id="second-of-two"),
        pytest.param(("acme.commands",), "acme.plugins", True, id="default-not-served"),
        pytest.param(("acme.commands", "acme.extras"), "other.commands", True, id="none-of-two"),
    ],
)
def test_a_plugin_is_an_entry_point_in_any_group_the_host_serves(
    venv: Venv, tmp_path: Path, groups: tuple[str, ...], declared: str, refused: bool
) -> None:
    identity = HostIdentity(HOST, "1.0", "1.0", "acme-app", entry_point_groups=groups)
    subject = installer(venv, identity=identity)
    spec = str(make_wheel(tmp_path, "acme-good", group=declared))
    checked: list[str] = []
    if refused:
        quoted = " or ".join(map(repr, groups))
        with pytest.raises(InstallError, match="acme-good provides no plugin for acme") as error:
            subject.install([spec], verify=checked.append)
        assert f"no entry point in the group{'s' * (len(groups) > 1)} {quoted})" in str(error.value)
        assert "Rolled back: removed acme-good." in error.value.message
        assert "acme-good" not in distributions(venv)
        assert checked == []
        return
    assert subject.install([spec], verify=checked.append) == [
        Installed("acme-good", "1.0", None, ("good",))
    ]
    assert checked == ["good"]
    assert subject.resolve_uninstall(["good"]) == {"acme-good": ("good",)}
    subject.uninstall(["acme-good"])
    assert "acme-good" not in distributions(venv)


@pytest.mark.parametrize(
    ("verify", "force", "raised"),
    [
        pytest.param(failing, False, "failed their check: good: good is broken", id="problem"),
        pytest.param(failing, True, None, id="problem-forced"),
        pytest.param(lambda name: str(1 / 0), False, "division by zero", id="verify-raises"),
    ],
)
def test_a_failed_verification_rolls_back_unless_forced(
    venv: Venv,
    tmp_path: Path,
    verify: Callable[[str], str | None],
    force: bool,
    raised: str | None,
) -> None:
    spec = str(make_wheel(tmp_path, "acme-good"))
    if raised is None:
        (change,) = installer(venv).install([spec], verify=verify, force=force)
        assert change.problems == {"good": "good is broken on purpose"}
        assert "good" in acme_plugins(venv)
    else:
        with pytest.raises(Exception, match=raised) as error:
            installer(venv).install([spec], verify=verify, force=force)
        if isinstance(error.value, InstallError):
            assert error.value.plugin == "good"
            assert "--force" in str(error.value.hint)
        assert "good" not in acme_plugins(venv)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("/nonexistent/acme-plugin", "File '/nonexistent/acme-plugin' does not exist"),
        ("acme-not-on-any-index", "No matching distribution found for acme-not-on-any-index"),
    ],
)
def test_a_pip_failure_carries_its_exit_status_and_message(
    venv: Venv, spec: str, message: str
) -> None:
    with pytest.raises(InstallError, match="pip install failed with exit status 1") as error:
        installer(venv).install([spec])
    assert message in error.value.message
    assert "pip index versions" in str(error.value.hint)


@pytest.mark.parametrize(
    ("source", "first", "second"),
    [
        pytest.param("folder", "1.0", "2.0", id="folder-upgrade"),
        pytest.param("wheel", "2.0", "1.0", id="wheel-downgrade"),
        pytest.param("index", "1.0", "2.0", id="index-upgrade"),
    ],
)
def test_rollback_reinstalls_the_previous_version(
    venv: Venv, tmp_path: Path, source: str, first: str, second: str
) -> None:
    index = tmp_path / "index"

    def spec(version: str) -> str:
        if source == "folder":
            return str(make_project(tmp_path / version, "acme-up", version))
        if source == "wheel":
            return str(make_wheel(tmp_path / version, "acme-up", version))
        make_wheel(index, "acme-up", version)
        return "acme-up" if version == second else f"acme-up=={version}"

    subject = installer(venv, extra_pip_args=[*OFFLINE, "--find-links", str(index)])
    subject.install([spec(first)])
    with pytest.raises(InstallError, match=f"Rolled back: restored acme-up {first}") as error:
        subject.install([spec(second)], verify=failing, options=InstallOptions(upgrade=True))
    assert error.value.plugin == "up"
    assert distributions(venv)["acme-up"] == first
    assert acme_plugins(venv)["up"] == "acme-up"


def test_a_rollback_that_cannot_restore_says_what_to_do(venv: Venv, tmp_path: Path) -> None:
    subject = installer(venv)
    first = make_wheel(tmp_path / "gone", "acme-up", "1.0")
    subject.install([str(first)])
    first.unlink()
    with pytest.raises(InstallError, match="not as it was before the install") as error:
        subject.install([str(make_wheel(tmp_path, "acme-up", "2.0"))], verify=failing)
    assert "pip install failed" in error.value.message
    assert f"pip install 'acme-up @ {first.as_uri()}'" in str(error.value.hint)
    assert distributions(venv)["acme-up"] == "2.0"


def test_a_same_version_reinstall_is_verified_and_undone_where_possible(
    venv: Venv, tmp_path: Path
) -> None:
    # pip reinstalls a project folder whatever version is installed: the plugin-development
    # loop. Such a reinstall changes files without changing the version.
    subject = installer(venv)
    first = make_project(tmp_path / "a", "acme-good", "1.0")
    subject.install([str(first)])
    # The same version from another folder: the previous folder's build is put back.
    other = make_project(tmp_path / "b", "acme-good", "1.0")
    with pytest.raises(InstallError, match=r"Rolled back: restored acme-good 1\.0"):
        subject.install([str(other)], verify=failing)
    assert json.loads(venv.run("-c", DIRECT_URL).stdout)["url"] == first.as_uri()
    # From the same folder: the previous files are gone, and the error says so.
    (first / "acme_good" / "__init__.py").write_text("plugin = 'changed'\n")
    with pytest.raises(InstallError, match="reinstalled from the same source") as error:
        subject.install([str(first)], verify=failing)
    assert "Nothing was rolled back" in error.value.message
    assert "good" in acme_plugins(venv)


def test_uninstall_removes_a_resolved_plugin_distribution(venv: Venv, tmp_path: Path) -> None:
    subject = installer(venv)
    subject.install([str(make_wheel(tmp_path, "acme-good"))])
    chosen = subject.resolve_uninstall(["good", "acme-good"])
    assert chosen == {"acme-good": ("good",)}
    subject.uninstall(list(chosen))
    assert "acme-good" not in distributions(venv)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("hello", {"acme-hello": ("hello",)}),
        ("Acme.Hello", {"acme-hello": ("hello",)}),
        ("pegboard", "Refusing to uninstall 'pegboard': it is part of acme"),
        ("pip", "Refusing to uninstall 'pip'"),
        ("setuptools", "Refusing to uninstall 'setuptools'"),
        ("acme-app", "Refusing to uninstall 'acme-app'"),
        ("builtin", "Refusing to uninstall 'builtin'"),
        ("plainlib", "Refusing to uninstall 'plainlib': it provides no plugin for acme"),
        ("other-host", "Refusing to uninstall 'other-host': it provides no plugin for acme"),
        ("helo", "Plugin 'helo' not found. Did you mean 'hello'"),
        ("zzz", r"Plugin 'zzz' not found\.\n"),
        ("dashed", "its METADATA names it '-rrequirements.txt', which is not a valid"),
        ("pinned", "names it 'pegboard==0.1.0', which is not a valid distribution name"),
    ],
)
def test_resolve_uninstall_accepts_only_plugins_of_this_host(
    venv: Venv, name: str, expected: dict[str, tuple[str, ...]] | str
) -> None:
    site = SiteDir(venv.site_packages)
    site.add("acme-hello", entry_points={"acme.plugins": {"hello": "acme_hello:plugin"}})
    site.add("acme-app", entry_points={"acme.plugins": {"builtin": "acme_app:plugin"}})
    site.add("plainlib")
    site.add("other-host", entry_points={"pegboard.plugins": {"other": "other:plugin"}})
    # METADATA names that pip would read as an option, or as a requirement on pegboard.
    for dist, plugin in [("-rrequirements.txt", "dashed"), ("pegboard==0.1.0", "pinned")]:
        site.add(
            plugin,
            metadata_text=f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n",
            entry_points={"acme.plugins": {plugin: "x:plugin"}},
        )
    subject = installer(venv)
    if isinstance(expected, dict):
        assert subject.resolve_uninstall([name]) == expected
    else:
        raised = PluginNotFoundError if "not found" in expected else InstallError
        with pytest.raises(raised, match=expected) as error:
            subject.resolve_uninstall([name])
        assert error.value.plugin == name
        assert error.value.hint


def test_uninstall_refuses_protected_distributions_and_reports_what_pip_left(
    venv: Venv, tmp_path: Path
) -> None:
    subject = installer(venv)
    for name in ["pip", "Pip", "-rfile", "pegboard==0.1.0"]:
        with pytest.raises(InstallError, match=f"Refusing to uninstall {name!r}"):
            subject.uninstall([name])
    outside = SiteDir(tmp_path / "outside")
    outside.add("acme-outside", entry_points={"acme.plugins": {"outside": "x:plugin"}})
    (venv.site_packages / "outside.pth").write_text(f"{outside.path}\n")
    assert subject.resolve_uninstall(["outside"]) == {"acme-outside": ("outside",)}
    with pytest.raises(
        InstallError, match=f"acme-outside 1.0 is still installed in {outside.path}"
    ):
        subject.uninstall(["acme-outside"])


FAKE_UV = '#!/bin/sh\necho "$@" > "$0.args"\necho "uv: nothing here" >&2\nexit 3\n'
"""Stands in for uv: records its arguments, then fails."""


@pytest.mark.parametrize(
    ("runner", "has_pip", "uv_on_path", "raised"),
    [
        ("auto", True, True, "pip install failed with exit status 1"),
        ("auto", False, True, "uv pip install failed with exit status 3:\nuv: nothing here"),
        ("auto", False, False, "has no pip, and `uv` is not on PATH"),
        ("uv", True, True, "uv pip install failed with exit status 3"),
        ("pip", True, True, "pip install failed with exit status 1"),
        ("uv", True, False, "`uv` is not on PATH"),
    ],
)
def test_the_runner_is_pip_unless_uv_is_asked_for_or_pip_is_missing(
    venv: Venv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runner: str,
    has_pip: bool,
    uv_on_path: bool,
    raised: str,
) -> None:
    import venv as venv_module

    target = venv
    if not has_pip:
        target = Venv(tmp_path / "bare")
        venv_module.create(target.path, with_pip=False, symlinks=True)
    if uv_on_path:
        uv = tmp_path / "bin" / "uv"
        uv.parent.mkdir()
        uv.write_text(FAKE_UV)
        uv.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(InstallError, match=raised):
        Installer(
            ACME,
            python=target.python,
            runner=runner,  # type: ignore[arg-type]
            extra_pip_args=["--no-index"],
            quiet=True,
        ).install(["/nonexistent"], options=InstallOptions(pre=True, no_cache_dir=True))
    if "uv pip" in raised:
        args = (tmp_path / "bin" / "uv.args").read_text().split()
        assert args == [
            "pip",
            "install",
            "--python",
            target.python,
            "--quiet",
            "--prerelease",
            "allow",
            "--no-cache",
            "--no-index",
            "--",
            "/nonexistent",
        ]


def test_install_options_reach_pip(venv: Venv, tmp_path: Path) -> None:
    index = tmp_path / "index"
    make_wheel(index, "acme-up", "1.0")
    make_wheel(index, "acme-up", "2.0rc1")
    subject = installer(venv, extra_pip_args=[*OFFLINE, "--find-links", str(index)])
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("acme-up\n")
    (stable,) = subject.install([], options=InstallOptions(requirement_files=(str(requirements),)))
    assert stable.version == "1.0"
    (pre,) = subject.install(["acme-up"], options=InstallOptions(pre=True, upgrade=True))
    assert (pre.version, pre.previous_version) == ("2.0rc1", "1.0")
    assert subject.install(["acme-up"], options=InstallOptions(pre=True)) == []
    (again,) = subject.install(
        ["acme-up"], options=InstallOptions(pre=True, force_reinstall=True, no_cache_dir=True)
    )
    assert (again.version, again.previous_version) == ("2.0rc1", "2.0rc1")
    project = make_project(tmp_path / "editable", "acme-edit", "1.0")
    (edit,) = subject.install([], options=InstallOptions(editables=(str(project),)))
    assert edit.plugins == ("edit",)
    assert json.loads(venv.run("-c", DIRECT_URL.replace("acme-good", "acme-edit")).stdout)[
        "dir_info"
    ] == {"editable": True}
    # Package indexes in the simple layout, as local folders.
    for index_name, dist in [("one", "acme-one"), ("two", "acme-two")]:
        wheel = make_wheel(tmp_path / index_name / dist, dist)
        (wheel.parent / "index.html").write_text(f'<a href="{wheel.name}">{wheel.name}</a>')
    indexes = InstallOptions(
        index_url=(tmp_path / "one").as_uri(), extra_index_urls=((tmp_path / "two").as_uri(),)
    )
    online = installer(venv, extra_pip_args=["--no-build-isolation"])
    installed = online.install(["acme-one", "acme-two"], options=indexes)
    assert {change.distribution for change in installed} == {"acme-one", "acme-two"}


def test_reinstalling_the_host_itself_is_refused_not_called_nothing(
    venv: Venv, tmp_path: Path
) -> None:
    host = make_wheel(tmp_path, "acme-app", group=None)
    venv.pip("install", str(host))
    with pytest.raises(InstallError, match="acme-app is acme itself or its tooling") as error:
        installer(venv).install([str(host)], options=InstallOptions(force_reinstall=True))
    assert "acme plugins install NAME" in str(error.value.hint)
    assert distributions(venv)["acme-app"] == "1.0"


def test_an_interpreter_that_does_not_run_is_reported(tmp_path: Path) -> None:
    subject = Installer(ACME, python=os.fspath(tmp_path / "no-python"), runner="pip")
    with pytest.raises(InstallError, match="Cannot list the distributions installed for"):
        subject.install(["anything"])


@pytest.mark.parametrize(
    ("direct_url", "expected"),
    [
        (None, ("x==1.0",)),
        ('{"url": "file:///p", "dir_info": {}}', ("x @ file:///p",)),
        ('{"url": "file:///p", "dir_info": {"editable": true}}', ("--editable", "file:///p")),
        ('{"url": "https://h/x-1.0.whl", "archive_info": {}}', ("x @ https://h/x-1.0.whl",)),
        (
            '{"url": "https://h/r", "vcs_info": {"vcs": "git", "commit_id": "abc"},'
            ' "subdirectory": "s"}',
            ("x @ git+https://h/r@abc#subdirectory=s",),
        ),
        ('{"dir_info": {}}', ("x==1.0",)),
        ("{not json", ("x==1.0",)),
    ],
)
def test_a_distribution_is_reinstalled_from_where_it_came(
    direct_url: str | None, expected: tuple[str, ...]
) -> None:
    assert _source("x", "1.0", direct_url) == expected


def test_installing_never_runs_code_from_the_working_folder(
    venv: Venv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshots and pip run without the working folder on ``sys.path``."""
    mark = tmp_path / "working-folder-code-ran"
    here = tmp_path / "work"
    here.mkdir()
    for module in ("json", "hashlib", "re"):
        (here / f"{module}.py").write_text(f"open({str(mark)!r}, 'w').close()\n")
    wheel = make_wheel(tmp_path, "acme-good")
    monkeypatch.chdir(here)
    result = installer(venv).install([str(wheel)], verify=lambda name: None)
    assert [change.distribution for change in result] == ["acme-good"]
    assert not mark.exists()
