"""Where the app's files live, in a checkout and in an installed wheel alike.

In a checkout the pages (``templates/``), the migrations and the questionnaires are
top-level folders beside the package. A wheel carries them inside the package
(``pyproject.toml`` maps each folder into ``intake/`` as package data), because an
installed package has nothing beside it. Static files and compiled translations live
in the package in both cases. Nothing here imports the app, so any module may use it.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    """``name`` inside the package when installed from a wheel, else beside it."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _data_dir("templates")
MIGRATIONS_DIR = _data_dir("migrations")
QUESTIONNAIRES_DIR = _data_dir("questionnaires")
STATIC_DIR = PACKAGE_DIR / "static"
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
