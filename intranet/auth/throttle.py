"""Login throttling that an outsider cannot turn against an account (SECURITY.md B and M).

Failures are counted per (account, client address): after a few from one address, that address
waits before trying that account again, 1 minute, then 2, 4, … up to 15. Another computer that
has not been failing is never held back, so nobody can lock the principal out by typing her
工号 with wrong passwords. An address guessing across many accounts is stopped on its own.

Counters live in this process's memory only (one waitress process, see README), are forgotten
after a quiet day, and are pruned so that they cannot grow without bound.
"""

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import current_app


@dataclass
class _Pair:
    failures: int = 0
    blocked_until: float = 0.0
    last_failure: float = 0.0


class LoginThrottle:
    def __init__(
        self,
        free_failures: int = 5,
        first_delay: float = 60,
        max_delay: float = 15 * 60,
        address_failures: int = 20,
        address_window: float = 10 * 60,
        forget_after: float = 24 * 3600,
        max_entries: int = 10_000,
        clock=time.monotonic,
    ):
        self.free_failures = free_failures
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.address_failures = address_failures
        self.address_window = address_window
        self.forget_after = forget_after
        self.max_entries = max_entries
        self.clock = clock
        self._pairs: dict[tuple[str, str], _Pair] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._pruned_at = clock()

    def wait(self, account: str, address: str) -> float:
        """Seconds this address must wait before trying this account; 0 when it may try now."""
        now = self.clock()
        with self._lock:
            pair = self._pairs.get((account, address))
            pair_wait = pair.blocked_until - now if pair else 0.0
            recent = self._recent(address, now)
            address_wait = 0.0
            if len(recent) >= self.address_failures:
                address_wait = recent[-self.address_failures] + self.address_window - now
            return max(pair_wait, address_wait, 0.0)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            pair = self._pairs.setdefault((account, address), _Pair())
            pair.failures += 1
            pair.last_failure = now
            extra = pair.failures - self.free_failures
            if extra >= 0:
                pair.blocked_until = now + min(self.first_delay * 2**extra, self.max_delay)
            self._addresses.setdefault(address, deque()).append(now)
            if now - self._pruned_at > 60 or len(self._pairs) > self.max_entries:
                self._prune(now)

    def succeeded(self, account: str, address: str) -> None:
        """The right password: this pair starts afresh (the address's own count does not)."""
        with self._lock:
            self._pairs.pop((account, address), None)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._addresses.get(address, deque())
        while times and times[0] <= now - self.address_window:
            times.popleft()
        return times

    def _prune(self, now: float) -> None:
        self._pruned_at = now
        for key, pair in list(self._pairs.items()):
            if pair.last_failure < now - self.forget_after and pair.blocked_until < now:
                del self._pairs[key]
        for address in list(self._addresses):
            if not self._recent(address, now):
                del self._addresses[address]
        # A flood of invented names from many addresses: the oldest pairs go first.
        if len(self._pairs) > self.max_entries:
            oldest = sorted(self._pairs, key=lambda key: self._pairs[key].last_failure)
            for key in oldest[: len(self._pairs) - self.max_entries]:
                del self._pairs[key]

    def __len__(self) -> int:
        return len(self._pairs) + len(self._addresses)


def init_app(app) -> None:
    app.extensions["login_throttle"] = LoginThrottle(**app.config["LOGIN_THROTTLE"])


def throttle() -> LoginThrottle:
    return current_app.extensions["login_throttle"]


def minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60))
