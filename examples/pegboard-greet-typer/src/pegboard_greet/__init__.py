"""Example plugin: a Typer app is a complete commands-only plugin."""

from __future__ import annotations

import typer

app = typer.Typer(help="Greet people, the Typer way.")


@app.command()
def morning(name: str, loud: bool = False) -> None:
    """Wish NAME a good morning."""
    text = f"Good morning, {name}!"
    print(text.upper() if loud else text)


@app.command()
def night(name: str) -> None:
    """Wish NAME a good night."""
    print(f"Good night, {name}.")
