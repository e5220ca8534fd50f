"""Sign-in throttling: failures back off per (name, address); nobody can lock an editor out."""

import pytest
from limits.storage import MemoryStorage

from reader import throttle
from reader.extensions import limiter
from reader.throttle import FREE_FAILURES, MAX_WAIT_SECONDS, SignInThrottle, backoff_seconds
from tests.conftest import PASSWORD, csrf_token

EDITOR_ADDRESS = "198.51.100.7"


@pytest.mark.parametrize("failures, wait", [
    (1, 0), (FREE_FAILURES - 1, 0), (FREE_FAILURES, 1), (FREE_FAILURES + 1, 2),
    (FREE_FAILURES + 2, 4), (FREE_FAILURES + 8, 256), (FREE_FAILURES + 9, MAX_WAIT_SECONDS),
    (10_000, MAX_WAIT_SECONDS),
])
def test_the_wait_doubles_after_the_free_failures_up_to_a_cap(failures, wait):
    assert backoff_seconds(failures) == wait


def test_failures_count_per_name_and_address_and_a_success_clears_them():
    throttle = SignInThrottle(MemoryStorage())
    waits = [throttle.failed("Eddie", "203.0.113.1") for _ in range(FREE_FAILURES + 3)]
    assert waits == [0] * (FREE_FAILURES - 1) + [1, 2, 4, 8]
    assert throttle.wait_seconds("eddie ", "203.0.113.1") > 0  # names compare as typed loosely
    assert throttle.wait_seconds("eddie", "203.0.113.2") == 0  # another address
    assert throttle.wait_seconds("frank", "203.0.113.1") == 0  # another name
    throttle.succeeded("eddie", "203.0.113.1")
    assert throttle.wait_seconds("eddie", "203.0.113.1") == 0
    assert throttle.failed("eddie", "203.0.113.1") == 0


@pytest.fixture
def limited(make_app, editor):
    """An app behind one proxy with rate limits on, and a way to sign in from an address."""
    app = make_app(RATELIMIT_ENABLED=True, PROXY_FIX=True)

    def sign_in(name, password, address, client=None):
        client = client or app.test_client()
        headers = {"X-Forwarded-For": address}
        token = csrf_token(client) if client.get("/login", headers=headers).status_code == 200 \
            else ""
        return client.post("/login", headers=headers, data={
            "name": name, "password": password, "csrf_token": token})

    app.sign_in = sign_in
    return app


def test_guesses_from_many_addresses_do_not_lock_the_editor_out(limited):
    # more guesses than the old per-name limit (20), each from another (spoofed) address
    for n in range(25):
        assert limited.sign_in("eddie", "a wrong guess", f"203.0.113.{n}").status_code == 401
    assert limited.sign_in("eddie", PASSWORD, EDITOR_ADDRESS).status_code == 302


def test_one_address_waits_longer_after_each_failure_even_with_the_right_password(limited):
    for _ in range(FREE_FAILURES):
        assert limited.sign_in("eddie", "a wrong guess", "203.0.113.9").status_code == 401
    waits = []
    for _ in range(3):
        refused = limited.sign_in("eddie", PASSWORD, "203.0.113.9")
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in refused.get_data(as_text=True)
        waits.append(int(refused.headers["Retry-After"]))
        with limited.test_request_context():
            for key in SignInThrottle._keys("eddie", "203.0.113.9")[1:2]:
                limiter.storage.clear(key)  # as if the wait had passed
        assert limited.sign_in("eddie", "a wrong guess", "203.0.113.9").status_code == 401
    assert waits == [1, 2, 4]
    assert limited.sign_in("eddie", PASSWORD, EDITOR_ADDRESS).status_code == 302


def test_successful_sign_ins_do_not_count(limited):
    for _ in range(3 * FREE_FAILURES):
        client = limited.test_client()
        assert limited.sign_in("eddie", PASSWORD, EDITOR_ADDRESS, client).status_code == 302


def test_one_address_trying_many_names_is_capped(limited, monkeypatch):
    monkeypatch.setattr(throttle, "ADDRESS_FAILURES", 4)  # 30 by default: fewer slow hashes
    statuses = [limited.sign_in(f"name{n}", "a wrong guess", "203.0.113.50").status_code
                for n in range(5)]
    assert statuses == [401] * 4 + [429]
    assert limited.sign_in("eddie", PASSWORD, EDITOR_ADDRESS).status_code == 302


class _DeadStorage:
    """A store that does not answer, as Redis when it is down."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Connection refused")
        return fail


def test_a_store_that_does_not_answer_lets_sign_in_go_on_and_says_so(caplog):
    throttle = SignInThrottle(_DeadStorage())
    assert throttle.wait_seconds("eddie", "203.0.113.1") == 0
    assert throttle.failed("eddie", "203.0.113.1") == 0
    throttle.succeeded("eddie", "203.0.113.1")
    assert "does not answer" in caplog.text
