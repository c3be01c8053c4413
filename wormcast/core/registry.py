"""Registries of components: built-ins register themselves; plugins come from entry points or dotted paths.

A scenario names a component by ``kind``: a registered name (``"localized"``), the name of a Python entry
point in the registry's group (a package declaring ``[project.entry-points."wormcast.scanners"]``), or a
dotted path ``"package.module:Class"``. Nothing is imported until a name is looked up.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, what: str, group: str, builtins: tuple[str, ...]):
        self.what, self.group, self.builtins = what, group, builtins
        self._classes: dict[str, type] = {}
        self._loaded = False

    def register(self, name: str) -> Callable[[type], type]:
        """Class decorator: ``@SCANNERS.register("uniform")``; sets ``cls.kind``."""

        def add(cls: type) -> type:
            if self._classes.get(name, cls) is not cls:
                raise ValueError(f"{self.what} {name!r} is registered twice")
            self._classes[name] = cls
            cls.kind = name
            return cls

        return add

    def _load_builtins(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in self.builtins:
                importlib.import_module(module)

    def names(self) -> list[str]:
        """The registered names (built-ins and installed entry points)."""
        self._load_builtins()
        known = {name for name in self._classes if ":" not in name}  # dotted paths are not names
        return sorted(known | {ep.name for ep in entry_points(group=self.group)})

    def get(self, kind: str) -> type:
        """The class for ``kind``; ValueError with the known names when there is none."""
        self._load_builtins()
        if kind in self._classes:
            return self._classes[kind]
        if ":" in kind:
            module, _, attr = kind.partition(":")
            try:
                cls = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError) as exc:
                raise ValueError(f"cannot load {self.what} {kind!r} ({exc})") from None
            self._classes.setdefault(kind, cls)
            cls.kind = kind
            return cls
        found = [ep for ep in entry_points(group=self.group) if ep.name == kind]
        if found:
            cls = found[0].load()
            self._classes[kind] = cls
            cls.kind = kind
            return cls
        raise ValueError(f"unknown {self.what} {kind!r} (known: {', '.join(self.names())}; "
                         "or a dotted path 'package.module:Class')")


SCANNERS: Registry = Registry("scanner", "wormcast.scanners", ("wormcast.scanners",))
DYNAMICS: Registry = Registry("host dynamics", "wormcast.dynamics", ("wormcast.dynamics",))
DEFENCES: Registry = Registry("defence", "wormcast.defences", ("wormcast.defences", "wormcast.orgs"))
OBSERVERS: Registry = Registry("observer", "wormcast.observers", ("wormcast.observers", "wormcast.orgs"))
