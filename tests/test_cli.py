"""The ``intake`` console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from intake.extensions import db
from intake.models import User
from intake.security import verify_password


def _intake_executable() -> str:
    found = shutil.which("intake", path=str(Path(sys.executable).parent))
    assert found, "the 'intake' console script is not installed in this environment"
    return found


def test_intake_help_lists_flask_and_project_commands(tmp_path: Path) -> None:
    env = {**os.environ, "INTAKE_INSTANCE_PATH": str(tmp_path)}
    result = subprocess.run(
        [_intake_executable(), "--help"], capture_output=True, text=True, env=env, check=True
    )
    for command in ("run", "shell", "db", "users", "demo"):
        assert f"\n  {command} " in result.stdout, command


def test_create_admin_command(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["users", "create-admin", "Nieuw@VVSG.be", "--password", "geheim-genoeg"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@vvsg.be"))
        assert user is not None and user.is_active
        assert verify_password(user.password_hash, "geheim-genoeg")
