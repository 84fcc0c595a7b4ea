"""The host layer: one invocation of a host, from its configuration to running a command.

``config`` owns every environment variable, flag, path and the state file; the catalog,
loading, the lazy Click group, the Typer bridge and ``Host`` build on it. Uses the hook and
discovery layers; never the management or CLI layers.
"""
