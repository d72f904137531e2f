"""AgII's training survey (seed 004): persons with region, year, organiser and cost; the
demo registry of 3,557 participants of whom 871 answered, and its breakdowns."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import MailLog, Respondent, Response
from intake.questionnaire import load_file
from intake.questionnaire.source import parse
from intake.services import demo, questionnaires, response_state, tracking
from intake.services.response_state import RespondentProfile, ResponseState
from intake.statuses import MailKind, ResponseStatus
from tests.support.html import document

ROOT = Path(__file__).resolve().parents[1]
AGII = ROOT / "questionnaires" / "agii-vormingen.yaml"
SCHEMA = ROOT / "docs" / "questionnaire.schema.json"


def test_the_file_checks_without_warnings_and_fits_the_schema(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["questionnaire", "check", str(AGII)])
    assert result.exit_code == 0, result.output
    assert f"{AGII}: OK – agii-vormingen version 1: 3 sections, 16 questions" in result.output
    assert "W-" not in result.output and "warning" not in result.output
    validator = jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert [e.message for e in validator.iter_errors(parse(AGII.read_text("utf-8")))] == []


def test_participants_are_persons_with_typed_attributes() -> None:
    population = load_file(AGII).questionnaire.population
    assert (population.unit, population.access) == ("person", ("personal_link",))
    assert [(k.value, k.code) for k in population.kinds] == [
        ("lokaal_bestuur", "LB"), ("organisatie", "ORG"),
    ]  # fmt: skip
    assert [(a.id, a.type) for a in population.attributes] == [
        ("organisatie", "text"), ("regio", "choice"), ("jaar", "integer"),
        ("organisator", "choice"), ("kostprijs", "number"),
    ]  # fmt: skip
    # The rate breaks down by region, year and organiser; the cost is a column to pivot;
    # the employer identifies a participant, so only the identities sheet has it.
    assert [a.id for a in population.breakdowns] == ["regio", "jaar", "organisator"]
    assert [a.id for a in population.exported] == ["regio", "jaar", "organisator", "kostprijs"]
    assert population.attribute("regio").choice("regio-overschrijdend") is not None
    assert population.covering is None


def _state(kind: str, year: int) -> ResponseState:
    """A participant's response as the portal sees it before anything is saved."""
    model = load_file(AGII).questionnaire
    attributes = {"regio": "limburg", "jaar": year, "organisator": "agii", "kostprijs": 25}
    profile = RespondentProfile("Ann Peeters", kind, attributes, "Ann Peeters",
                                "ann@voorbeeld.be", {"vormingen": ["3", "8"]})  # fmt: skip
    state = ResponseState(model, None, profile, None)
    state.answers = {
        key: response_state.Stored(p.value, p.raw, p.is_valid, 0)
        for key, p in response_state.prefilled(model, profile).items()
    }
    return state


def _visible(state: ResponseState, section: str) -> list[str]:
    (page,) = [p for p in state.pages() if p.section.id == section][:1]
    return [q.id for q in state.visible(page)]


def test_conditions_read_the_participants_year_and_kind() -> None:
    """A page per linked training (prefilled, to confirm); the online/offline question only
    from 2020 on; the offer of a tailored training only to local-government staff."""
    early = _state("organisatie", 2019)
    assert [(p.section.id, p.item) for p in early.pages()] == [
        ("algemeen", None), ("vorming", "3"), ("vorming", "8"), ("afsluiting", None),
    ]  # fmt: skip
    assert "vorm" not in _visible(early, "vorming")
    assert "op_maat" not in _visible(early, "afsluiting")
    late = _state("lokaal_bestuur", 2020)
    assert "vorm" in _visible(late, "vorming")
    assert "op_maat" in _visible(late, "afsluiting")


def _hand_counts(q_id: int, attribute: str | None) -> dict[object, tuple[int, int]]:
    """(submitted, invited) per value, counted in Python from plain rows."""
    rows = db.session.execute(
        select(Respondent.kind, Respondent.attributes, Response.status)
        .outerjoin(Response, Response.respondent_id == Respondent.id)
        .where(Respondent.questionnaire_id == q_id)
    ).all()
    invited: Counter[object] = Counter()
    submitted: Counter[object] = Counter()
    for kind, attributes, status in rows:
        key = kind if attribute is None else attributes[attribute]
        invited[key] += 1
        submitted[key] += status == ResponseStatus.SUBMITTED
    return {key: (submitted[key], invited[key]) for key in invited}


