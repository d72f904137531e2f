"""Intake as ``wsgi.py`` serves it, with SQLAlchemy engine options from the environment.

``BENCH_ENGINE_OPTIONS`` (JSON, e.g. ``{"pool_pre_ping": false, "pool_size": 2}``) is
laid over the configuration's ``SQLALCHEMY_ENGINE_OPTIONS``, so ``bench_http.py
--engine-options`` can measure a pool or connection setting without changing the app.
"""

import json
import os

from config import config_from_env
from intake import create_app

settings = config_from_env()
settings.SQLALCHEMY_ENGINE_OPTIONS = {
    **settings.SQLALCHEMY_ENGINE_OPTIONS,
    **json.loads(os.environ.get("BENCH_ENGINE_OPTIONS") or "{}"),
}
app = create_app(settings)
