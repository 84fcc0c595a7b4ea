"""Install and uninstall plugin distributions with the host's installer, verified, rolled back.

The installer is the tool that installed the host (:mod:`pegboard.manage.tools`): uv tool,
pipx, or pip (``uv pip`` without pip) in a plain environment.

What is installed, and which distribution provides which plugin, is read from entry-point
metadata by a short script run in the *target* interpreter: plugin code is never imported, and
the target may be another environment than the running one. An install is judged by comparing
snapshots taken before and after pip runs. A distribution counts as changed when its version
or its ``RECORD`` changed, so reinstalling a project folder at the same version (the usual
plugin-development loop) is verified too. Exactly the changes are undone on failure: new
distributions are uninstalled, changed ones are reinstalled from where they came from (PEP 610
``direct_url.json``: a folder, wheel file or VCS commit), else from the index as
``name==version``. Rollback is best effort; a fresh snapshot says what it achieved, and the
error reports that. The tool's own record (uv's receipt, pipx's metadata) is put back too.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import IO, Any, Final, Literal

from packaging.utils import canonicalize_name

from pegboard._errors import InstallError, PluginNotFoundError
from pegboard._log import get_logger
from pegboard.host.config import HostIdentity
from pegboard.manage.tools import NO_OPTIONS, EnvironmentTool, InstallOptions, Tool, detect

logger = get_logger(__name__)

ALWAYS_PROTECTED: Final = frozenset({"pegboard", "pip", "setuptools", "wheel", "uv"})
"""Distributions ``uninstall`` never removes, whatever the host adds."""

_VALID_NAME: Final = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
"""A distribution name as the core metadata specification allows it."""

_TAIL_LINES: Final = 10
"""How many of pip's last stderr lines an error quotes."""

_INSTALL_HINT: Final = (
    "Check each requirement: for a name, `pip index versions NAME` lists what the index "
    "offers; a path must lead to a project folder or a wheel file."
)

_SNAPSHOT: Final = r"""
import hashlib, importlib.metadata, json, os, re, sys
rows = []
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    record = dist.read_text("RECORD") or ""
    # A reinstall rewrites METADATA even where RECORD stays the same (an editable project).
    for file in dist.files or ():
        if file.name == "METADATA" and file.parent.name.endswith(".dist-info"):
            try:
                info = os.stat(dist.locate_file(file))
                record += f"\n{info.st_ino} {info.st_mtime_ns}"
            except OSError:
                pass
    rows.append({
        "name": name,
        "version": dist.version,
        # The host's groups, in its order; a name declared in two of them counts once.
        "plugins": list(dict.fromkeys(
            e.name for group in sys.argv[1:] for e in dist.entry_points.select(group=group)
        )),
        "requires": [re.match(r"[A-Za-z0-9._-]*", r).group() for r in dist.requires or ()],
        "direct_url": dist.read_text("direct_url.json"),
        "location": str(dist.locate_file("")),
        "record": record and hashlib.sha256(record.encode()).hexdigest(),
    })
print(json.dumps(rows))
"""
"""Print the target's distributions, in ``sys.path`` order, as one JSON line."""

Verify = Callable[[str], str | None]
"""Check one plugin by name; return None when it is fine, else what is wrong."""

Progress = Callable[[str], None]
"""Receive one line of pip's (or uv's) output."""


@dataclasses.dataclass(frozen=True)
class Installed:
    """A distribution an install added or changed.

    ``previous_version`` is None for a new distribution and equals ``version`` when the same
    version was reinstalled with different files. ``problems`` maps each of its plugins that
    failed verification (kept because of ``force``) to what is wrong.
    """

    distribution: str
    version: str
    previous_version: str | None
    plugins: tuple[str, ...]
    problems: Mapping[str, str] = dataclasses.field(default_factory=dict, hash=False)
    source: tuple[str, ...] = dataclasses.field(default=(), compare=False)
    """Installer arguments that install these very files again (PEP 610, else name==version)."""

    def again(self, specs: Sequence[str]) -> tuple[str, ...]:
        """Return the arguments that install this distribution again later, elsewhere too.

        The requirement the user gave, when it names this distribution from an index (so a
        later sync may pick a newer release it allows); else where it came from.
        """
        from packaging.requirements import InvalidRequirement, Requirement

        for spec in specs:
            try:
                requirement = Requirement(spec)
            except InvalidRequirement:
                continue
            if requirement.url is None and canonicalize_name(requirement.name) == canonicalize_name(
                self.distribution
            ):
                return (spec,)
        if self.source[:1] == ("--editable",):
            return (f"--editable={self.source[1]}",)  # one argument, as the plugin set keeps it
        return self.source or (f"{self.distribution}=={self.version}",)


