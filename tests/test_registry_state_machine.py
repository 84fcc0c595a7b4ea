"""Random sequences of registry operations never break the registry's invariants."""

from __future__ import annotations

import contextlib

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from pegboard import PegboardError, PluginState, Registry, hookimpl

NAMES = st.sampled_from(["a", "b", "c", "d"])
ALIASES = st.one_of(st.none(), st.sampled_from(["x", "y", "a"]))


class Plugin:
    @hookimpl
    def health(self) -> bool:
        return True


class RegistryMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.registry = Registry()
        self.objects = [Plugin() for _ in range(3)]

    @rule(name=NAMES, alias=ALIASES, index=st.integers(0, 2))
    def register(self, name: str, alias: str | None, index: int) -> None:
        with contextlib.suppress(PegboardError):
            self.registry.register(name, self.objects[index], alias=alias)

    @rule(name=st.one_of(NAMES, ALIASES.filter(bool)))
    def deregister(self, name: str) -> None:
        with contextlib.suppress(PegboardError, KeyError):
            self.registry.deregister(name)

    @rule(name=st.one_of(NAMES, ALIASES.filter(bool)), state=st.sampled_from(list(PluginState)))
    def transition(self, name: str, state: PluginState) -> None:
        with contextlib.suppress(PegboardError):
            self.registry.transition(name, state)

    @invariant()
    def views_agree(self) -> None:
        registry = self.registry
        names = registry.names()
        assert list(registry.mapping) == names
        active = [n for n in names if registry.state(n) is PluginState.ACTIVE]
        for name in names:
            assert registry.has(name)
            assert registry.state(name) in {
                PluginState.INSTALLED,
                PluginState.ACTIVE,
                PluginState.INACTIVE,
            }
            alias = registry.alias(name)
            if alias is not None:
                assert registry.get(alias) is registry.get(name)
                assert alias not in names
            expected = ["health"] if name in active else []
            assert registry.implemented_hooks(name) == expected
        assert registry.call_hook_sync("health") == [True] * len(active)
        objects = [id(registry.get(n)) for n in names]
        assert len(objects) == len(set(objects))


RegistryMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
TestRegistryMachine = RegistryMachine.TestCase
