"""The ``docs``, ``annotations`` and ``users`` command groups."""

import os
import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from . import safejson
from .config import ROLES
from .database import FILE_MODE
from .extensions import db
from .models import Document, User
from .services import AnnotationImportError, ValidationError
from .services.documents import import_paths
from .services.interchange import count_export, import_annotations, stream_export
from .services.users import (
    LastAdminError, add_user, disable_user, enable_user, end_sessions, find_user, issue_token,
    record, revoke_tokens, sign_in_link_token,
)

docs_cli = AppGroup("docs", help="Import and list documents.")
annotations_cli = AppGroup("annotations", help="Move annotations in and out as W3C JSON-LD.")
users_cli = AppGroup("users", help="Manage editor accounts and API tokens.")


def register_commands(app):
    """Attach the command groups to ``app``."""
    for group in (docs_cli, annotations_cli, users_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def backup(file):
    """Write an online, consistent copy of the SQLite database to FILE."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        raise click.ClickException(
            "backup copies SQLite databases; for PostgreSQL use pg_dump (see the README)")
    target = Path(file)
    try:  # made here, readable by its owner alone: SQLite would follow the umask
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        raise click.ClickException(f"{file} exists: choose a new file") from None
    except OSError as exc:
        raise click.ClickException(f"{file}: {exc.strerror}") from None
    source = engine.raw_connection()
    try:
        with sqlite3.connect(target) as copy:
            source.driver_connection.backup(copy)  # SQLite's online backup API
        with sqlite3.connect(target) as copy:
            status = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        source.close()
    if status != "ok":
        raise click.ClickException(f"the copy failed its integrity check: {status}")
    click.echo(f"backed up to {file} (integrity check: ok)")


@docs_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def docs_import(paths):
    """Import text files or folders of .txt/.md files (idempotent)."""
    results = import_paths(paths)
    db.session.commit()
    failed = 0
    for result in results:
        if result.action == "failed":
            failed += 1
            click.echo(f"error: {result.name}: {result.error}", err=True)
        else:
            click.echo(f"{result.action:9} {result.document.slug}  ({result.name})")
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} file(s) could not be imported")


@docs_cli.command("list")
def docs_list():
    """List the documents: slug, revision and title."""
    for document in db.session.scalars(select(Document).order_by(Document.slug)):
        click.echo(f"{document.slug}\trev {document.revision}\t{document.title}")


@annotations_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--only-new", is_flag=True,
              help="Leave annotations that are already stored as they are.")
def annotations_import(file, only_new):
    """Import W3C annotations from FILE (all or nothing; ids are kept)."""
    try:
        data = safejson.loads(file.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name}: not valid JSON ({exc})") from None
    try:
        counts = import_annotations(data, current_app.config["BASE_URL"], only_new=only_new)
    except AnnotationImportError as exc:
        db.session.rollback()
        for index, reason in exc.problems:
            click.echo(f"error: item {index}: {reason}", err=True)
        raise click.ClickException(
            f"{file.name}: {len(exc.problems)} bad item(s); nothing was imported"
        ) from None
    db.session.commit()
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items() if n or what != "kept"))


@annotations_cli.command("export")
@click.option("--doc", "slug", help="Only the annotations on this document.")
@click.option("--include-drafts", is_flag=True, help="Drafts too (never deleted ones).")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), default="-",
              help="Write to this file instead of standard output.")
def annotations_export(slug, include_drafts, output):
    """Export annotations as a W3C AnnotationCollection (JSON-LD), streamed."""
    document = None
    if slug:
        document = db.session.scalars(select(Document).filter_by(slug=slug)).first()
        if document is None:
            raise click.ClickException(f"there is no document {slug!r}")
    base = current_app.config["BASE_URL"]
    if sys.stderr.isatty() and not output.isatty():  # a bar on a terminal, quiet when piped
        total = count_export(document, include_drafts)
        with click.progressbar(length=total, label="Exporting", file=sys.stderr) as bar:
            for chunk in stream_export(base, document, include_drafts,
                                       progress=lambda _: bar.update(1)):
                output.write(chunk)
    else:
        for chunk in stream_export(base, document, include_drafts):
            output.write(chunk)
    output.flush()


def _read_password(password_stdin):
    """Return a password from one line of stdin, or from a hidden prompt."""
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--display-name", default="",
              help="The name readers see on notes (without one: 'Editor <N>').")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def users_add(name, role, display_name, password_stdin):
    """Add an editor or admin."""
    password = _read_password(password_stdin)
    try:
        user = add_user(name, password, role, display_name)
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    record(None, "added", user, f"as {role}")
    db.session.commit()
    click.echo(f"added {role} {name}")


def _user_or_fail(name):
    user = find_user(name)
    if user is None:
        raise click.ClickException(f"there is no user {name!r}")
    return user


@users_cli.command("token")
@click.argument("name")
@click.option("--label", default="cli", help="What the token is for.")
def users_token(name, label):
    """Print a new API token for NAME (shown once; stored hashed)."""
    user = _user_or_fail(name)
    if user.disabled:
        raise click.ClickException(f"user {name!r} is disabled")
    token = issue_token(user, label)
    db.session.commit()
    click.echo(token)


@users_cli.command("revoke")
@click.argument("name")
def users_revoke(name):
    """Revoke every API token of NAME."""
    user = _user_or_fail(name)
    count = revoke_tokens(user)
    record(None, "tokens revoked", user, f"{count} token(s)")
    db.session.commit()
    click.echo(f"revoked {count} token(s)")


@users_cli.command("list")
def users_list():
    """List users: name, role, state, the name shown on notes."""
    for user in db.session.scalars(select(User).order_by(User.name)):
        click.echo(f"{user.name}\t{user.role}\t{'disabled' if user.disabled else 'active'}"
                   f"\t{user.public_name}")


@users_cli.command("disable")
@click.argument("name")
def users_disable(name):
    """Disable NAME: no sign-in, every session ended, tokens revoked."""
    user = _user_or_fail(name)
    try:
        disable_user(user)
    except LastAdminError as exc:
        raise click.ClickException(f"{exc}: add or enable another admin first") from None
    db.session.commit()
    click.echo(f"disabled {name}")


@users_cli.command("enable")
@click.argument("name")
def users_enable(name):
    """Let a disabled NAME sign in again."""
    enable_user(_user_or_fail(name))
    db.session.commit()
    click.echo(f"enabled {name}")


@users_cli.command("signout")
@click.argument("name")
def users_signout(name):
    """End every session and remember-me cookie of NAME, on every device."""
    user = _user_or_fail(name)
    end_sessions(user)
    record(None, "signed out everywhere", user)
    db.session.commit()
    click.echo(f"signed out {name} everywhere")


@users_cli.command("link")
@click.argument("name")
def users_link(name):
    """Print a one-time sign-in link for NAME (to choose a password); its last line is the link."""
    user = _user_or_fail(name)
    if user.disabled:
        raise click.ClickException(f"user {name!r} is disabled")
    record(None, "sign-in link issued", user)
    db.session.commit()
    token = sign_in_link_token(user, current_app.config["SECRET_KEY"])
    click.echo(f"{current_app.config['BASE_URL']}/welcome/{token}")
