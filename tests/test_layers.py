"""The one-way dependency rule: bot -> service -> summarizer, storage; no telegram below bot; no import cycles."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "evaluation", "service", "summarizer", "storage")


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions (absolute names)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def imported_packages(package: str) -> set[str]:
    return {name.split(".")[0] for path in (ROOT / package).rglob("*.py") for name in imports_of(path)}


@pytest.mark.parametrize(
    "package, forbidden",
    [
        ("summarizer", {"telegram", "storage", "service", "bot", "sqlite3", "sqlite_utils"}),
        ("storage", {"telegram", "summarizer", "service", "bot", "spacy", "sumy"}),
        ("service", {"telegram", "bot", "evaluation", "rouge_score", "tilse"}),
        # Evaluation is a client of the service, like the bot, run from the command line.
        ("evaluation", {"telegram", "bot"}),
        # The bot talks to the service and its result types only.
        ("bot", {"storage", "summarizer", "sqlite3", "sqlite_utils", "spacy", "sumy"}),
    ],
)
def test_package_does_not_import(package, forbidden):
    assert imported_packages(package) & forbidden == set()


def module_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if path.name != "__init__.py"
    }
    return {name: {m for m in imports_of(path) if m in modules and m != name} for name, path in modules.items()}


def test_no_import_cycles():
    graph = module_graph()
    cycles = []

    def visit(node: str, stack: list[str], done: set[str]) -> None:
        for target in sorted(graph[node]):
            if target in stack:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in done:
                visit(target, [*stack, target], done)
        done.add(node)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module], done)
    assert cycles == []


def test_handlers_contain_no_sql_or_nlp():
    source = (ROOT / "bot" / "handlers.py").read_text()
    assert not any(word in source for word in ("SELECT ", "INSERT ", "import spacy", "sqlite"))


def test_handlers_call_the_service_by_attribute_not_by_name():
    # "go to definition" from a handler reaches the service method: no getattr, no method names as strings.
    for name in ("handlers.py", "digests.py", "telegram_app.py", "buttons.py"):
        source = (ROOT / "bot" / name).read_text()
        assert "getattr(" not in source and "bot_data[" not in source, name


def test_service_messages_are_ui_neutral():
    # The bot adds "/subscribe Gaza" and the command line adds "--since": the service speaks to neither.
    # (Evaluation reports are for developers and name the command they measure.)
    commands = {name for name, _ in __import__("bot.handlers", fromlist=["COMMANDS"]).COMMANDS}
    found = []
    for path in (ROOT / "service").glob("*.py"):
        if "eval" in path.name:
            continue
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                for match in re.finditer(r"(?<![\w/.:])/([a-z]+)\b|(?<!\w)--[a-z]+", node.value):
                    if match.group(1) is None or match.group(1) in commands:
                        found.append((path.name, node.value[:60]))
    assert found == []
