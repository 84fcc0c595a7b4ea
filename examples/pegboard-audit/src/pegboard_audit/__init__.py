"""Example plugin: a class (instantiated by the host) with async lifecycle and hooks.

It has no command of its own; it watches the commands of other plugins.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import click

import pegboard


class AuditPlugin:
    """Time every plugin command and report it on stderr."""

    version = "1.0.0"
    requires_api_version = ">=1.0"

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    async def startup(self, ctx: Any) -> None:
        """Pretend to open an audit log (async startups run concurrently)."""
        await asyncio.sleep(0)

    @pegboard.hookimpl
    def pre_execute(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Note when a plugin command starts."""
        self.started[name] = time.perf_counter()
        click.echo(f"[audit] {name} starting with {kwargs}", err=True)

    @pegboard.hookimpl
    def post_execute(self, name: str, result: Any) -> None:
        """Report how long the plugin command took."""
        seconds = time.perf_counter() - self.started.pop(name, time.perf_counter())
        click.echo(f"[audit] {name} finished in {seconds * 1000:.1f} ms", err=True)

    @pegboard.hookimpl
    async def health(self) -> bool:
        """Check the (pretend) audit log asynchronously."""
        await asyncio.sleep(0)
        return True

    @pegboard.hookimpl
    def acme_report(self, data: dict[str, Any]) -> str:
        """Add a line to ``acme status``."""
        return "audit is watching every plugin command"
