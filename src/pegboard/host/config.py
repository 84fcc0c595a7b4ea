"""A host's configuration: its identity, environment variables, folders and plugin selection.

Every environment variable and folder a host reads is named here, so a reader finds them in
one place.

Kept free of heavy imports: it runs on every start. ``platformdirs`` is imported only when no
override variable names the folder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pegboard.hooks.telemetry import Telemetry


def env_prefix(host: str) -> str:
    """Return the environment-variable prefix of a host: ``my-tool`` → ``MY_TOOL``.

    Written without ``re``: compiling a pattern costs more than the rest of a warm start's
    path handling.
    """
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in host).split()
    return "_".join(words).upper()


def env(host: str, suffix: str) -> str | None:
    """Return the value of ``<PREFIX>_<suffix>`` for ``host``, or None when unset."""
    return os.environ.get(f"{env_prefix(host)}_{suffix}")


def env_flag(host: str, suffix: str) -> bool:
    """Whether ``<PREFIX>_<suffix>`` is set to a true value (1, true, yes, on)."""
    return (env(host, suffix) or "").strip().lower() in {"1", "true", "yes", "on"}


def completion_variable(prog: str) -> str:
    """Return the variable through which a shell asks ``prog`` for completions.

    Click's rule (``Command.main`` names it so when the shell calls back), kept in one place
    for the completion script and for the start-up that must notice a completion request.
    """
    return f"_{prog.replace('-', '_').replace('.', '_')}_COMPLETE".upper()


def default_group(host: str) -> str:
    """Return the entry-point group of a host that names none: ``<host>.plugins``."""
    return f"{host}.plugins"


def config_dir(host: str) -> str:
    """Return the host's config folder (``<PREFIX>_CONFIG_DIR`` overrides platformdirs)."""
    return _user_dir(host, "CONFIG")


def cache_dir(host: str) -> str:
    """Return the host's cache folder (``<PREFIX>_CACHE_DIR`` overrides platformdirs)."""
    return _user_dir(host, "CACHE")


def _user_dir(host: str, kind: Literal["CONFIG", "CACHE"]) -> str:
    """Return the host's ``kind`` folder: the override variable, else the platform's rule."""
    override = env(host, f"{kind}_DIR")
    if override:
        return override
    if sys.platform == "linux":
        return _xdg(f"XDG_{kind}_HOME", f".{kind.lower()}", host)
    import platformdirs

    if kind == "CONFIG":
        return platformdirs.user_config_dir(host, appauthor=False)
    return platformdirs.user_cache_dir(host, appauthor=False)


def _xdg(variable: str, default: str, host: str) -> str:
    """Return what platformdirs returns on Linux, without importing it.

    platformdirs pulls in ``pathlib`` and more, a cost every start of every host would pay
    for two folder names; the XDG rule it applies on Linux is this (a test keeps the two in
    agreement). A relative value is ignored, as the XDG specification says: the state file
    must not move with the working folder.
    """
    base = os.environ.get(variable, "").strip()
    if not os.path.isabs(base):
        base = os.path.join(_home(), default)
    return os.path.join(base, host)


def _home() -> str:
    """Return the user's home folder, ignoring a relative ``HOME`` as Python's ``pwd`` does."""
    home = os.path.expanduser("~")
    if os.path.isabs(home):
        return home
    import pwd  # only when HOME is unusable

    return pwd.getpwuid(os.getuid()).pw_dir


def environment_key(prefix: str = sys.prefix) -> str:
    """Return a folder name for the environment at ``prefix``: its base name and a checksum.

    Keyed by the path, so a virtual environment recreated at the same place keeps its
    choices and another one does not see them. ``zlib.crc32`` keeps the start-up path free
    of ``hashlib``; the base name makes the folder recognisable to a person.
    """
    import zlib

    path = os.path.normcase(os.path.abspath(prefix))
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in os.path.basename(path))
    return f"{name or 'root'}-{zlib.crc32(path.encode('utf-8', 'surrogateescape')):08x}"


def environment_dir(host: str, prefix: str = sys.prefix) -> str:
    """Return the config folder of ``host`` for the environment at ``prefix``."""
    return os.path.join(config_dir(host), "environments", environment_key(prefix))


