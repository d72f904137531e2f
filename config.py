"""Configuration classes, filled from environment variables when instantiated.

Select one with ``INTAKE_ENV`` (``development``, ``testing`` or ``production``);
``create_app`` does that for you. Values are read at instantiation, not import,
so tests and the CLI see the environment as it is when the app is built.
"""

from __future__ import annotations

import datetime as dt
import os

DEV_SECRET_KEY = "dev-only-not-secret"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class ConfigError(RuntimeError):
    """Raised when the configuration cannot run safely."""


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    TESTING = False
    DEBUG = False

    def __init__(self) -> None:
        self.SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
        # None means: SQLite file ``intake.sqlite`` in the instance folder.
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or None
        # No pool_pre_ping (a round trip per request): on PostgreSQL, a connection the
        # server closed (a restart) is found and replaced at checkout without one
        # (``extensions.closed_by_server``); SQLite has no server to lose.
        self.SQLALCHEMY_ENGINE_OPTIONS: dict[str, object] = {}
        # SQLite waits this long for a lock before giving up (milliseconds).
        self.SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", 10_000)

        self.BABEL_DEFAULT_LOCALE = "nl"
        self.BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
        self.LANGUAGES = ["nl", "en"]

        # A coordinator fills in over days: the CSRF token lives as long as the session.
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Admins sign in again after a working day; coordinators stay signed in through
        # the remember cookie of their personal link, so a form left open is never lost.
        self.PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=_int("SESSION_HOURS", 8))
        # The session cookie is signed and sent again when the session changes, and with
        # each visit the sign-in notes (at most every 5 minutes, ``auth.access``), not on
        # every request: signing it cost a tenth of a page view. Its lifetime still slides
        # while the user is active; idling is ended server-side (``sign_ins.visit``).
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        self.REMEMBER_COOKIE_DURATION = dt.timedelta(days=_int("REMEMBER_DAYS", 30))

        # Rate limits on sign-in and personal links (Flask-Limiter).
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        # Number of reverse proxies in front of the app whose X-Forwarded-* to trust.
        self.TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
        self.HSTS = False

        # An open-link response cannot be submitted sooner than this after its start: a
        # person reads the questions, a script does not (``services.open_links``).
        self.OPEN_LINK_MIN_SECONDS = _int("OPEN_LINK_MIN_SECONDS", 20)

        # Public base URL used in e-mailed links, e.g. https://enquete.vvsg.be
        self.BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_PORT = _int("MAIL_PORT", 25)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_SENDER = os.environ.get("MAIL_SENDER", "VVSG enquête <enquete@vvsg.be>")
        # Reminders go to respondents invited, and not reminded, at least this many days
        # ago; a questionnaire's file may say otherwise (mail: remind_after).
        self.MAIL_REMIND_AFTER_DAYS = _int("MAIL_REMIND_AFTER_DAYS", 3)
        # When set, mails are written as .eml files to this folder instead of sent.
        self.MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX") or None

        # Background jobs (huey): empty means a SQLite queue file in the instance folder;
        # redis://host:port/db when several worker processes share the queue.
        self.HUEY_URL = os.environ.get("HUEY_URL", "")
        # Run tasks inline where they are enqueued (tests that do not exercise the queue).
        self.HUEY_IMMEDIATE = _bool("HUEY_IMMEDIATE", False)
        # A failed job is tried this many more times, this many seconds apart.
        self.JOB_RETRIES = _int("JOB_RETRIES", 2)
        self.JOB_RETRY_DELAY = _int("JOB_RETRY_DELAY", 30)
        # A running job that reported no progress for this long is taken to have lost its
        # worker (a crash) and is run again; jobs report progress at least every minute.
        self.JOB_STALE_SECONDS = _int("JOB_STALE_SECONDS", 300)

    def validate(self) -> None:
        """Refuse settings that are unsafe for this environment."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = True

    def __init__(self) -> None:
        super().__init__()
        # Development writes mails to <instance>/outbox unless MAIL_SERVER is set.
        self.MAIL_OUTBOX = self.MAIL_OUTBOX or ("" if self.MAIL_SERVER else "outbox")


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True

    def __init__(self) -> None:
        super().__init__()
        self.SECRET_KEY = "testing-secret-key"
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
        # Jobs run inline; the job tests start a real queue and consumer themselves.
        self.HUEY_IMMEDIATE = _bool("HUEY_IMMEDIATE", True)


class ProductionConfig(Config):
    ENV_NAME = "production"

    def __init__(self) -> None:
        super().__init__()
        self.SESSION_COOKIE_SECURE = True
        self.REMEMBER_COOKIE_SECURE = True
        self.PREFERRED_URL_SCHEME = "https"
        self.HSTS = True

    def validate(self) -> None:
        key = os.environ.get("SECRET_KEY", "")
        if not key:
            raise ConfigError(f"SECRET_KEY must be set in production. {_MAKE_KEY}")
        problem = secret_key_problem(key)
        if problem:
            raise ConfigError(f"SECRET_KEY is too weak for production: {problem}. {_MAKE_KEY}")


_MAKE_KEY = (
    "Use a random value, e.g. SECRET_KEY=$(python -c 'import secrets; "
    "print(secrets.token_hex(32))')"
)
# Words people put in a key they made up themselves (compared without case or punctuation).
_PLACEHOLDERS = ("changeme", "secret", "password", "wachtwoord", "example", "replace", "devonly")
_MIN_DISTINCT = 10  # token_hex(16) has fewer with a chance of about 1 in 8000


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak to sign sessions and cookies, or None when it looks random.

    Whoever knows or guesses the key can forge a session or a remember cookie for anyone,
    so a made-up, repeated or placeholder key is refused.
    """
    if len(key) < 32:
        return "it must be at least 32 characters long"
    if len(set(key)) < _MIN_DISTINCT:
        return f"it has fewer than {_MIN_DISTINCT} different characters"
    letters = "".join(c for c in key.lower() if c.isalnum())
    if any(word in letters for word in _PLACEHOLDERS):
        return "it contains a placeholder word such as 'changeme' or 'secret'"
    period = next(p for p in range(1, len(key) + 1) if key == (key[:p] * len(key))[: len(key)])
    if period <= len(key) // 2:
        return f"it repeats the same {period} characters"
    return None


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    """Instantiate the config class named by ``INTAKE_ENV`` (default: development)."""
    name = os.environ.get("INTAKE_ENV", "development").strip().lower()
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise ConfigError(
            f"INTAKE_ENV={name!r} is unknown; use one of {', '.join(CONFIGS)}"
        ) from None
    return cls()
