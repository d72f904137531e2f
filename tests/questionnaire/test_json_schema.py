"""The JSON Schema of the format (for editors) is generated from the checker's own key
tables, committed up to date, accepts both questionnaires and refuses broken files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from flask.testing import FlaskCliRunner

from intake.questionnaire import load_text
from intake.questionnaire.source import parse
from intake.questionnaire.structure import json_schema, json_schema_text

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "questionnaire.schema.json"
BROKEN = ROOT / "tests" / "questionnaire" / "broken"


def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _problems(text: str) -> list[str]:
    return [error.message for error in _validator().iter_errors(parse(text))]


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == json_schema_text(), (
        "run: intake questionnaire schema -o docs/questionnaire.schema.json"
    )


@pytest.mark.parametrize(
    "path",
    [
        "questionnaires/plan-samenleven-2025.yaml",
        "questionnaires/inspiratiedag-2022.yaml",
        "tests/fixtures/prioriteiten-2025.yaml",
    ],
)
def test_both_questionnaires_validate(path: str) -> None:
    assert _problems((ROOT / path).read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown_type.yaml", "'checkbox' is not one of"),
        ("key_not_for_type.yaml", "('max_length' was unexpected)"),
        ("missing_id_and_version.yaml", "'version' is a required property"),
        ("matrix_without_rows.yaml", "'rows' is a required property"),
        ("many_problems.yaml", "'Sectie 1' does not match"),
        ("ranking_problems.yaml", "('other' was unexpected)"),
    ],
)
def test_broken_files_do_not_validate(name: str, expected: str) -> None:
    problems = _problems((BROKEN / name).read_text(encoding="utf-8"))
    assert any(expected in p for p in problems), problems


def test_every_type_and_key_the_checker_knows_is_in_the_schema() -> None:
    """Keys per question type: what the schema allows is what the checker allows."""
    question = json_schema()["definitions"]["question"]
    for branch in question["allOf"]:
        name = branch["if"]["properties"]["type"]["const"]
        allowed = set(branch["then"]["properties"])
        text = f"id: x\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n" \
               f"    questions:\n      - {{id: q, type: {name}, label: L, bogus: 1}}\n"  # fmt: skip
        with pytest.raises(Exception) as caught:
            load_text(text)
        message = str(caught.value)
        assert "unknown key 'bogus'" in message
        listed = message.split("(allowed here: ")[1].split(")")[0].split(", ")
        assert set(listed) == allowed, name


def test_cli_prints_and_writes_the_schema(runner: FlaskCliRunner, tmp_path: Path) -> None:
    printed = runner.invoke(args=["questionnaire", "schema"])
    assert printed.exit_code == 0 and printed.output == json_schema_text()
    target = tmp_path / "schema.json"
    written = runner.invoke(args=["questionnaire", "schema", "-o", str(target)])
    assert written.exit_code == 0, written.output
    assert target.read_text(encoding="utf-8") == json_schema_text()
