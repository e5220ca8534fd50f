"""The ``docs``, ``annotations``, ``corpus`` and ``users`` command groups."""

import gc
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
from .interchange.hypothesis import is_export as is_hypothesis_export
from .services import AnnotationImportError, ValidationError
from .services.corpus import CorpusImportError, count_corpus, import_corpus, stream_corpus
from .services.documents import import_paths
from .services.reports import record_matches
from .services.hypothesis import HypothesisImportError, import_hypothesis
from .services.interchange import count_export, import_annotations, stream_csv, stream_export
from .services.users import (
    LastAdminError, add_user, disable_user, enable_user, end_sessions, find_user, issue_token,
    record, revoke_tokens, set_password, sign_in_link_token,
)

docs_cli = AppGroup("docs", help="Import and list documents.")
annotations_cli = AppGroup("annotations", help="Move annotations in and out: W3C JSON-LD, "
                                               "CSV, Hypothesis exports.")
corpus_cli = AppGroup("corpus", help="Move a whole corpus to another instance and back.")
users_cli = AppGroup("users", help="Manage editor accounts and API tokens.")


def register_commands(app):
    """Attach the command groups to ``app``."""
    for group in (docs_cli, annotations_cli, corpus_cli, users_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup)


def _on_terminal(output):
    """True when a progress bar belongs on stderr: a terminal, and not where output goes."""
    return sys.stderr.isatty() and not output.isatty()


def _write_with_progress(output, chunks_for, total, label):
    """Write the chunks ``chunks_for(progress)`` yields, with a bar on a terminal."""
    if _on_terminal(output):
        with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
            for chunk in chunks_for(lambda *_: bar.update(1)):
                output.write(chunk)
    else:
        for chunk in chunks_for(None):
            output.write(chunk)
    output.flush()


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
@click.option("--metadata", "metadata_file", type=click.File("rb"),
              help="JSON: file name -> title, outlet, original_outlet, author, published_on, "
                   "source_url, language, slug.")
@click.option("--revise", is_flag=True,
              help="A page already in the corpus (same canonical URL) becomes its new revision.")
def docs_import(paths, metadata_file, revise):
    """Import .txt/.md files, saved pages (.html/.htm) and PDFs, or folders of them (idempotent)."""
    metadata = _read_metadata(metadata_file) if metadata_file else None
    results = import_paths(paths, metadata=metadata, revise=revise,
                           max_bytes=current_app.config["INTAKE_MAX_BYTES"])
    db.session.commit()
    failed = 0
    for result in results:
        if result.action == "failed":
            failed += 1
            click.echo(f"error: {result.name}: {result.error}", err=True)
        else:
            detail = f": {result.detail}" if result.detail else ""
            click.echo(f"{result.action:9} {result.document.slug}  ({result.name}){detail}")
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} file(s) could not be imported")


@docs_cli.command("match")
def docs_match():
    """Find again which documents report the same statements (for "Other reports")."""
    pairs = record_matches()
    db.session.commit()
    click.echo(f"{pairs} matching sentence pair(s) stored")


def _read_metadata(file):
    """Return the metadata file's ``{file name: {field: value}}``, or fail with a reason."""
    try:
        data = safejson.loads(file.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise click.ClickException(f"{file.name}: expected {{file name: {{field: value}}}}")
    return {name: {k: v for k, v in fields.items() if isinstance(v, str)}
            for name, fields in data.items()}


@docs_cli.command("list")
def docs_list():
    """List the documents: slug, revision and title."""
    for document in db.session.scalars(select(Document).order_by(Document.slug)):
        click.echo(f"{document.slug}\trev {document.revision}\t{document.title}")


@annotations_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--only-new", is_flag=True,
              help="Leave annotations that are already stored as they are.")
@click.option("--doc", "slug", help="Hypothesis exports: put every annotation on this "
                                    "document (else each goes to the one with its URL).")
@click.option("--partial", is_flag=True,
              help="Import what can be imported and report the rest (else all or nothing).")
def annotations_import(file, only_new, slug, partial):
    """Import W3C annotations, or a Hypothesis JSON export, from FILE."""
    try:
        data = safejson.loads(file.read())
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{file.name}: not valid JSON ({exc})") from None
    if is_hypothesis_export(data):
        _import_hypothesis(file.name, data, slug, partial, only_new)
        return
    if slug:
        raise click.ClickException("--doc is for Hypothesis exports: a W3C annotation's target "
                                   "names its document")
    refused = []
    # the parsed file lives until the end: the garbage collector need not walk its
    # millions of values again and again while the import allocates (a fifth of the time)
    gc.freeze()
    try:
        counts = import_annotations(data, current_app.config["BASE_URL"], only_new=only_new,
                                    partial=partial, refused=refused)
    except AnnotationImportError as exc:
        db.session.rollback()
        for index, reason in exc.problems:
            click.echo(f"error: item {index}: {reason}", err=True)
        raise click.ClickException(
            f"{file.name}: {len(exc.problems)} bad item(s); nothing was imported "
            "(--partial imports the others)"
        ) from None
    finally:
        gc.unfreeze()
    db.session.commit()
    for index, reason in refused:
        click.echo(f"not imported: item {index}: {reason}", err=True)
    summary = [f"{n} {what}" for what, n in counts.items() if n or what != "kept"]
    if partial:
        summary.append(f"{len(refused)} not imported")
    click.echo(", ".join(summary))


