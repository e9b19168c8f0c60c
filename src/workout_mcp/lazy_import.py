"""Defer a module the server imports only because a library does, until something uses it.

`defer_import(name)` puts a module in `sys.modules` that the standard library's `importlib.util.LazyLoader`
executes on the first attribute lookup: `from package import name` gives that module at no cost, and
whoever reads an attribute of it gets the real module. A `from name import thing` loads it at once, and so,
on Python 3.11, does a plain `import name` (the import system reads the module's `__spec__`, an attribute
lookup). So this helps only where a library takes the module as `from package import name` and uses it in a
code path we never run, as PyJWT does `from cryptography import x509`.
"""

from __future__ import annotations

import importlib.util
import sys


def defer_import(name: str) -> bool:
    """Make `name` lazy; False (and nothing done) if it is already imported or cannot be found."""
    if name in sys.modules:
        return False
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return False
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)
    return True