@dataclasses.dataclass(frozen=True)
class _Dist:
    """One installed distribution as the target interpreter sees it."""

    name: str
    version: str
    plugins: tuple[str, ...]
    requires: frozenset[str]
    source: tuple[str, ...]
    """pip arguments that install this very distribution again."""
    location: str
    record: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> _Dist:
        """Build from one row of the snapshot script's output."""
        name, version = row["name"], row["version"]
        return cls(
            name=name,
            version=version,
            plugins=tuple(row["plugins"]),
            requires=frozenset(canonicalize_name(r) for r in row["requires"] if r),
            source=_source(name, version, row["direct_url"]),
            location=row["location"],
            record=row["record"],
        )


@dataclasses.dataclass(frozen=True)
class _Change:
    """A distribution before (None when new) and after an install."""

    old: _Dist | None
    new: _Dist

    @property
    def restorable(self) -> bool:
        """Whether reinstalling the old source would bring the old files back.

        A same-version reinstall from the same source cannot: that source now holds the new
        files.
        """
        return self.old is not None and (
            self.old.source != self.new.source or self.old.version != self.new.version
        )


def _source(name: str, version: str, direct_url: str | None) -> tuple[str, ...]:
    """Return the pip arguments that install this distribution again (PEP 610).

    A distribution installed from a folder, a wheel file or a VCS checkout is reinstalled from
    there: asking the index for ``name==version`` would fail offline, or fetch an unrelated
    project that happens to share the name.
    """
    try:
        data = json.loads(direct_url) if direct_url else {}
        url = data["url"]
        suffix = f"#subdirectory={data['subdirectory']}" if "subdirectory" in data else ""
        if "vcs_info" in data:
            url = f"{data['vcs_info']['vcs']}+{url}@{data['vcs_info']['commit_id']}"
        elif data.get("dir_info", {}).get("editable"):
            return ("--editable", url + suffix)
    except (ValueError, TypeError, KeyError, AttributeError):
        return (f"{name}=={version}",)
    return (f"{name} @ {url}{suffix}",)


def _changes(before: Mapping[str, _Dist], after: Mapping[str, _Dist]) -> list[_Change]:
    """Return the distributions that are new in ``after`` or differ from ``before``."""
    return [
        _Change(before.get(key), dist)
        for key, dist in after.items()
        if key not in before
        or (before[key].version, before[key].record) != (dist.version, dist.record)
    ]


def _needed_by_plugins(installed: Mapping[str, _Dist]) -> set[str]:
    """Return the plugin distributions and everything they require, transitively.

    Markers and extras are ignored, which can only keep a distribution, never refuse one a
    plugin needs.
    """
    needed: set[str] = set()
    pending = [key for key, dist in installed.items() if dist.plugins]
    while pending:
        key = pending.pop()
        if key not in needed and key in installed:
            needed.add(key)
            pending.extend(installed[key].requires)
    return needed


def _prefix_of(python: str) -> str:
    """Return the environment folder of the interpreter ``python`` (``<prefix>/bin/python``)."""
    if os.path.abspath(python) == os.path.abspath(sys.executable):
        return sys.prefix
    return os.path.dirname(os.path.dirname(os.path.abspath(python)))


def _read_record(path: str | None) -> bytes | None:
    """Return the content of the installer's record file, None when there is none."""
    if path is None:
        return None
    try:
        with open(path, "rb") as stream:
            return stream.read()
    except OSError:
        return None


def _restore_record(path: str | None, content: bytes | None) -> None:
    """Put the installer's record file back as it was before the install."""
    if path is not None and content is not None:
        with open(path, "wb") as stream:
            stream.write(content)


