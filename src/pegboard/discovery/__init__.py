"""The discovery layer: what is installed, learnt without importing any plugin.

Plugin records, entry-point discovery, the on-disk manifest and atomic writes. Imports neither
pluggy nor click: it runs on every start, before anything else is known to be needed.
"""