def _import_hypothesis(name, data, slug, partial, only_new):
    """Import a Hypothesis export and print what landed where."""
    try:
        report = import_hypothesis(data, slug=slug, partial=partial, only_new=only_new)
    except ValidationError as exc:
        db.session.rollback()
        raise click.ClickException(f"{name}: {'; '.join(exc.errors.values())}") from None
    except HypothesisImportError as exc:
        db.session.rollback()
        _hypothesis_summary(exc.report)
        raise click.ClickException(
            f"{name}: {exc.report.refused} of {exc.report.total} annotation(s) could not be "
            "imported; nothing was imported (--partial imports the others)") from None
    db.session.commit()
    _hypothesis_summary(report)


def _hypothesis_summary(report):
    """Say how a Hypothesis export's annotations were placed, and name each one not placed."""
    placed = report.placed
    click.echo(f"Hypothesis export: {report.total} annotation(s)")
    click.echo(f"  {placed['exact']} placed exactly")
    click.echo(f"  {placed['changed']} placed on changed words")
    if placed["page"]:
        click.echo(f"  {placed['page']} on the whole document (page notes)")
    click.echo(f"  {len(report.not_found)} not found")
    for link, reason in report.not_found:
        click.echo(f"    {link}: {reason}")
    if report.problems:
        click.echo(f"  {len(report.problems)} not valid")
        for link, reason in report.problems:
            click.echo(f"    {link}: {reason}")
    if report.replies:
        click.echo(f"  {len(report.replies)} repl{'y' if len(report.replies) == 1 else 'ies'} "
                   "skipped")
        for link, reason in report.replies:
            click.echo(f"    {link}: {reason}")
    written = report.written
    click.echo(f"  {written['created']} created, {written['updated']} updated, "
               f"{written['unchanged']} unchanged"
               + (f", {written['kept']} kept as they are" if written["kept"] else ""))
    comments = report.comments
    if any(comments.values()):
        click.echo(f"  replies as comments under their notes: {comments['created']} created, "
                   f"{comments['updated']} updated, {comments['unchanged']} unchanged"
                   + (f", {comments['kept']} kept as they are" if comments["kept"] else ""))


@annotations_cli.command("export")
@click.option("--doc", "slug", help="Only the annotations on this document.")
@click.option("--include-drafts", is_flag=True, help="Drafts too (never deleted ones).")
@click.option("--format", "form", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="W3C JSON-LD, or CSV for spreadsheets.")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"),
              default="-", help="Write to this file instead of standard output.")
def annotations_export(slug, include_drafts, form, output):
    """Export annotations as a W3C AnnotationCollection (JSON-LD) or CSV, streamed."""
    document = None
    if slug:
        document = db.session.scalars(select(Document).filter_by(slug=slug)).first()
        if document is None:
            raise click.ClickException(f"there is no document {slug!r}")
    base = current_app.config["BASE_URL"]
    stream = stream_csv if form == "csv" else stream_export
    _write_with_progress(
        output, lambda progress: stream(base, document, include_drafts, progress=progress),
        count_export(document, include_drafts) if _on_terminal(output) else 0, "Exporting")


@corpus_cli.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"),
              default="-", help="Write to this file instead of standard output.")
def corpus_export(output):
    """Write the whole corpus (documents with every revision, sources, annotations with
    their history, accounts without secrets) as one file, streamed."""
    total = sum(count_corpus().values()) if _on_terminal(output) else 0
    _write_with_progress(output, lambda progress: stream_corpus(progress), total, "Exporting")


@corpus_cli.command("import")
@click.argument("file", type=click.File("rb"))
def corpus_import(file):
    """Rebuild a corpus from FILE in this empty instance (all or nothing)."""
    size = _size(file)
    try:
        if sys.stderr.isatty() and size:
            with click.progressbar(length=size, label="Importing", file=sys.stderr) as bar:
                counts = import_corpus(file, progress=bar.update)
        else:
            counts = import_corpus(file)
    except CorpusImportError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {exc}; nothing was imported") from None
    db.session.commit()
    click.echo(", ".join(f"{n} {name.replace('_', ' ')}(s)" for name, n in counts.items()))
    if counts["user"]:
        click.echo("Accounts come without passwords: give each one with "
                   "`flask --app reader users password NAME` or `users link NAME`.")


def _size(file):
    """Return the size of a regular file in bytes, else 0 (a pipe)."""
    try:
        return os.fstat(file.fileno()).st_size
    except (OSError, ValueError):
        return 0


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


@users_cli.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin.")
def users_password(name, password_stdin):
    """Set a new password for NAME (accounts from a corpus import come without one)."""
    user = _user_or_fail(name)
    try:
        set_password(user, _read_password(password_stdin))
    except ValidationError as exc:
        raise click.ClickException(str(exc)) from None
    record(None, "password set", user)
    db.session.commit()
    click.echo(f"password set for {name}")


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
