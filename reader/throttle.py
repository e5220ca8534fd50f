"""Sign-in throttling that cannot lock an editor out: growing waits per (name, address).

Only failed sign-ins count, and each is counted for the pair of the name tried and
the address it came from. After ``FREE_FAILURES`` failures a pair waits 1 s before
its next try, then 2, 4, 8 … up to ``MAX_WAIT_SECONDS``; a success clears the pair.
So guesses from many addresses slow each address down and never the editor signing
in from their own. One address may also fail only ``ADDRESS_FAILURES`` times per
``ADDRESS_WINDOW_SECONDS``, whatever names it tries.

Counters live in Flask-Limiter's storage (``RATELIMIT_STORAGE_URI``): in memory per
process, or shared between processes and servers by Redis or Memcached.
"""

import hashlib
import logging
import math
import time
from functools import wraps

FREE_FAILURES = 5
MAX_WAIT_SECONDS = 300
FAILURE_MEMORY_SECONDS = 24 * 3600  # a pair's failures are forgotten a day after its first
ADDRESS_FAILURES = 30
ADDRESS_WINDOW_SECONDS = 600

log = logging.getLogger(__name__)


def _fail_open(method):
    """If the store does not answer (Redis down), let sign-in go on unthrottled, and say so.

    Refusing every sign-in instead would lock every editor out until the store is back;
    a password is still needed either way.
    """
    @wraps(method)
    def wrapped(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except Exception as exc:  # whatever the storage's client raises
            log.warning("sign-in throttle: the rate limit storage does not answer: %s", exc)
            return 0
    return wrapped


class SignInThrottle:
    """Failed sign-ins per (name, address) and per address in a ``limits`` storage, and the
    wait they impose."""

    def __init__(self, storage, clock=time.time):
        self.storage = storage
        self.clock = clock

    @staticmethod
    def _keys(name, address):
        """Return the keys of the pair's failures and wait, and of the address's failures."""
        # hashed: the keys stay short whatever was typed, and hold no names in a shared store
        pair = hashlib.sha256(f"{name.strip().casefold()}\0{address}".encode()).hexdigest()[:32]
        place = hashlib.sha256(address.encode()).hexdigest()[:32]
        return (f"reader/sign-in/failures/{pair}", f"reader/sign-in/wait/{pair}",
                f"reader/sign-in/address/{place}")

    @_fail_open
    def wait_seconds(self, name, address):
        """Return how many seconds this pair must still wait before trying again (0: go ahead)."""
        _, wait_key, address_key = self._keys(name, address)
        waits = [0]
        if self.storage.get(wait_key) > 0:
            waits.append(self._left(wait_key))
        if self.storage.get(address_key) >= ADDRESS_FAILURES:
            waits.append(self._left(address_key))
        return max(waits)

    def _left(self, key):
        return max(1, math.ceil(self.storage.get_expiry(key) - self.clock()))

    @_fail_open
    def failed(self, name, address):
        """Count a failed sign-in; return the wait it imposes on the pair (0 for the first few)."""
        failure_key, wait_key, address_key = self._keys(name, address)
        self.storage.incr(address_key, ADDRESS_WINDOW_SECONDS)
        failures = self.storage.incr(failure_key, FAILURE_MEMORY_SECONDS)
        wait = backoff_seconds(failures)
        if wait:
            self.storage.clear(wait_key)
            self.storage.incr(wait_key, wait)
        return wait

    @_fail_open
    def succeeded(self, name, address):
        """Forget the pair's failures: the editor is in (the address's count stays)."""
        for key in self._keys(name, address)[:2]:
            self.storage.clear(key)


def backoff_seconds(failures):
    """Return the wait after ``failures`` failed sign-ins of one pair: 0, then 1, 2, 4 … capped."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** min(failures - FREE_FAILURES, 30), MAX_WAIT_SECONDS)


class MessageLimit:
    """Readers' messages per address: at most ``limits`` (e.g. "5 per 10 minutes;30 per day").

    Counted in the same storage as the sign-in throttle, so shared between processes
    and servers through Redis. ``address_key`` is already a keyed hash: no address is
    stored. If the store does not answer the message goes through (and the log says
    so): the honeypot and the size limits still apply, and no reader's words are lost.
    """

    def __init__(self, storage, limits):
        from limits import parse_many
        from limits.strategies import FixedWindowRateLimiter
        self.strategy = FixedWindowRateLimiter(storage)
        self.limits = parse_many(limits)

    def hit(self, address_key):
        """Count one message from ``address_key``; return 0 if it may go, else the seconds to wait."""
        try:
            for item in self.limits:
                if not self.strategy.test(item, "reader/messages", address_key):
                    reset, _ = self.strategy.get_window_stats(item, "reader/messages", address_key)
                    return max(1, math.ceil(reset - time.time()))
            for item in self.limits:
                self.strategy.hit(item, "reader/messages", address_key)
        except Exception as exc:  # whatever the storage's client raises
            log.warning("message limit: the rate limit storage does not answer: %s", exc)
        return 0
