"""Sangkhim's web app: channel webhooks, health checks, metrics, CLI and the outreach dashboard."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask

from bot.intents import default_classifier
from models import services as service_models

from webhooks import commands, database, doctor, errors, logs, outreach, timesource
from webhooks import config as settings_loader

__all__ = ["check_config", "create_app", "warm_up"]


def check_config() -> None:
    """Load the configuration as ``create_app`` would, raising ``ConfigError`` if it is wrong
    (gunicorn.conf.py calls this in the master, before any worker starts)."""
    settings_loader.load(Path(Flask(__name__).instance_path))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment; ``config`` overrides it (tests, tools)."""
    app = Flask(__name__, instance_relative_config=True)
    try:
        settings = settings_loader.load(Path(app.instance_path), config)
    except settings_loader.ConfigError as error:
        if config is None and doctor.choosing_a_command():
            return doctor.unconfigured(app, error)  # `flask doctor` says what is wrong
        raise
    app.config.update(settings)
    # changes to the directory are dated by the app's clock (the directory's history)
    service_models.clock = timesource.now
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Khmer stays readable
    logs.install()
    # a `flask` command makes the engine when it uses it; gunicorn or a test makes it now
    command = click.get_current_context(silent=True) is not None
    database.init_app(app, now=not command)
    errors.init_app(app)
    commands.init_app(app)

    from webhooks import channels, health, metrics, simulator

    app.register_blueprint(health.bp)
    metrics.init_app(app)
    channels.init_app(app)
    if not settings["PRODUCTION"]:
        app.register_blueprint(simulator.bp)
    outreach.init_app(app)
    if not command:  # gunicorn, a test: not a `flask` command
        warm_up(settings)
    return app


def warm_up(settings: Mapping[str, Any]) -> None:
    """Load the lexicons, the model and the village gazetteer (about 0.2 s, once per process)
    now, in each web worker as it starts, rather than on the first texter's message; and the
    Telegram library where the channel is on. A ``flask`` command skips this: each loads what
    it uses when it uses it (``flask classify`` the classifier, ``flask --help`` nothing)."""
    default_classifier()
    if "telegram" in settings["CHANNELS"]:
        from webhooks import telegram

        telegram.update_class()