def _write_stderr(line: str) -> None:
    """Show one line of pip's output on stderr, keeping stdout free for results."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Installer:
    """Installs and removes the plugins of the host ``identity`` in the interpreter ``python``.

    A plugin is a distribution with an entry point in one of the host's entry-point groups
    (``identity.entry_point_groups``). The host's own distribution is protected, and
    ``protected`` adds further ones to :data:`ALWAYS_PROTECTED`.
    ``extra_pip_args`` go to every ``install`` pip (or ``uv pip``) runs, rollbacks included
    (index options, ``--no-build-isolation``). The installer's output goes line by line to
    ``progress`` (default: stderr; it may be called from a helper thread, one line at a time);
    ``quiet`` silences it and passes ``--quiet``. ``runner`` "auto" uses the tool that
    installed the host (see :func:`pegboard.manage.tools.detect`); "pip" and "uv" force
    ``pip`` or ``uv pip`` on the environment. ``prefix`` is the environment's folder
    (default: that of ``python``).
    """

    def __init__(
        self,
        identity: HostIdentity,
        *,
        python: str = sys.executable,
        protected: Iterable[str] = (),
        quiet: bool = False,
        runner: Literal["auto", "pip", "uv"] = "auto",
        extra_pip_args: Sequence[str] = (),
        progress: Progress | None = None,
        prefix: str | None = None,
    ):
        self.host = identity.name
        self.groups = identity.entry_point_groups
        self.python = python
        self.prefix = prefix or _prefix_of(python)
        own = {identity.distribution, *protected}
        self.protected = ALWAYS_PROTECTED | {canonicalize_name(name) for name in own}
        self.quiet = quiet
        self.runner = runner
        self.extra_pip_args = tuple(extra_pip_args)
        self.progress = None if quiet else (progress or _write_stderr)
        self._progress_lock = threading.Lock()
        self._tools: tuple[Tool, EnvironmentTool] | None = None
        self._record: tuple[str | None, bytes | None] = (None, None)
        """The tool's record file before the current install, and its content."""
        if runner == "uv":
            self._environment_tool(has_pip=True)  # says now when uv is missing

    @property
    def tool(self) -> Tool:
        """The tool that installs and uninstalls (detected at the first use)."""
        return self._pick_tools()[0]

    def install(
        self,
        specs: Sequence[str],
        *,
        verify: Verify | None = None,
        force: bool = False,
        options: InstallOptions = NO_OPTIONS,
    ) -> list[Installed]:
        """Install ``specs``, refuse what is not a plugin, verify new plugins, else undo.

        ``options`` go to the installer in use. Returns what the install added or changed
        (empty when everything was already there). Raises InstallError, after undoing the
        install, when the installer fails, when a distribution that neither provides a plugin
        of this host nor is needed by one was added or changed (the host itself included), or
        (without ``force``) when ``verify`` reports a problem. An exception from ``verify``
        also undoes the install, then propagates.
        """
        before = self._snapshot()
        tool = self._pick_tools(before)[0]
        self._record = (tool.record, _read_record(tool.record))
        try:
            for command in tool.install(specs, options):
                self._run(self._with_extra(tool, command), tool.label, "install", _INSTALL_HINT)
        except InstallError as error:
            # pip may have changed distributions before it failed; undo those too.
            changes = _changes(before, self._snapshot())
            _restore_record(*self._record)
            if changes:
                raise self._undone(error, changes) from error
            raise
        after = self._snapshot()
        changes = _changes(before, after)
        if tool.rebuilds_host:
            changes = [c for c in changes if not self._rebuilt_in_place(c)]
        needed = _needed_by_plugins(after)
        strays = [c.new.name for c in changes if canonicalize_name(c.new.name) not in needed]
        if strays:
            raise self._undone(self._stray_error(strays), changes)
        problems = self._verify(changes, verify) if verify is not None else {}
        if problems and not force:
            detail = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
            raise self._undone(
                InstallError(
                    f"The installed plugin(s) failed their check: {detail}.",
                    plugin=next(iter(problems)),
                    hint="Run with --force to keep it anyway, or report the problem to the "
                    "plugin's author.",
                ),
                changes,
            )
        for name, problem in problems.items():
            logger.warning("plugin %r kept despite a failed check: %s", name, problem)
        return [
            Installed(
                distribution=c.new.name,
                version=c.new.version,
                previous_version=c.old.version if c.old else None,
                plugins=c.new.plugins,
                problems={p: problems[p] for p in c.new.plugins if p in problems},
                source=c.new.source,
            )
            for c in changes
        ]

    def _rebuilt_in_place(self, change: _Change) -> bool:
        """Whether ``change`` is the host (or its tooling) rebuilt at the same version."""
        old, new = change.old, change.new
        return (
            canonicalize_name(new.name) in self.protected
            and old is not None
            and (old.version, old.source) == (new.version, new.source)
        )

    def distributions(self) -> frozenset[str]:
        """Return the canonical names of the distributions the interpreter sees."""
        return frozenset(self._snapshot())

    def _stray_error(self, strays: Sequence[str]) -> InstallError:
        """Say why ``strays`` (added or changed, but no plugin needs them) are refused."""
        own = [name for name in strays if canonicalize_name(name) in self.protected]
        if own:
            return InstallError(
                f"{', '.join(own)} is {self.host} itself or its tooling, not a plugin; "
                "installing it through the plugin manager is refused.",
                plugin=own[0],
                hint=f"Upgrade {self.host} with the tool that installed it (pip, pipx or "
                f"uv tool), and install plugins with `{self.host} plugins install NAME`.",
            )
        groups = " or ".join(map(repr, self.groups))
        word = "group" if len(self.groups) == 1 else "groups"
        return InstallError(
            f"{', '.join(strays)} provides no plugin for {self.host} "
            f"(no entry point in the {word} {groups}), and no plugin needs it.",
            plugin=strays[0],
            hint=f"Check the name: a plugin for {self.host} declares an entry point in "
            f"{groups}. Install other packages with pip.",
        )

    def resolve_uninstall(self, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Map plugin or distribution ``names`` to distribution -> the plugins it provides.

        The CLI shows this before asking for confirmation. Raises InstallError for a protected
        distribution, a distribution that provides no plugin of this host or whose METADATA
        name is not a valid distribution name, and PluginNotFoundError for a name that
        matches nothing (with "did you mean" suggestions).
        """
        installed = self._snapshot()
        by_plugin: dict[str, str] = {}
        for key, candidate in installed.items():
            for plugin in candidate.plugins:
                by_plugin.setdefault(plugin, key)  # the first on sys.path wins, as in discovery
        chosen: dict[str, tuple[str, ...]] = {}
        for name in names:
            key = by_plugin.get(name) or canonicalize_name(name)
            dist = installed.get(key)
            if key in self.protected or (dist and canonicalize_name(dist.name) in self.protected):
                raise self._protected_error(name)
            if dist is None:
                from pegboard._names import suggest

                candidates = [*by_plugin, *(d.name for d in installed.values() if d.plugins)]
                raise PluginNotFoundError(
                    name,
                    suggest(name, candidates),
                    hint=f"Run `{self.host} plugins list` to see the installed plugins.",
                )
            if not _VALID_NAME.match(dist.name):
                # Handed to pip, "-r<file>" would be an option, "pegboard==0.1" a requirement.
                raise InstallError(
                    f"Refusing to uninstall the distribution providing {name!r}: its METADATA "
                    f"names it {dist.name!r}, which is not a valid distribution name.",
                    plugin=name,
                    hint=f"Remove it by hand: its .dist-info folder in {dist.location} lists "
                    "its files in RECORD. Then tell the plugin's author.",
                )
            if not dist.plugins:
                raise InstallError(
                    f"Refusing to uninstall {dist.name!r}: it provides no plugin for {self.host}.",
                    plugin=name,
                    hint="Only plugin distributions are removed this way; use pip otherwise.",
                )
            chosen[dist.name] = dist.plugins
        return chosen

    def uninstall(self, distributions: Sequence[str]) -> None:
        """Remove ``distributions``, as resolved by :meth:`resolve_uninstall`.

        Protected distributions and invalid names are refused here too, so no caller can skip
        those rules. What the host's tool recorded (pipx's injected packages, uv's ``--with``
        requirements) is removed through that tool, the rest from the environment. Raises
        InstallError when that fails or a distribution is still visible afterwards (pip
        leaves alone what lies outside the target environment, such as system
        site-packages).
        """
        for name in distributions:
            if not _VALID_NAME.match(name) or canonicalize_name(name) in self.protected:
                raise self._protected_error(name)
        if not distributions:
            return
        tool, environment = self._pick_tools()
        hint = "Check that the environment is writable, then try again."
        through_tool = [name for name in distributions if tool.manages(name)]
        others = [name for name in distributions if name not in through_tool]
        for chosen, runner in ((through_tool, tool), (others, environment)):
            if chosen:
                for command in runner.uninstall(chosen):
                    self._run(command, runner.label, "uninstall", hint)
        installed = self._snapshot()
        for name in distributions:
            left = installed.get(canonicalize_name(name))
            if left is not None:
                raise InstallError(
                    f"{left.name} {left.version} is still installed in {left.location}.",
                    plugin=name,
                    hint="It lies outside this environment; remove it with the pip of the "
                    "environment it belongs to.",
                )

    def _verify(self, changes: Sequence[_Change], verify: Verify) -> dict[str, str]:
        """Return the problems ``verify`` finds in the changed plugins; undo if it raises."""
        problems: dict[str, str] = {}
        try:
            for change in changes:
                for name in change.new.plugins:
                    problem = verify(name)
                    if problem is not None:
                        problems[name] = problem
        except BaseException:
            # Even an interrupted check leaves nothing half-installed.
            outcome, _ = self._roll_back(changes)
            logger.error("verification did not finish; %s", outcome)
            raise
        return problems

    def _undone(self, error: InstallError, changes: Sequence[_Change]) -> InstallError:
        """Undo ``changes`` and return ``error`` extended with what the rollback achieved."""
        outcome, remedies = self._roll_back(changes)
        hint = error.hint
        if remedies:
            by_hand = f"Finish the rollback by hand: {'; '.join(remedies)}."
            hint = by_hand if hint is None else f"{hint}\n{by_hand}"
        return InstallError(f"{error.message}\n{outcome}", plugin=error.plugin, hint=hint)

    def _roll_back(self, changes: Sequence[_Change]) -> tuple[str, list[str]]:
        """Undo ``changes`` as far as possible; return what happened and what is left to do."""
        sources = [arg for c in changes if c.restorable and c.old for arg in c.old.source]
        added = [c.new.name for c in changes if c.old is None]
        notes: list[str] = []
        environment = self._pick_tools()[1]
        try:
            if sources:
                # Exactly the old copies, even where pip would call the version satisfied.
                notes += self._attempt(lambda: self._reinstall_exactly(sources))
            if added:
                notes += self._attempt(
                    lambda: self._run_all(environment.uninstall(added), environment)
                )
            _restore_record(*self._record)
            now = self._snapshot()
        except InstallError as error:
            return f"The rollback failed: {error.message}", ["check the environment with pip list"]
        done: list[str] = []
        remedies: list[str] = []
        for change in changes:
            old, new = change.old, change.new
            current = now.get(canonicalize_name(new.name))
            if old is None:
                if current is None:
                    done.append(f"removed {new.name}")
                else:
                    remedies.append(f"pip uninstall {new.name}")
            elif not change.restorable:
                notes.append(
                    f"{new.name} {new.version} was reinstalled from the same source, so its "
                    "previous files cannot be put back"
                )
            elif current and current.version == old.version and current.record != new.record:
                done.append(f"restored {old.name} {old.version}")
            else:
                remedies.append(f"pip install {shlex.join(old.source)}")
        summary = [f"Rolled back: {', '.join(done)}." if done else "Nothing was rolled back."]
        summary += [f"{note}." for note in notes]
        if remedies:
            summary.append("The environment is not as it was before the install.")
        logger.info("rollback: %s", " ".join(summary))
        return " ".join(summary), remedies

    @staticmethod
    def _attempt(step: Callable[[], None]) -> list[str]:
        """Run one rollback step; return its failure, if any, instead of raising it."""
        try:
            step()
        except InstallError as error:
            return [error.message]
        return []

    def _protected_error(self, name: str) -> InstallError:
        return InstallError(
            f"Refusing to uninstall {name!r}: it is part of {self.host} or its tooling, not a "
            "plugin.",
            plugin=name,
            hint="Use pip directly if you really mean to remove it.",
        )

    def _snapshot(self) -> dict[str, _Dist]:
        """Return the target's distributions by canonical name; the first on sys.path wins."""
        # -P: the working folder is not on sys.path, so a json.py there is never run.
        command = [self.python, "-P", "-c", _SNAPSHOT, *self.groups]
        try:
            finished = subprocess.run(command, capture_output=True, text=True, check=False)
            if finished.returncode != 0:
                raise ValueError(f"exit status {finished.returncode}: {finished.stderr.strip()}")
            # Only the last line: a sitecustomize module may print before the script runs.
            rows = json.loads(finished.stdout.strip().splitlines()[-1])
        except (OSError, ValueError, IndexError) as error:
            raise InstallError(
                f"Cannot list the distributions installed for {self.python}: {error}",
                hint="Check that this Python interpreter exists and runs.",
            ) from error
        found: dict[str, _Dist] = {}
        for row in rows:
            found.setdefault(canonicalize_name(row["name"]), _Dist.from_row(row))
        return found

    def _reinstall_exactly(self, sources: Sequence[str]) -> None:
        """Reinstall ``sources`` (requirements and ``--editable URL`` pairs), without deps."""
        editables = tuple(sources[i + 1] for i, arg in enumerate(sources) if arg == "--editable")
        plain = [spec for spec in sources if spec != "--editable" and spec not in editables]
        environment = self._pick_tools()[1]
        options = InstallOptions(editables=editables, force_reinstall=True)
        commands = environment.install(plain, options)
        for command in commands:
            command.insert(command.index("--") if "--" in command else len(command), "--no-deps")
        self._run_all(commands, environment)

    def _run_all(self, commands: Sequence[list[str]], environment: EnvironmentTool) -> None:
        """Run pip (or ``uv pip``) ``commands`` for a rollback, with ``extra_pip_args``."""
        for command in commands:
            action = command[command.index("pip") + 1]
            extended = self._with_extra(environment, command) if action == "install" else command
            self._run(extended, environment.label, action, None)

    def _pick_tools(
        self, snapshot: Mapping[str, _Dist] | None = None
    ) -> tuple[Tool, EnvironmentTool]:
        """Return the tool that installs, and the one that repairs the environment itself.

        Detected once: whether the interpreter has pip is read from ``snapshot``.
        """
        if self._tools is None:
            has_pip = "pip" in (snapshot if snapshot is not None else self._snapshot())
            environment = self._environment_tool(has_pip=has_pip)
            tool = detect(self.prefix, environment) if self.runner == "auto" else environment
            self._tools = (tool, environment)
        return self._tools

    def _environment_tool(self, *, has_pip: bool) -> EnvironmentTool:
        """Return pip on the interpreter, or ``uv pip`` when asked for or pip is missing."""
        if self.runner == "pip" or (self.runner == "auto" and has_pip):
            return EnvironmentTool(self.python, quiet=self.quiet)
        uv = shutil.which("uv")
        if uv is None:
            raise InstallError(
                f"{self.python} has no pip, and `uv` is not on PATH."
                if self.runner == "auto"
                else "The uv runner was asked for, but `uv` is not on PATH.",
                hint="Install uv, or use the pip runner.",
            )
        return EnvironmentTool(self.python, uv, quiet=self.quiet)

    def _with_extra(self, tool: Tool, command: list[str]) -> list[str]:
        """Add ``extra_pip_args`` to a pip or ``uv pip`` install command, before ``--``."""
        if not isinstance(tool, EnvironmentTool) or not self.extra_pip_args:
            return command
        at = command.index("--") if "--" in command else len(command)
        return [*command[:at], *self.extra_pip_args, *command[at:]]

    def _run(self, command: list[str], label: str, action: str, hint: str | None) -> None:
        """Run ``command``, relaying its output; raise InstallError on failure."""
        tool = f"{label} {action}"
        logger.info("running %s", shlex.join(command))
        tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        try:
            with subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                env={**os.environ, "PYTHONUNBUFFERED": "1"},  # progress as it happens
            ) as process:
                assert process.stdout is not None
                assert process.stderr is not None
                errors = threading.Thread(target=self._relay, args=(process.stderr, tail))
                errors.start()
                self._relay(process.stdout, None)
                errors.join()
                status = process.wait()
        except OSError as error:
            raise InstallError(f"Cannot run {tool}: {error}", hint=hint) from error
        if status != 0:
            quoted = "\n".join(tail) or "(no error output)"
            raise InstallError(f"{tool} failed with exit status {status}:\n{quoted}", hint=hint)

    def _relay(self, stream: IO[str], tail: collections.deque[str] | None) -> None:
        """Pass each line of ``stream`` to ``progress``, keeping the last ones in ``tail``."""
        for raw in stream:
            line = raw.rstrip("\n")
            if tail is not None and line.strip():
                tail.append(line)
            if self.progress is not None:
                with self._progress_lock:
                    self.progress(line)
