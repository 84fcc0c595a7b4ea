"""Which tool installed the host, and the commands that install plugins the way it does.

A host installed with ``uv tool install`` or ``pipx install`` lives in an environment that
tool owns and rebuilds (``uv tool upgrade``, ``pipx reinstall``) from its own record: plugins
pip-installed behind its back vanish then. So plugins are added through the same tool, which
keeps them in that record:

- uv tool (``uv-receipt.toml`` in the environment): ``uv tool install <host> --with …``,
  repeating the ``--with`` requirements the receipt already holds;
- pipx (``pipx_metadata.json`` in the environment): ``pipx inject`` / ``pipx uninject``;
- any other environment: ``python -m pip``, or ``uv pip`` when that interpreter has no pip.

Verification and rollback do not depend on the tool: they work on the environment itself
(:class:`EnvironmentTool`), and the tool's record file is put back byte for byte.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from typing import Any, Final

from packaging.utils import canonicalize_name

from pegboard._errors import InstallError
from pegboard._log import get_logger
from pegboard.manage.uvreceipt import SINGLE_FLAGS, Receipt, read_receipt, unreadable

logger = get_logger(__name__)

UV_RECEIPT: Final = "uv-receipt.toml"
"""The file ``uv tool`` keeps in each tool environment: the tool's requirements and options."""

PIPX_METADATA: Final = "pipx_metadata.json"
"""The file pipx keeps in each environment it manages: main and injected packages."""


@dataclasses.dataclass(frozen=True)
class InstallOptions:
    """What ``plugins install`` passes on to the installer in use, as pip names it."""

    editables: tuple[str, ...] = ()
    """Project folders installed in editable mode (``-e``)."""
    requirement_files: tuple[str, ...] = ()
    """Requirements files (``-r``)."""
    upgrade: bool = False
    pre: bool = False
    force_reinstall: bool = False
    no_cache_dir: bool = False
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()

    def pip_flags(self) -> list[str]:
        """Return the options as pip spells them, without editables and requirement files."""
        flags = ["--upgrade"] * self.upgrade + ["--pre"] * self.pre
        flags += ["--force-reinstall"] * self.force_reinstall
        flags += ["--no-cache-dir"] * self.no_cache_dir
        flags += ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            flags += ["--extra-index-url", url]
        return flags

    def uv_flags(self) -> list[str]:
        """Return the options as uv spells them (``uv pip`` and ``uv tool`` alike)."""
        flags = ["--upgrade"] * self.upgrade + ["--prerelease", "allow"] * self.pre
        flags += ["--reinstall"] * self.force_reinstall + ["--no-cache"] * self.no_cache_dir
        flags += ["--index-url", self.index_url] if self.index_url else []
        for url in self.extra_index_urls:
            flags += ["--extra-index-url", url]
        return flags


NO_OPTIONS: Final = InstallOptions()


class Tool:
    """Install and uninstall commands of one installer for one environment."""

    label: str = ""
    """How messages name the tool: "pip", "uv pip", "pipx", "uv tool"."""
    record: str | None = None
    """The file where the tool records what it installed, restored by a rollback."""
    rebuilds_host: bool = False
    """Whether every install request rebuilds the host itself (same version, same source)."""

    def install(self, specs: Sequence[str], options: InstallOptions) -> list[list[str]]:
        """Return the commands that install ``specs`` with ``options``, in order."""
        raise NotImplementedError

    def uninstall(self, distributions: Sequence[str]) -> list[list[str]]:
        """Return the commands that remove ``distributions``, in order."""
        raise NotImplementedError

    def manages(self, distribution: str) -> bool:
        """Whether the tool's record holds ``distribution`` (a plain environment holds all)."""
        return True


class EnvironmentTool(Tool):
    """pip, or ``uv pip`` when ``uv`` is given, acting on the interpreter ``python``."""

    def __init__(self, python: str, uv: str | None = None, *, quiet: bool = False) -> None:
        self.python = python
        self.uv = uv
        self.label = "uv pip" if uv else "pip"
        self._quiet = ["--quiet"] * quiet

    def _base(self, action: str) -> list[str]:
        if self.uv is not None:
            return [self.uv, "pip", action, "--python", self.python, *self._quiet]
        extra = ["--yes"] if action == "uninstall" else []
        # -P: pip does not run with the working folder on sys.path (a json.py there).
        return [self.python, "-P", "-m", "pip", action, *extra, *self._quiet]

    def install(self, specs: Sequence[str], options: InstallOptions) -> list[list[str]]:
        flags = options.uv_flags() if self.uv else options.pip_flags()
        for path in options.editables:
            flags += ["--editable", path]
        for path in options.requirement_files:
            flags += ["--requirement", path]
        return [[*self._base("install"), *flags, *_after_dashes(specs)]]

    def uninstall(self, distributions: Sequence[str]) -> list[list[str]]:
        return [[*self._base("uninstall"), "--", *distributions]]


