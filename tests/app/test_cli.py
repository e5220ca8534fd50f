"""The docs and users commands."""

import shutil

from sqlalchemy import func, select

from reader.extensions import db
from reader.models import AuditEvent, Document, DocumentRevision, User
from tests.conftest import DATA, SEED_FILES, SEEDS


def test_docs_import_stores_the_seeds_byte_for_byte_and_is_idempotent(runner):
    first = runner.invoke(args=["docs", "import", str(SEEDS)])
    assert first.exit_code == 0, first.output
    assert first.output.count("created") == len(SEED_FILES)
    for path in SEED_FILES:
        document = db.session.scalars(select(Document).filter_by(source_file=path.name)).one()
        assert document.text == path.read_bytes().decode("utf-8")
    second = runner.invoke(args=["docs", "import", str(SEEDS)])
    assert second.exit_code == 0
    assert second.output.count("unchanged") == len(SEED_FILES)
    assert db.session.scalar(select(func.count()).select_from(DocumentRevision)) == len(SEED_FILES)


def test_docs_import_detects_title_outlet_and_author(runner):
    runner.invoke(args=["docs", "import", str(SEEDS)])
    by_file = {d.source_file: d for d in db.session.scalars(select(Document))}
    rt = by_file["000_4407d142b209daaa.txt"]
    assert (rt.title, rt.outlet) == ("Putin’s Insights on Russian Foreign Policy Revealed", "Rt.com")
    assert by_file["002_babb521a0d9bcf18.txt"].outlet == "Sputnik"
    assert by_file["003_8961012ef578e7f0.txt"].author == "Jennifer Hicks"
    assert by_file["001_d4a3d1238127169d.txt"].outlet == ""


def test_a_bad_file_is_named_and_the_others_still_import(runner, tmp_path):
    for name in ("binary.txt", "empty.txt", "utf16.txt", "crlf.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    result = runner.invoke(args=["docs", "import", str(tmp_path)])
    assert result.exit_code == 1
    assert "binary.txt:" in result.output and "empty.txt: empty text" in result.output
    assert "utf16.txt: not UTF-8" in result.output
    assert "3 of 4 file(s) could not be imported" in result.output
    document = db.session.scalars(select(Document)).one()
    assert document.text == "Title line\n\nBody with café.\n"


def test_a_changed_file_becomes_a_new_revision_with_the_same_slug(runner, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("A title\n\nFirst version of the text.\n")
    runner.invoke(args=["docs", "import", str(path)])
    path.write_text("A title\n\nSecond version of the text.\n")
    result = runner.invoke(args=["docs", "import", str(path)])
    assert "revised" in result.output
    document = db.session.scalars(select(Document)).one()
    assert (document.slug, document.revision) == ("a-title", 2)
    assert [r.text for r in document.revisions][0] == "A title\n\nFirst version of the text.\n"


def test_users_add_token_list_disable(runner):
    added = runner.invoke(args=["users", "add", "maria", "--role", "admin", "--password-stdin"],
                          input="a long password\n")
    assert added.exit_code == 0, added.output
    token = runner.invoke(args=["users", "token", "maria"])
    assert token.exit_code == 0 and len(token.output.strip().splitlines()[-1]) >= 40
    listed = runner.invoke(args=["users", "list"])
    assert "maria\tadmin\tactive\tEditor 1" in listed.output
    last = runner.invoke(args=["users", "disable", "maria"])
    assert last.exit_code != 0 and "at least one active admin" in last.output
    runner.invoke(args=["users", "add", "bea", "--role", "admin", "--password-stdin"],
                  input="a long password\n")
    assert runner.invoke(args=["users", "disable", "maria"]).exit_code == 0
    assert db.session.scalars(select(User).filter_by(name="maria")).one().disabled
    assert runner.invoke(args=["users", "enable", "maria"]).exit_code == 0
    assert not db.session.scalars(select(User).filter_by(name="maria")).one().disabled
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["added", "added", "disabled", "enabled"]


def test_users_link_prints_a_one_time_sign_in_link_and_signout_kills_it(runner, client, editor):
    link = runner.invoke(args=["users", "link", "eddie"]).output.strip().splitlines()[-1]
    assert link.startswith("http://localhost/welcome/")
    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    assert runner.invoke(args=["users", "signout", "eddie"]).exit_code == 0
    assert client.get(path).status_code == 404


def test_users_errors_exit_non_zero_with_one_line(runner):
    short = runner.invoke(args=["users", "add", "bob", "--password-stdin"], input="short\n")
    assert short.exit_code != 0 and "password" in short.output
    missing = runner.invoke(args=["users", "token", "nobody"])
    assert missing.exit_code != 0 and "there is no user 'nobody'" in missing.output
