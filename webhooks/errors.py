"""Errors answer with a short JSON body and the right status, never a traceback; under the
dashboard, a page in the reader's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


#: Path prefixes whose errors are pages for people, not JSON: the prefix and its renderer
#: (the dashboard registers ``/outreach``).
PAGES: dict[str, Callable[[HTTPException], Any]] = {}


def json_error(error: HTTPException) -> tuple[Response, int]:
    code = error.code or 500
    return jsonify(error=error.name, description=error.description if code < 500 else ""), code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        for prefix, render in PAGES.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                return render(error)  # a URL under the dashboard that matches no page
        return json_error(error)

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        # Only the type and the route: an exception's message may quote what a texter sent.
        log.error(
            "unhandled %s on %s %s", type(error).__name__, request.method, request.path,
            exc_info=error,
        )
        return jsonify(error=InternalServerError().name, description=""), 500
