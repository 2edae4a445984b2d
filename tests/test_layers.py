"""The one-way dependency rule: bot -> service -> summarizer, storage; no telegram below bot."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(package: str) -> set[str]:
    names = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("summarizer", {"telegram", "storage", "service", "bot", "sqlite3", "sqlite_utils"}),
        ("storage", {"telegram", "summarizer", "service", "bot", "spacy", "sumy"}),
        ("service", {"telegram", "bot"}),
    ],
)
def test_package_does_not_import(package, forbidden):
    assert imported_packages(package) & forbidden == set()


def test_handlers_contain_no_sql_or_nlp():
    source = (ROOT / "bot" / "handlers.py").read_text()
    assert not any(word in source for word in ("SELECT ", "INSERT ", "import spacy", "sqlite"))
