"""Secrets: password hashes, personal-link tokens and their hashes."""

from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

TOKEN_BYTES = 24  # 192 bits of randomness, above the 128 the portal requires


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password`` (Werkzeug's default)."""
    return generate_password_hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for accounts without a password."""
    if not password_hash:
        return False
    return check_password_hash(password_hash, password)


def new_token() -> str:
    """A fresh URL-safe personal-link token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored instead of the token.

    Tokens carry 192 random bits, so a fast unsalted hash is enough: there is no
    dictionary to attack, and lookups by hash stay a single indexed query.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
