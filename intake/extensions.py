"""Flask extensions, created once and bound to the app in ``create_app``."""

from __future__ import annotations

import select
import sqlite3
from typing import TYPE_CHECKING, Any

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic autogenerate produces the same migrations
# on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# The base class of the models. At run time it is Flask-SQLAlchemy's db.Model (built on
# Base, with the app's engine and session); the type checker cannot see through that
# dynamic class and gets the declarative Base it is built on.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage from RATELIMIT_STORAGE_URI: memory:// for one process; with several gunicorn
# workers use a shared store such as redis:// or memcached:// (see README).
limiter = Limiter(key_func=get_remote_address)


def configure_sqlite(dbapi_connection: object, busy_timeout_ms: int) -> None:
    """Set the pragmas every SQLite connection needs for concurrent web use.

    WAL lets readers proceed while one writer writes; the busy timeout makes a
    writer wait for the lock instead of failing at once; foreign keys are off
    by default in SQLite.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    finally:
        cursor.close()


def closed_by_server(dbapi_connection: Any) -> bool:
    """Whether the database server closed this idle pooled connection (a restart, a
    terminated backend): its socket then holds the server's last message, or its end.

    A local check, without the round trip of SQLAlchemy's ``pool_pre_ping``: between
    requests a connection has nothing to read, so anything readable means it is gone
    (at worst, an unexpected message costs one reconnection).
    """
    try:
        fd = dbapi_connection.fileno()
    except Exception:  # closed on our side, or no socket to look at: let it be replaced
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)  # hang-ups and errors always count
    return bool(poller.poll(0))
