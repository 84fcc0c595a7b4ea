"""``python -m pegboard`` runs the ``pegboard`` command."""

from pegboard.cli import main

main()
