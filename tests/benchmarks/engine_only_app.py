"""The benchmark's second baseline: Sangkhim with storage taken out of the webhook.

Everything a message goes through is Sangkhim's own (signature check, parsing, pseudonym,
engine, directory search, rendering) except the database: each message is answered as a first
message, against the directory read once at start-up, and nothing is saved. The gap between
this and the bare app is what the engine and the framework cost; the gap between this and
Sangkhim is what keeping state and counting demand cost. Never served outside ``make bench``.
Run: gunicorn 'tests.benchmarks.engine_only_app:create_app()'.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

import bot
from bot.types import Inbound, State
from core.directory import InMemoryDirectory
from core.vocabulary import Capabilities, ServiceType
from models.base import reading
from models.services import SqlDirectory
from webhooks import create_app as create_sangkhim
from webhooks import pipeline
from webhooks.database import get_db


def create_app() -> Flask:
    app = create_sangkhim()
    with app.app_context(), reading(get_db().engine) as connection:
        directory = InMemoryDirectory(SqlDirectory(connection).find(list(ServiceType)))

    def without_storage(
        _engine: object, _settings: object, _key: str, inbound: Inbound, now: datetime,
        can: Capabilities, _address: object, optimistic: bool,
    ) -> pipeline.Answer:
        reply = bot.handle(inbound, State(), directory, now, capabilities=can)
        return pipeline.Answer(reply.messages)

    pipeline._process_once = without_storage  # type: ignore[assignment]
    return app
