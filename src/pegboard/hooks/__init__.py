"""The hook layer: names, specs, markers, dispatch, the registry, lifecycle and telemetry.

Imports pluggy (lazily where it can) but never click, discovery or host code: a library that
only calls hooks pays for nothing else. Importing this package itself imports nothing.
"""
