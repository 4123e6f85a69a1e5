"""The request tests read English pages unless they ask for Khmer (the default a browser
without a language preference gets; see test_i18n)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient


@pytest.fixture(autouse=True)
def english_browser() -> Iterator[None]:
    original = FlaskClient.__init__

    def init(self: FlaskClient, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    FlaskClient.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        FlaskClient.__init__ = original  # type: ignore[method-assign]
