"""The channels' one receiving route, and outbound ``send``.

Every adapter of ``webhooks.adapter.ADAPTERS`` gets a route under ``/webhooks``, and every
request to one is received the same way (``receive``): refused if its channel is off or it is
not the provider's, parsed, answered by the pipeline and rendered by the adapter. What an
adapter is, and the table of them, are in ``webhooks/adapter.py``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Blueprint, Flask, Request, Response, abort, current_app
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from core.vocabulary import Channel
from webhooks import metrics, pipeline
from webhooks.adapter import PREFIX, Acknowledge, ChannelAdapter, adapters, serving


def send(config: Mapping[str, Any], address: Mapping[str, Any], text: str) -> None:
    """Deliver ``text`` through the adapter that serves the address's channel."""
    serving(Channel(str(address.get("channel", "")))).send(config, address, text)


def receive(adapter: ChannelAdapter) -> Response:
    """One webhook request, whatever the channel: on → verified → parsed → answered."""
    started = time.perf_counter()
    if adapter.name not in current_app.config["CHANNELS"]:
        abort(404)
    if not adapter.verify():
        abort(403)
    try:
        parsed = adapter.parse()
    except Acknowledge as acknowledged:
        return acknowledged.response
    channel = parsed.inbound.channel
    answer = pipeline.process(parsed.inbound, capabilities=adapter.capabilities(channel),
                              address=parsed.address)
    response = adapter.render(answer, parsed)
    metrics.replied(channel, time.perf_counter() - started)
    return response


#: Public pages that keep nothing in a session, and so must not answer ``Vary: Cookie`` (which
#: Flask-Login's check of every response would add): the alerts page, which any cache may keep.
SESSIONLESS_PAGES = ("/alerts",)


class _Sessions(SecureCookieSessionInterface):
    """The dashboard's signed-cookie sessions, but none for a webhook: a provider carries no
    cookie of ours and the webhook keeps nothing in one, while opening and saving the session
    (a signing serializer made anew, the cookie read and written back) took about 0.1 ms of
    every message's 2 ms (``make bench``). A webhook gets Flask's null session: it reads as
    empty, and writing to it fails loudly. So do ``SESSIONLESS_PAGES``."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(PREFIX + "/") or request.path in SESSIONLESS_PAGES:
            return None  # Flask then makes the null session, and saves nothing
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    app.session_interface = _Sessions()
    blueprint = Blueprint("channels", __name__, url_prefix=PREFIX)
    for adapter in adapters():
        blueprint.add_url_rule(adapter.path, endpoint=adapter.name,
                               view_func=partial(receive, adapter), methods=["POST"])
    app.register_blueprint(blueprint)
