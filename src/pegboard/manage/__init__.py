"""The management layer: install, check, timing and scaffolding, for the ``plugins`` commands.

Everything here may start child interpreters or pip; nothing here runs on a plain start.
"""
