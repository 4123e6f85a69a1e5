"""The dashboard's blueprint and the extensions it shares (kept apart to avoid import cycles)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

bp = Blueprint(
    "outreach",
    __name__,
    url_prefix="/outreach",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
login_manager = LoginManager()
csrf = CSRFProtect()


class RowId(IntegerConverter):
    """``<id:…>``: a row id in the path. A number past PostgreSQL's INTEGER (which SQLite would
    take) matches no route, so it answers 404 instead of a database error."""

    MAX = 2**31 - 1

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=self.MAX)
