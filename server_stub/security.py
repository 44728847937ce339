"""Passwords (argon2) and bearer tokens (random, stored as sha256)."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

import os

# Tests and benchmarks set OCC_FAST_PASSWORD_HASH=1: hashes stay argon2id but cheap to make. The
# parameters are stored in each hash, so verification never depends on this setting.
_hasher = (PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
           if os.environ.get("OCC_FAST_PASSWORD_HASH") == "1" else PasswordHasher())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
