"""Loaded by every Python process the tests start (PYTHONPATH): the same loopback guard as the test session."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("loopback", Path(__file__).resolve().parent.parent / "loopback.py")
assert _spec is not None and _spec.loader is not None
_guard = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_guard)
_guard.install()
