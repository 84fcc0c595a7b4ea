"""The host's distribution, found from package metadata when ``Host`` is not told it."""

from __future__ import annotations

import importlib

import pytest

from conftest import SiteDir
from pegboard.host import origin
from pegboard.host.origin import distribution_of

HOST_MODULE = """
from pegboard.host.host import Host

host = Host("notes", version="0.4")
named = Host("notes", version="0.4", distribution="given")
"""


@pytest.fixture
def notesapp(site: SiteDir) -> SiteDir:
    """Distribution ``notesapp`` provides the package ``notes``, which defines the host."""
    info = site.add("notesapp", "0.4", modules={"notes.cli": HOST_MODULE})
    (info / "top_level.txt").write_text("notes\n")
    importlib.invalidate_caches()
    return site


def test_the_distribution_defining_the_host_is_found(notesapp: SiteDir) -> None:
    origin._providers.cache_clear()
    module = importlib.import_module("notes.cli")
    assert module.host.identity.distribution == "notesapp"
    assert module.named.identity.distribution == "given"


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("notes.cli", "notesapp"),
        ("__main__", "notes"),  # a script: no distribution provides it
        (None, "notes"),
        ("not_installed_anywhere", "notes"),
    ],
)
def test_distribution_of_falls_back_to_the_host_name(
    notesapp: SiteDir, module: str | None, expected: str
) -> None:
    origin._providers.cache_clear()  # the site was written after an earlier lookup, maybe
    assert distribution_of(module, "notes") == expected


def test_pegboards_own_host_is_the_pegboard_distribution() -> None:
    from pegboard.cli import host

    assert host.identity.distribution == "pegboard"
