"""`intake questionnaire check/load` and stored questionnaire versions."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from intake.extensions import db
from intake.models import AuditEvent, QuestionnaireVersion, Respondent, Response
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
            attributes={"province": "Limburg"},
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


UNMARKED = """\
id: w
version: 1
title: W
sections:
  - id: wie
    title: Wie
    questions:
      - id: naam
        type: text
        label: Naam
        identifying: true
      - id: functie
        type: text
        label: Functie
      - id: dienst
        type: textarea
        label: Dienst
        identifying: false
  - id: verder
    title: Verder
    questions:
      - id: opmerking
        type: textarea
        label: Opmerking
"""


def test_check_warns_about_unmarked_free_text_beside_identifying_questions(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """A warning with its line and code, printed without failing the check; a free-text
    question marked either way, or in a section that identifies nobody, is fine."""
    path = tmp_path / "w.yaml"
    path.write_text(UNMARKED)
    result = runner.invoke(args=["questionnaire", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}:12: W-IDENTIFYING-UNSET: section 'wie', question 'functie':" in result.output
    assert "(warning)" in result.output and "1 warning(s)" in result.output
    assert "dienst" not in result.output and "opmerking" not in result.output
    clean = runner.invoke(args=["questionnaire", "check", str(PLAN), str(INSPIRATIE)])
    assert "W-" not in clean.output  # both real questionnaires say it either way


def test_an_export_only_change_is_taken_in_place(app: Flask, tmp_path: Path) -> None:
    """Marking a question identifying changes no question and no stored answer: the
    stored version takes it (audit-logged); any other change still needs a new version."""
    before = PLAN.read_text().replace(
        "        identifying: true\n", "", 1
    )  # the plan as first stored, without the mark on contact_functie
    old = tmp_path / "old.yaml"
    old.write_text(before)
    with app.app_context():
        version, stored = questionnaires.store_file(old)
        assert stored == "stored"
        assert (
            not questionnaires.model_of(version)
            .question("organisatie", "contact_functie")
            .identifying
        )
        version, stored = questionnaires.store_file(PLAN, "cli")
        assert stored == "updated"
        assert (
            questionnaires.model_of(version).question("organisatie", "contact_functie").identifying
        )
        assert db.session.scalars(select(QuestionnaireVersion)).all() == [version]
        assert [e.action for e in audit_events()] == ["questionnaire_update"]
        assert questionnaires.store_file(PLAN)[1] == "unchanged"
        relabelled = tmp_path / "relabelled.yaml"
        relabelled.write_text(PLAN.read_text().replace("Functie van de contactpersoon", "Rol"))
        with pytest.raises(questionnaires.VersionConflict):
            questionnaires.store_file(relabelled)


def audit_events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent)))
