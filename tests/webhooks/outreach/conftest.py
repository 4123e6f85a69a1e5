"""The request tests read English pages unless they ask for Khmer: each test client starts
with English chosen, as a worker who clicked "English" would (the dashboard itself opens in
Khmer whatever the browser says; see test_i18n)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from webhooks.outreach.i18n import SESSION_KEY


@pytest.fixture(autouse=True)
def english_reader() -> Iterator[None]:
    original = FlaskClient.__init__

    def init(self: FlaskClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        if not getattr(self, "khmer", False):
            with self.session_transaction() as session:
                session.setdefault(SESSION_KEY, "en")

    FlaskClient.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        FlaskClient.__init__ = original  # type: ignore[method-assign]
