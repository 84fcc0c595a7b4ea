"""Install and uninstall plugin distributions with pip (or uv), verified and rolled back.

What is installed, and which distribution provides which plugin, is read from entry-point
metadata by a short script run in the *target* interpreter, so plugin code is never imported
and the target may be another environment than the running one. An install is compared
against a snapshot taken before it: distributions that appeared or changed version are what
the install did, and exactly those are undone on failure (new ones uninstalled, changed ones
put back at their previous version).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Final, Literal

from pegboard._errors import InstallError

logger = logging.getLogger(__name__)

ALWAYS_PROTECTED: Final = frozenset({"pegboard", "pip", "setuptools", "wheel", "uv"})
"""Distributions ``uninstall`` never removes, whatever the host adds."""

_SNAPSHOT: Final = """
import importlib.metadata, json, re, sys
found = {}
for dist in importlib.metadata.distributions():
    name = dist.metadata["Name"]
    if not name:
        continue
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key not in found:
        plugins = [e.name for e in dist.entry_points.select(group=sys.argv[1])]
        found[key] = {"name": name, "version": dist.version, "plugins": plugins}
print(json.dumps(found))
"""

Verify = Callable[[str], str | None]
"""Check one plugin by name; return None when it is fine, else what is wrong."""


@dataclasses.dataclass(frozen=True)
class Installed:
    """A distribution an install added or changed."""

    distribution: str
    version: str
    previous_version: str | None
    plugins: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Dist:
    name: str
    version: str
    plugins: tuple[str, ...]


def canonical(name: str) -> str:
    """Return the normalised form of a distribution name (PEP 503)."""
    import re

    return re.sub(r"[-_.]+", "-", name).lower()


class Installer:
    """Installs and removes the plugins of host ``host`` in interpreter ``python``."""

    def __init__(
        self,
        host: str,
        *,
        python: str = sys.executable,
        protected: Iterable[str] = (),
        quiet: bool = False,
        runner: Literal["auto", "pip", "uv"] = "auto",
        extra_pip_args: Sequence[str] = (),
    ):
        self.group = f"{host}.plugins"
        self.python = python
        self.protected = ALWAYS_PROTECTED | {canonical(name) for name in protected}
        self.quiet = quiet
        self.extra_pip_args = list(extra_pip_args)
        self.uv = shutil.which("uv") if runner in {"auto", "uv"} else None
        if runner == "uv" and self.uv is None:
            raise InstallError(
                "uv was asked for but is not on PATH.", hint="Install uv or use pip."
            )

    def install(
        self,
        specs: Sequence[str],
        *,
        verify: Verify | None = None,
        force: bool = False,
        upgrade: bool = False,
    ) -> list[Installed]:
        """Install ``specs``; verify each new plugin; undo everything if one fails.

        Raises InstallError when pip fails, when nothing installed provides a plugin of this
        host, or (without ``force``) when ``verify`` reports a problem.
        """
        before = self.snapshot()
        self._pip("install", *(["--upgrade"] if upgrade else []), *specs)
        after = self.snapshot()
        changes = [
            Installed(
                dist.name,
                dist.version,
                before[key].version if key in before else None,
                dist.plugins,
            )
            for key, dist in after.items()
            if key not in before or before[key].version != dist.version
        ]
        if not changes:
            return []
        plugins = [name for change in changes for name in change.plugins]
        if not plugins:
            self._roll_back(changes, before)
            raise InstallError(
                f"{', '.join(specs)} provides no plugin for {self.group.removesuffix('.plugins')} "
                f"(no entry point in the group {self.group!r}); it was removed again.",
                hint="Check the name; plugins declare an entry point in that group.",
            )
        if verify is not None:
            problems = {name: problem for name in plugins if (problem := verify(name)) is not None}
            if problems and not force:
                self._roll_back(changes, before)
                detail = "; ".join(f"{name}: {problem}" for name, problem in problems.items())
                raise InstallError(
                    f"The installed plugin(s) failed their check and were rolled back: {detail}.",
                    plugin=next(iter(problems)),
                    hint="Run with --force to keep them anyway, or report the problem to "
                    "the plugin's author.",
                )
            for name, problem in problems.items():
                logger.warning("plugin %r kept despite a failed check: %s", name, problem)
        return changes

    def resolve_uninstall(self, names: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """Map plugin or distribution ``names`` to distribution → the plugins it provides.

        Raises InstallError for a protected distribution, a distribution that provides no
        plugin of this host, or a name that matches nothing (with suggestions).
        """
        installed = self.snapshot()
        by_plugin = {plugin: key for key, dist in installed.items() for plugin in dist.plugins}
        chosen: dict[str, tuple[str, ...]] = {}
        for name in names:
            key = by_plugin.get(name) or canonical(name)
            if key in self.protected:
                raise InstallError(
                    f"Refusing to uninstall {name!r}: it is not a plugin but part of the "
                    "host or its tooling.",
                    plugin=name,
                    hint="Use pip directly if you really mean to remove it.",
                )
            dist = installed.get(key)
            if dist is None:
                from pegboard._names import suggest

                close = suggest(
                    name, [*by_plugin, *(d.name for d in installed.values() if d.plugins)]
                )
                tip = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
                raise InstallError(
                    f"No plugin or plugin distribution named {name!r} is installed.{tip}",
                    plugin=name,
                    hint="Run `plugins list --all` to see installed plugins.",
                )
            if not dist.plugins:
                raise InstallError(
                    f"Refusing to uninstall {dist.name!r}: it provides no plugin for "
                    f"{self.group.removesuffix('.plugins')}.",
                    plugin=name,
                    hint="Only plugin distributions can be removed this way; use pip otherwise.",
                )
            chosen[dist.name] = dist.plugins
        return chosen

    def uninstall(self, distributions: Sequence[str]) -> None:
        """Remove ``distributions`` (already resolved with :meth:`resolve_uninstall`)."""
        if distributions:
            self._pip("uninstall", *distributions)

    def snapshot(self) -> dict[str, _Dist]:
        """Return what the target interpreter has installed, by canonical name."""
        finished = subprocess.run(
            [self.python, "-c", _SNAPSHOT, self.group],
            capture_output=True,
            text=True,
            check=False,
        )
        if finished.returncode != 0:
            raise InstallError(
                f"Cannot inspect the environment of {self.python}: {finished.stderr.strip()}",
                hint="Check that the interpreter exists and runs.",
            )
        data = json.loads(finished.stdout)
        return {
            key: _Dist(entry["name"], entry["version"], tuple(entry["plugins"]))
            for key, entry in data.items()
        }

    def _roll_back(self, changes: Sequence[Installed], before: dict[str, _Dist]) -> None:
        added = [c.distribution for c in changes if c.previous_version is None]
        changed = [f"{c.distribution}=={c.previous_version}" for c in changes if c.previous_version]
        try:
            if added:
                self._pip("uninstall", *added)
            if changed:
                self._pip("install", *changed)
        except InstallError as exc:
            logger.error("rolling back the install failed: %s", exc.message)
            raise InstallError(
                f"Rolling back the install failed: {exc.message}",
                hint="Inspect the environment with `pip list` and fix it by hand.",
            ) from exc

    def _pip(self, action: str, *args: str) -> None:
        if self.uv is not None:
            command = [self.uv, "pip", action, "--python", self.python]
        else:
            command = [self.python, "-m", "pip", action]
        if action == "uninstall" and self.uv is None:
            command.append("--yes")
        command += [*(self.extra_pip_args if action == "install" else []), *args]
        if self.quiet:
            command.append("--quiet")
        logger.info("running %s", " ".join(command))
        finished = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if self.quiet else None,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        if finished.returncode != 0:
            tail = "\n".join(finished.stderr.strip().splitlines()[-5:])
            raise InstallError(
                f"`{' '.join(command[:4])} ...` failed with exit status "
                f"{finished.returncode}:\n{tail}",
                hint="Check the requirement (name, version, path) and your network access.",
            )
        if finished.stderr and not self.quiet:
            sys.stderr.write(finished.stderr)
