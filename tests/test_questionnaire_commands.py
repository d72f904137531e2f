"""`intake questionnaire check/load` and stored questionnaire versions."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from intake.extensions import db
from intake.models import QuestionnaireVersion, Respondent, Response
from intake.services import questionnaires

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "questionnaires" / "plan-samenleven-2025.yaml"
INSPIRATIE = ROOT / "questionnaires" / "inspiratiedag-2022.yaml"
BROKEN = ROOT / "tests" / "questionnaire" / "broken"


def test_check_passes_both_real_questionnaires(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questionnaire", "check", str(PLAN), str(INSPIRATIE)])
    assert result.exit_code == 0, result.output
    assert (
        f"{PLAN}: OK – plan-samenleven-2025 version 2: 10 sections, 34 questions, "
        "345 variables" in result.output
    )
    assert "inspiratiedag-2022 version 1: 4 sections" in result.output


def test_check_prints_every_problem_and_fails(runner: FlaskCliRunner) -> None:
    broken = BROKEN / "many_problems.yaml"
    result = runner.invoke(args=["questionnaire", "check", str(PLAN), str(broken)])
    assert result.exit_code == 1
    assert (
        f"{broken}:14: E-UNKNOWN-TYPE: section 1, question 'a': unknown type 'slider'"
    ) in result.output
    assert (
        f"{broken}:24: E-UNKNOWN-KEY: section 't', question 'c': unknown key 'colour'"
    ) in result.output
    assert f"{broken}: 4 problem(s)" in result.output
    assert f"{PLAN}: OK" in result.output


def _versions(app: Flask, slug: str) -> list[int]:
    with app.app_context():
        q = questionnaires.get_by_slug(slug)
        return [v.version for v in q.versions] if q else []


def test_load_stores_versions_and_refuses_changed_content(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    first = runner.invoke(args=["questionnaire", "load", str(INSPIRATIE)])
    assert first.exit_code == 0, first.output
    assert "stored inspiratiedag-2022 version 1" in first.output

    again = runner.invoke(args=["questionnaire", "load", str(INSPIRATIE)])
    assert again.exit_code == 0
    assert "already stored, unchanged" in again.output

    changed = tmp_path / "changed.yaml"
    changed.write_text(INSPIRATIE.read_text().replace("Tot slot", "Tot besluit"))
    refused = runner.invoke(args=["questionnaire", "load", str(changed)])
    assert refused.exit_code == 1
    assert "version 1 is already stored with different content" in refused.output
    assert _versions(app, "inspiratiedag-2022") == [1]

    with app.app_context():
        stored = db.session.scalar(select(QuestionnaireVersion))
        assert "Tot slot" in stored.source and "Tot besluit" not in stored.source

    v2 = tmp_path / "v2.yaml"
    v2.write_text(changed.read_text().replace("version: 1", "version: 2"))
    newer = runner.invoke(args=["questionnaire", "load", str(v2)])
    assert newer.exit_code == 0, newer.output
    assert _versions(app, "inspiratiedag-2022") == [1, 2]


def test_load_refuses_a_broken_file_and_stores_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questionnaire", "load", str(BROKEN / "unknown_choice_list.yaml")])
    assert result.exit_code == 1
    assert "unknown choice list 'succes_schaal'" in result.output
    with app.app_context():
        assert db.session.scalar(select(QuestionnaireVersion)) is None


def test_responses_keep_the_version_they_started_on(app: Flask, tmp_path: Path) -> None:
    with app.app_context():
        v1, _ = questionnaires.store_file(INSPIRATIE)
        respondent = Respondent(
            questionnaire=v1.questionnaire, code="G01", name="Gemeente", kind="gemeente",
            province="Limburg",
        )  # fmt: skip
        db.session.add(Response(respondent=respondent, questionnaire_version=v1))
        db.session.commit()

        v2_file = tmp_path / "v2.yaml"
        v2_file.write_text(INSPIRATIE.read_text().replace("version: 1", "version: 2"))
        v2, created = questionnaires.store_file(v2_file)
        assert created

        questionnaire = v2.questionnaire
        assert questionnaires.live_version(questionnaire).version == 2
        response = db.session.scalar(select(Response))
        assert response.questionnaire_version.version == 1

        questionnaire.live_version = 1
        db.session.commit()
        assert questionnaires.live_version(questionnaire).version == 1
        assert questionnaires.model_of(v2).version == 2