class PipxTool(Tool):
    """pipx, for a host installed with ``pipx install``: ``inject`` and ``uninject``."""

    label = "pipx"

    def __init__(self, pipx: str, prefix: str, metadata: dict[str, Any]) -> None:
        self.pipx = pipx
        self.venv = os.path.basename(os.path.normpath(prefix))
        self.record = os.path.join(prefix, PIPX_METADATA)
        injected = metadata.get("injected_packages") or {}
        self._injected = {canonicalize_name(str(name)) for name in injected}

    def install(self, specs: Sequence[str], options: InstallOptions) -> list[list[str]]:
        # pipx skips a package it injected before unless forced; upgrading needs that too.
        force = ["--force"] * (options.force_reinstall or options.upgrade)
        flags = [*force, *(["--index-url", options.index_url] if options.index_url else [])]
        pip_args = _without_index_url(options)
        if pip_args:
            flags.append("--pip-args=" + _shell_join(pip_args))
        commands = []
        if specs or options.requirement_files:
            files = [arg for path in options.requirement_files for arg in ("--requirement", path)]
            commands.append([self.pipx, "inject", *flags, *files, self.venv, *specs])
        if options.editables:
            commands.append(
                [self.pipx, "inject", "--editable", *flags, self.venv, *options.editables]
            )
        return commands

    def uninstall(self, distributions: Sequence[str]) -> list[list[str]]:
        return [[self.pipx, "uninject", self.venv, *distributions]]

    def manages(self, distribution: str) -> bool:
        return canonicalize_name(distribution) in self._injected


class UvTool(Tool):
    """``uv tool``, for a host installed with ``uv tool install``.

    uv has no command that adds one package to a tool: ``uv tool install`` is run again with
    the tool's own requirement, every ``--with`` of the receipt and the receipt's
    constraints and options (:mod:`pegboard.manage.uvreceipt`), plus the new requirements.
    uv makes the environment match that request exactly, so an uninstall is the same command
    without the removed requirement. Settings no flag can carry over are named in a warning.
    """

    label = "uv tool"
    rebuilds_host = True  # uv reinstalls a host from a folder whenever the request changes

    def __init__(self, uv: str, receipt: Receipt) -> None:
        self.uv = uv
        self.record = receipt.path
        self._receipt = receipt
        self._folder: str | None = None

    def _command(self, withs: Iterable[tuple[str, list[str]]], extra: list[str]) -> list[str]:
        if self._receipt.dropped:
            logger.warning(
                "%s holds settings `uv tool install` has no flag for, which this reinstall "
                "drops: %s. To keep them, set them in uv's configuration file (uv.toml).",
                self.record,
                ", ".join(self._receipt.dropped),
            )
        given = SINGLE_FLAGS.intersection(extra)  # the user's own choice wins
        options = [
            arg
            for flag, value in self._receipt.options
            if flag not in given
            for arg in (flag, value)
            if arg is not None
        ]
        files = [arg for flag, path in self._files() for arg in (flag, path)]
        kept = [arg for _, args in withs for arg in args]
        host = self._receipt.host[1]
        return [self.uv, "tool", "install", *options, *files, *extra, *kept, "--", *host]

    def _files(self) -> list[tuple[str, str]]:
        """Write the receipt's constraint lists to files uv reads; return (flag, path) each.

        They live in a temporary folder removed when this object goes.
        """
        if not self._receipt.files:
            return []
        if self._folder is None:
            import tempfile
            import weakref

            self._folder = tempfile.mkdtemp(prefix="pegboard-uv-")
            weakref.finalize(self, shutil.rmtree, self._folder, True)
        written = []
        for flag, content in self._receipt.files:
            path = os.path.join(self._folder, flag.lstrip("-") + ".txt")
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(content)
            written.append((flag, path))
        return written

    def install(self, specs: Sequence[str], options: InstallOptions) -> list[list[str]]:
        extra = options.uv_flags()
        extra += [arg for spec in specs for arg in ("--with", spec)]
        extra += [arg for path in options.editables for arg in ("--with-editable", path)]
        extra += [
            arg for path in options.requirement_files for arg in ("--with-requirements", path)
        ]
        return [self._command(self._receipt.withs, extra)]

    def uninstall(self, distributions: Sequence[str]) -> list[list[str]]:
        gone = {canonicalize_name(name) for name in distributions}
        return [self._command([w for w in self._receipt.withs if w[0] not in gone], [])]

    def manages(self, distribution: str) -> bool:
        name = canonicalize_name(distribution)
        return any(known == name for known, _ in self._receipt.withs)


def detect(prefix: str, environment: EnvironmentTool) -> Tool:
    """Return the tool that installs plugins into the environment at ``prefix``.

    That is the tool that installed the host, found from its record in the environment:
    uv tool or pipx; else ``environment`` (pip, or ``uv pip``) itself.
    """
    receipt = os.path.join(prefix, UV_RECEIPT)
    if os.path.isfile(receipt):
        tool = os.path.basename(os.path.normpath(prefix))
        return UvTool(_find("uv", "uv tool"), read_receipt(receipt, tool))
    metadata = os.path.join(prefix, PIPX_METADATA)
    if os.path.isfile(metadata):
        try:
            with open(metadata, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError, RecursionError) as error:
            raise unreadable(metadata, str(error)) from error
        return PipxTool(_find("pipx", "pipx"), prefix, data if isinstance(data, dict) else {})
    return environment


def _find(program: str, purpose: str) -> str:
    """Return the path of ``program`` on PATH, or raise saying why it is needed."""
    found = shutil.which(program)
    if found is None:
        raise InstallError(
            f"This environment is managed by {purpose}, but `{program}` is not on PATH.",
            hint=f"Install {program} or add it to PATH, then try again.",
        )
    return found


def _without_index_url(options: InstallOptions) -> list[str]:
    """Return pip's flags but ``--index-url``, which pipx takes as an option of its own."""
    return dataclasses.replace(options, index_url=None).pip_flags()


def _after_dashes(specs: Sequence[str]) -> list[str]:
    """Put ``--`` before requirements, so none is ever read as an option."""
    return ["--", *specs] if specs else []


def _shell_join(args: Sequence[str]) -> str:
    import shlex

    return shlex.join(args)
