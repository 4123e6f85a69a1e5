"""Errors answer with a short JSON body and the right status; never a traceback."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[Response, int]:
        code = error.code or 500
        return jsonify(error=error.name, description=error.description if code < 500 else ""), code

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> tuple[Response, int]:
        # Only the type and the route: an exception's message may quote what a texter sent.
        log.error(
            "unhandled %s on %s %s", type(error).__name__, request.method, request.path,
            exc_info=error,
        )
        return jsonify(error=InternalServerError().name, description=""), 500
