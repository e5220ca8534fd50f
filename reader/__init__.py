"""Annotated Reader: contested texts with an editor's notes on the very words."""

import os
from pathlib import Path

from flask import Flask, render_template

from . import config, counts, database, pagecache, safejson, serving  # noqa: F401 (counts: its triggers)
from .extensions import csrf, db, limiter, login, migrate


def create_app(test_config=None):
    """Create the app: settings, extensions, blueprints, commands."""
    app = Flask(__name__, instance_relative_config=True)
    safejson.init_app(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("READER")
    for name in ("DATABASE_URL", "SECRET_KEY", "BASE_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config:
        app.config.update(test_config)
    database_url = app.config.get("DATABASE_URL") or config.sqlite_url(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = config.normalise_database_url(database_url)
    database.create_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        database_url, app.config["SQLALCHEMY_ENGINE_OPTIONS"], app.config["SQLITE_BUSY_TIMEOUT"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret_key(app.instance_path)
    app.config["BASE_URL"] = app.config["BASE_URL"].rstrip("/")
    app.config["REVIEW_KINDS"] = config.review_kinds(app.config["REVIEW_KINDS"])
    app.config["EMBED_ANCESTORS"] = config.embed_ancestors(app.config["EMBED_ANCESTORS"])

    serving.init_app(app)  # first, so its request id exists before other hooks run
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True)
    csrf.init_app(app)
    login.init_app(app)
    limiter.init_app(app)
    _register_blueprints(app)
    database.init_app(app)  # after every view is registered: it wraps them
    _register_errors(app)
    app.context_processor(_template_globals)

    from .cli import register_commands
    register_commands(app)
    pagecache.init_app(app)
    serving.init_proxy(app)  # outermost, so the cache's log lines have the client's address
    return app


def _register_blueprints(app):
    from .views import (
        IdConverter, admin, api, auth, corrections, desk, editor, messages, public, refuse_nul,
        share, sources,
    )
    app.url_map.converters["id"] = IdConverter
    app.url_value_preprocessor(refuse_nul)
    app.register_blueprint(public.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(desk.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(sources.bp)
    app.register_blueprint(share.bp)
    app.register_blueprint(corrections.bp)
    app.register_blueprint(messages.bp)
    app.before_request(auth.protect_writes)


def _template_globals():
    return {"KIND_LABELS": config.KIND_LABELS, "VERDICT_LABELS": config.VERDICT_LABELS,
            "NO_VERDICT_LABEL": config.NO_VERDICT_LABEL,
            "RELATION_LABELS": config.RELATION_LABELS, "STATUS_LABELS": config.STATUS_LABELS}


def _register_errors(app):
    from .views.api import api_error

    @app.errorhandler(404)
    def not_found(error):
        return api_error(error) or (render_template("errors/404.html"), 404)

    @app.errorhandler(400)
    def bad_request(error):
        return api_error(error) or (render_template("errors/error.html", code=400, error=error),
                                    400)

    @app.errorhandler(403)
    def forbidden(error):
        return api_error(error) or (render_template("errors/error.html", code=403, error=error),
                                    403)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return api_error(error) or error

    @app.errorhandler(500)
    def internal_error(error):
        return api_error(error) or error

    @app.errorhandler(429)
    def too_many(error):
        return api_error(error) or (render_template("errors/error.html", code=429, error=error),
                                    429)

    @app.errorhandler(503)
    def unavailable(error):
        return api_error(error) or (render_template("errors/error.html", code=503, error=error),
                                    503, database.retry_after(error))
