"""The dashboard's blueprint and the extensions it shares (kept apart to avoid import cycles)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

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