class HostIdentity:
    """What a host is: the facts discovery, compatibility and file locations derive from.

    ``reserved`` are its built-in command names; ``startup_timeout`` the seconds each
    plugin's ``startup`` may take before it is marked FAILED; ``telemetry`` where the
    registry sends events (by default a JSON-lines file named by ``<PREFIX>_TELEMETRY_FILE``
    if set, else memory only). ``entry_point_groups`` are the groups its plugins are declared
    in (default ``<name>.plugins``). A plain class, not a dataclass: it is built on every
    start.

    ``distribution`` is the distribution plugins require. When the host does not name it, it
    is the distribution providing ``defined_in`` (the module that created the host), looked
    up from package metadata at the first use, which only cold paths make.
    """

    __slots__ = (
        "_distribution",
        "api_version",
        "defined_in",
        "entry_point_groups",
        "hookspecs",
        "name",
        "reserved",
        "startup_timeout",
        "telemetry",
        "version",
    )

    def __init__(
        self,
        name: str,
        version: str,
        api_version: str,
        distribution: str | None,
        *,
        hookspecs: tuple[Any, ...] = (),
        reserved: frozenset[str] = frozenset(),
        startup_timeout: float = 10.0,
        telemetry: Telemetry | None = None,
        entry_point_groups: tuple[str, ...] = (),
        defined_in: str | None = None,
    ) -> None:
        self.entry_point_groups = entry_point_groups or (default_group(name),)
        self.name = name
        self.version = version
        self.api_version = api_version
        self._distribution = distribution
        self.defined_in = defined_in
        self.hookspecs = hookspecs
        self.reserved = reserved
        self.startup_timeout = startup_timeout
        self.telemetry = telemetry

    def __repr__(self) -> str:
        return f"HostIdentity({self.name!r}, {self.version!r}, api_version={self.api_version!r})"

    def with_reserved(self, reserved: frozenset[str]) -> HostIdentity:
        """Return a copy whose built-in command names are ``reserved``."""
        return HostIdentity(
            self.name,
            self.version,
            self.api_version,
            self._distribution,
            hookspecs=self.hookspecs,
            reserved=reserved,
            startup_timeout=self.startup_timeout,
            telemetry=self.telemetry,
            entry_point_groups=self.entry_point_groups,
            defined_in=self.defined_in,
        )

    @property
    def distribution(self) -> str:
        """The distribution plugins name in their ``Requires-Dist`` (looked up once)."""
        if self._distribution is None:
            from pegboard.host.origin import distribution_of

            self._distribution = distribution_of(self.defined_in, self.name)
        return self._distribution

    @property
    def group(self) -> str | tuple[str, ...]:
        """The entry-point group plugins of this host are declared in (or its groups)."""
        groups = self.entry_point_groups
        return groups[0] if len(groups) == 1 else groups

    def to_payload(self) -> dict[str, Any]:
        """Return the identity as JSON data, for a child interpreter (no telemetry sink)."""
        return {
            "name": self.name,
            "version": self.version,
            "api_version": self.api_version,
            "distribution": self.distribution,
            "hookspecs": [f"{spec.__module__}:{spec.__qualname__}" for spec in self.hookspecs],
            "reserved": sorted(self.reserved),
            "startup_timeout": self.startup_timeout,
            "entry_point_groups": list(self.entry_point_groups),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> HostIdentity:
        """Rebuild an identity from :meth:`to_payload` output (in the child)."""
        import pkgutil

        return cls(
            payload["name"],
            payload["version"],
            payload["api_version"],
            payload["distribution"],
            hookspecs=tuple(pkgutil.resolve_name(spec) for spec in payload["hookspecs"]),
            reserved=frozenset(payload["reserved"]),
            startup_timeout=payload["startup_timeout"],
            entry_point_groups=tuple(payload.get("entry_point_groups", ())),
        )


class Selection:
    """Which installed plugins this invocation may load (flags, environment, state file).

    ``disabled`` comes from the state file; ``disabled_for_run`` from ``--disable-plugin``
    and ``<PREFIX>_DISABLE_PLUGINS``, which leave the state file alone.
    """

    __slots__ = ("disabled", "disabled_for_run", "no_plugins", "only")

    def __init__(
        self,
        *,
        no_plugins: bool = False,
        only: frozenset[str] | None = None,
        disabled: frozenset[str] = frozenset(),
        disabled_for_run: frozenset[str] = frozenset(),
    ):
        self.no_plugins = no_plugins
        self.only = only
        self.disabled = disabled
        self.disabled_for_run = disabled_for_run

    def allows(self, name: str) -> bool:
        """Whether plugin ``name`` may be loaded in this invocation."""
        if self.no_plugins or name in self.disabled or name in self.disabled_for_run:
            return False
        return self.only is None or name in self.only
