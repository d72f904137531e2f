"""Configuration from the environment, and refusal of unsafe production settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, DevelopmentConfig, ProductionConfig, config_from_env
from intake import create_app


def test_production_without_secret_key_refuses_to_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app()


# A random key as the error message suggests generating one.
GOOD_KEY = "3f9c1a7be04d6e2258c1f0b97a4d3e6c5b8a2f1e0d9c7b6a5f4e3d2c1b0a9f8e"


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("dev-only-not-secret", "at least 32 characters"),
        ("short", "at least 32 characters"),
        ("a" * 32, "different characters"),
        ("ab" * 32, "different characters"),
        ("0123456789abcdef" * 4, "repeats"),
        ("changeme-changeme-changeme-12345", "placeholder"),
        ("my-super-secret-key-for-intake-2025", "placeholder"),
        ("ThisIsMyPasswordForTheIntakeApp!", "placeholder"),
        ("dev-only-not-secret" * 2, "placeholder"),
    ],
)
def test_production_refuses_weak_secret_keys(
    monkeypatch: pytest.MonkeyPatch, key: str, reason: str
) -> None:
    monkeypatch.setenv("SECRET_KEY", key)
    with pytest.raises(ConfigError, match=reason) as refused:
        ProductionConfig().validate()
    assert "token_hex(32)" in str(refused.value)  # and says how to make a good one


@pytest.mark.parametrize(
    "key", [GOOD_KEY, "q2Zr8XvL0kP4tYw7NbE1cH6uJ9mS3dFa", "Kx7-pQ2_vR9mZ4tL8wB3nC6yH1jD5fG0sA"]
)
def test_production_accepts_random_secret_keys(monkeypatch: pytest.MonkeyPatch, key: str) -> None:
    monkeypatch.setenv("SECRET_KEY", key)
    ProductionConfig().validate()


def test_production_with_real_key_and_postgres_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTAKE_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", GOOD_KEY)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/intake")
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] == GOOD_KEY
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False


def test_default_database_is_sqlite_in_instance_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("INTAKE_ENV", raising=False)
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'inst' / 'intake.sqlite'}"
    )
    assert app.config["MAIL_OUTBOX"] == str(tmp_path / "inst" / "outbox")


def test_mail_settings_come_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.test")
    monkeypatch.setenv("MAIL_PORT", "587")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    config = DevelopmentConfig()
    assert (config.MAIL_SERVER, config.MAIL_PORT, config.MAIL_USE_TLS) == (
        "smtp.example.test",
        587,
        True,
    )
    assert config.MAIL_OUTBOX == ""  # a real server is configured: send, do not write files


def test_unknown_environment_name_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_ENV", "staging")
    with pytest.raises(ConfigError, match="INTAKE_ENV='staging' is unknown"):
        config_from_env()


def test_overrides_dict_applies_on_top_of_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("INTAKE_ENV", "testing")
    monkeypatch.setenv("INTAKE_INSTANCE_PATH", str(tmp_path))
    app = create_app({"BASE_URL": "https://enquete.example.test"})
    assert app.config["BASE_URL"] == "https://enquete.example.test"
    assert app.testing
