"""Sangkhim's web app: channel webhooks, health checks, metrics, CLI and the outreach dashboard."""

from __future__ import annotations

from webhooks.startup import long_lived

# What these imports make lives as long as the process: no collector passes over it meanwhile.
with long_lived():
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    import click
    from flask import Flask

    from bot.intents import default_classifier
    from models import services as service_models
    from webhooks import commands, database, doctor, errors, logs, outreach, timesource
    from webhooks import config as settings_loader
    from webhooks.adapter import adapters

__all__ = ["check_config", "create_app", "preload", "warm_up"]


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

    # alert_board, the dashboard's alerts page: its routes join the dashboard's blueprint
    # before it is registered (outreach.init_app); it lives beside webhooks.alerting, which the
    # dashboard's package may not import (alerting records in its audit log: a cycle)
    from webhooks import (
        alert_board,  # noqa: F401
        alert_page,
        channels,
        health,
        metrics,
        pipeline,
        simulator,
    )

    app.register_blueprint(health.bp)
    app.register_blueprint(alert_page.bp)
    metrics.init_app(app)
    pipeline.init_app(app)
    channels.init_app(app)
    if not settings["PRODUCTION"]:
        app.register_blueprint(simulator.bp)
    outreach.init_app(app)
    if not command:  # gunicorn, a test: not a `flask` command
        warm_up()
    return app


def warm_up() -> None:
    """Load what every texter's message needs, the lexicons, the model and the village
    gazetteer (about 0.2 s, once per process), now, as a web worker or a test builds its app,
    rather than on the first texter's message. A ``flask`` command skips this: each loads what
    it uses when it uses it (``flask classify`` the classifier, ``flask --help`` nothing).
    What the first warm-up of a process loads lives as long as the process: it is made with the
    collector paused, and frozen (``webhooks.startup``)."""
    global _warmed
    with long_lived(freeze=not _warmed):
        default_classifier()
    _warmed = True


#: Whether this process has warmed up once (what that loaded is frozen; later apps are not).
_warmed = False


def preload(settings: Mapping[str, Any]) -> None:
    """Load everything a web worker may use, for gunicorn's master to do once before it forks
    (``gunicorn.conf.py``): the warm-up, and the adapter of every channel that is on, with what
    its first message would load (``ChannelAdapter.preload``: the Telegram library). A worker
    forked from it has both before its first request. A process that serves on its own (a
    test, ``flask run``) loads the Telegram library at its first Telegram update instead
    (about 0.07 s, once): not every process that builds the app answers Telegram."""
    warm_up()
    with long_lived():
        for adapter in adapters(settings["CHANNELS"]):
            adapter.preload()