def test_demo_registry_figures_and_dashboard(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        for _ in range(2):  # safe to run again: the same figures
            result = demo.load_agii()
        assert (result.participants, result.invited, result.submitted) == (3557, 3557, 871)
        q = questionnaires.get_by_slug("agii-vormingen")
        in_q = Respondent.questionnaire_id == q.id
        count = select(func.count()).select_from(Respondent).where(in_q)
        assert db.session.scalar(count) == 3557
        assert (
            db.session.scalar(
                count.join(Response, Response.respondent_id == Respondent.id).where(
                    Response.status == ResponseStatus.SUBMITTED
                )
            )
            == 871
        )
        mailed = db.session.scalar(
            select(func.count(func.distinct(MailLog.respondent_id)))
            .join(Respondent, Respondent.id == MailLog.respondent_id)
            .where(in_q, MailLog.kind == MailKind.INVITATION, MailLog.ok)
        )
        assert mailed == 3557
        assert str(tracking.overview(q).rate) == "871/3557 (24%)"

        # Each breakdown equals a hand count and sums to the totals.
        for column in ("kind", "regio", "jaar", "organisator"):
            groups = tracking.by_column(q, column)
            figures = {g.key: (g.rate.submitted, g.rate.invited) for g in groups}
            assert figures == _hand_counts(q.id, None if column == "kind" else column), column
            assert sum(s for s, _ in figures.values()) == 871, column
            assert sum(i for _, i in figures.values()) == 3557, column
            assert len(figures) > 1, column  # a spread, not one group
        assert {g.key for g in tracking.by_column(q, "jaar")} == {2019, 2020, 2021}

        # The bulk-written responses are complete as the portal reads them.
        some = db.session.scalars(
            select(Respondent).join(Response).where(in_q).order_by(Respondent.id).limit(5)
        ).all()
        for respondent in some:
            state = response_state.load_state(respondent)
            assert state.is_submitted and state.pages()
            assert all(not state.problems(page) for page in state.pages())
            trainings = respondent.item_codes("vormingen")
            assert [p.item for p in state.pages() if p.section.id == "vorming"] == trainings

    # The dashboard shows the rate by region, year and organiser, each summing to 871.
    page = document(admin_client.get("/admin/vragenlijsten/agii-vormingen").get_data(True))
    for caption in ("Respons per regio", "Respons per jaar", "Respons per organisator"):
        (figure,) = page.xpath(f'//figure[figcaption="{caption}"]')
        submitted = [int(c) for c in figure.xpath(".//tbody/tr/td[1]//text()")]
        assert sum(submitted) == 871, caption
    assert page.xpath('//figure[figcaption="Respons per jaar"]//tbody/tr/th/text()') == [
        "2019", "2020", "2021",
    ]  # fmt: skip
    assert not page.xpath('//figure[contains(figcaption, "kostprijs")]')  # not a breakdown

    # Every count of the dashboard opens a list whose caption counts exactly that many, 100
    # of them on its first page (the total itself: "Alle deelnemers bekijken (3557)"). The
    # 72 counts per training are left to the browser walk of Plan Samenleven's dashboard:
    # on a freshly loaded PostgreSQL (no statistics yet) each costs a quarter of a second.
    links = [(a.get("href"), a.text_content().strip()) for a in page.xpath(
        '//main//a[contains(@href, "/respondenten")][not(contains(@href, "item="))]')]  # fmt: skip
    counted = [(href, int(text)) for href, text in links if text.isdigit()]
    counted.append(next((href, 3557) for href, text in links if text.endswith("(3557)")))
    assert len(counted) > 40 and sum(n > tracking.PAGE_SIZE for _, n in counted) > 10
    for href, expected in counted:
        listed = document(admin_client.get(href).get_data())
        caption = " ".join(listed.xpath("//caption")[0].text_content().split())
        assert caption.startswith(f"{expected:,} deelnemer".replace(",", ".")), (href, caption)
        assert len(listed.xpath("//tbody/tr")) == min(expected, tracking.PAGE_SIZE), href


def test_an_agii_registry_imports_with_typed_attributes(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    """The file's columns as VVSG would export them from AgII's tool: regions by label,
    a cost with a decimal comma, trainings by code."""
    with app.app_context():
        questionnaires.store_file(AGII)
    registry = tmp_path / "deelnemers.csv"
    registry.write_text(
        "code;naam;soort;werkgever;regio;jaar;organisator;kostprijs;e-mail;vormingen\n"
        "P1;Ann Peeters;LB;Gemeente Zandloo;Oost-Vlaanderen;2020;AgII en IN-Gent;"
        '37,50;ann@zandloo.be;"3;8"\n'
        "P2;Karim Aydin;organisatie;CAW Leie;regio-overschrijdend;2021;agii;0;"
        "karim@caw.be;17\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        args=["respondents", "import", str(registry), "--questionnaire", "agii-vormingen"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.scalars(select(Respondent).order_by(Respondent.code)).all()
        assert [(r.code, r.kind, r.attributes, r.item_codes("vormingen")) for r in rows] == [
            ("P1", "lokaal_bestuur", {"organisatie": "Gemeente Zandloo",
             "regio": "oost-vlaanderen", "jaar": 2020, "organisator": "agii_ingent",
             "kostprijs": 37.5}, ["3", "8"]),
            ("P2", "organisatie", {"organisatie": "CAW Leie", "regio": "regio-overschrijdend",
             "jaar": 2021, "organisator": "agii", "kostprijs": 0}, ["17"]),
        ]  # fmt: skip
