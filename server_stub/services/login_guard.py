"""What stands between a login flood and the rest of the server.

- Failed logins are counted per user name and per client address over a sliding window
  (settings login_window_seconds, login_account_failures, login_address_failures); past a limit
  the login is answered 429 with Retry-After before any password is hashed, so a flood costs
  a dictionary look-up per request; the answer is held for login_refusal_delay_seconds (an
  asyncio sleep, api/auth.py), so a client flooding in a loop slows itself down. The counts live in this process (each server process of a
  PostgreSQL set-up counts its own); the lockout (services/users.py) is in the database.
- Password checks (argon2: tens of milliseconds of CPU and 64 MiB each) run on their own few
  threads (login_hash_threads) at the lowest CPU priority (nice 19; argon2's own lane threads
  inherit it), never inside a transaction and never on the event loop: case reports keep the CPU under a
  flood. At most login_queue logins wait for a check; more are answered 429.
- An unknown user name is checked against a dummy hash made with the same parameters, so it
  takes as long as a known one.

`clock` is a plain attribute (time.monotonic) so tests can move time without sleeping.
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import secrets
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from .. import security

log = logging.getLogger("occ.login")
MAX_KEYS = 100_000  # tracked names/addresses; beyond this the oldest-touched are forgotten


class TooMany(Exception):
    """Refused before checking anything: answer 429 with Retry-After `seconds`."""

    def __init__(self, seconds: float, message: str):
        super().__init__(message)
        self.seconds = max(1, math.ceil(seconds))
        self.message = message


class FailureWindow:
    """Failure times per key over the last `window` seconds."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._times: dict[str, deque[float]] = {}

    def wait(self, key: str, now: float) -> float:
        """Seconds until `key` may try again (0: now)."""
        q = self._times.get(key)
        if not q:
            return 0.0
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self._times[key]
            return 0.0
        return q[0] + self.window - now if len(q) >= self.limit else 0.0

    def add(self, key: str, now: float) -> None:
        if self.limit <= 0:  # this limit is off
            return
        q = self._times.pop(key, None) or deque()
        q.append(now)
        while len(q) > self.limit:  # the oldest of the last `limit` failures frees the key
            q.popleft()
        self._times[key] = q  # re-inserted: the dict stays ordered by last failure
        if len(self._times) > MAX_KEYS:
            for old in list(self._times)[:MAX_KEYS // 10]:
                del self._times[old]

    def clear(self, key: str) -> None:
        self._times.pop(key, None)


def _low_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)  # this thread only (Linux)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        pass


class LoginGuard:
    def __init__(self, settings: Any):
        self.clock: Callable[[], float] = time.monotonic
        self.accounts = FailureWindow(settings.login_account_failures, settings.login_window_seconds)
        self.addresses = FailureWindow(settings.login_address_failures, settings.login_window_seconds)
        self.queue_limit = settings.login_queue
        self._lock = threading.Lock()
        self._waiting = 0
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.login_hash_threads),
                                        thread_name_prefix="occ-login-check", initializer=_low_priority)
        self._dummy: str | None = None
        self.checks = 0  # password checks run (tests count them)

    def check_limits(self, name: str, address: str) -> None:
        """Raises TooMany when the name or the address has failed too often lately."""
        now = self.clock()
        with self._lock:
            a, b = self.accounts.wait(name, now), self.addresses.wait(address, now)
        if a or b:
            what = "this user name" if a >= b else "this address"
            raise TooMany(max(a, b), f"too many failed logins from {what}: try again in "
                                     f"{max(1, math.ceil(max(a, b)))} s")

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self.accounts.add(name, now)
            self.addresses.add(address, now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self.accounts.clear(name)

    def forget(self, name: str) -> None:
        """An administrator unlocked the account: its recent failures no longer count here."""
        self.succeeded(name)

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = security.hash_password(secrets.token_urlsafe(16))
        return self._dummy

    def _check(self, password_hash: str | None, password: str) -> bool:
        self.checks += 1
        if password_hash is None:  # unknown name: the same work, always False
            security.verify_password(self._dummy_hash(), password)
            return False
        return security.verify_password(password_hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """The password check on the login threads; TooMany when too many logins wait already."""
        with self._lock:
            if self._waiting >= self.queue_limit:
                raise TooMany(1, "too many logins at once: try again in 1 s")
            self._waiting += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, self._check, password_hash,
                                                                    password)
        finally:
            with self._lock:
                self._waiting -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def of(ctx: Any) -> LoginGuard:
    """The server's guard (one per server context)."""
    guard = ctx.extras.get("login_guard")
    if guard is None:
        guard = ctx.extras["login_guard"] = LoginGuard(ctx.settings)
    return guard
