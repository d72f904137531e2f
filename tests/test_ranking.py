"""The ranking question type end to end: answers, conditions and codebook in the engine;
render, save, resume, validation, summary and read-only view in the portal; export
(Antwoorden, Per actie, Frequenties, Codeboek) and the import back."""

from __future__ import annotations

import io
import random
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from intake.extensions import db
from intake.models import Questionnaire, Respondent
from intake.questionnaire import codebook, load_file
from intake.questionnaire.conditions import evaluate
from intake.questionnaire.types import describe, missing, parse, to_form, type_of
from intake.questionnaire.types.base import Samples
from intake.services import export, import_responses, response_state, responses
from tests.support import factory
from tests.support.html import csrf_token
from tests.support.portal import post_page
from tests.support.workbook import frequency_tables

FIXTURE = factory.ROOT / "tests" / "fixtures" / "prioriteiten-2025.yaml"
BASE = "/v/prioriteiten-2025"
PAGE = f"{BASE}/p/beleid"
MODEL = load_file(FIXTURE).questionnaire
RANKING = MODEL.question("beleid", "prioriteiten")


def _ranks(**ranks: int | str) -> dict[str, str]:
    return {f"prioriteiten__{choice}": str(rank) for choice, rank in ranks.items()}


# --------------------------------------------------------------------------- engine


@pytest.mark.parametrize(
    ("posted", "value", "problem"),
    [
        ({"wonen": "2", "werk": "1", "onderwijs": "4", "ontmoeting": "3"},
         {"wonen": 2, "werk": 1, "onderwijs": 4, "ontmoeting": 3}, None),
        ({"wonen": "1", "werk": "2"}, {"wonen": 1, "werk": 2}, None),  # the first two only
        ({"wonen": "1", "werk": "1"}, {"wonen": 1, "werk": 1}, "Geef elke rang maar één keer."),
        ({"wonen": "1", "werk": "3"}, {"wonen": 1, "werk": 3}, "Sla geen rang over"),
        ({"wonen": "5"}, None, "Kies een van de mogelijke antwoorden."),
        ({"wonen": "x"}, None, "Kies een van de mogelijke antwoorden."),
        ({"wonen": "", "werk": " "}, None, None),
    ],
)  # fmt: skip
def test_ranks_are_a_permutation_and_kept_as_typed(
    posted: dict[str, str], value: Any, problem: str | None
) -> None:
    parsed = parse(RANKING, posted)["prioriteiten"]
    assert parsed.value == value
    message = parsed.problem.message() if parsed.problem else None
    assert message == problem or (problem is not None and message and problem in message)


def test_a_required_ranking_ranks_every_choice() -> None:
    partial = parse(RANKING, {"wonen": "1", "werk": "2"})
    assert missing(RANKING, partial).message() == "Geef elke keuze een rang."
    assert missing(RANKING, {}).message() == "Beantwoord deze vraag."
    full = parse(RANKING, {"wonen": "1", "werk": "2", "onderwijs": "3", "ontmoeting": "4"})
    assert missing(RANKING, full) is None
    optional = MODEL.question("actie", "doelen")
    assert missing(optional, parse(optional, {"kennis": "1"})) is None


@given(st.dictionaries(st.sampled_from(["wonen", "werk", "onderwijs", "ontmoeting", "x"]),
                       st.text(max_size=4)))  # fmt: skip
@example({"wonen": "²"})  # a digit to str.isdigit, but no number to int()
def test_any_post_parses_without_error(posted: dict[str, str]) -> None:
    parsed = parse(RANKING, posted)["prioriteiten"]
    if parsed.value is not None:
        assert set(parsed.value) <= set(RANKING.choice_values)
        assert all(1 <= rank <= 4 for rank in parsed.value.values())


def test_demo_answers_are_complete_rankings() -> None:
    samples = Samples(random.Random(3))
    for _ in range(20):
        posted, other = type_of(RANKING).sample_answer(RANKING, samples)
        parsed = parse(RANKING, posted)
        assert other is None and missing(RANKING, parsed) is None
        assert sorted(parsed["prioriteiten"].value.values()) == [1, 2, 3, 4]


def test_describe_and_form_values() -> None:
    value = {"wonen": 3, "werk": 1, "ontmoeting": 2}
    assert describe(RANKING, value) == "1. Werk; 2. Ontmoeting; 3. Wonen"
    assert to_form(RANKING, value) == {"wonen": "3", "werk": "1", "ontmoeting": "2"}


def test_conditions_compare_the_rank_of_one_choice() -> None:
    waarom = MODEL.question("beleid", "waarom")
    first = {"q.beleid.prioriteiten.ontmoeting": 1}
    assert evaluate(waarom.relevant, first) is True
    assert evaluate(waarom.relevant, {"q.beleid.prioriteiten.ontmoeting": 2}) is False
    assert evaluate(waarom.relevant, {}) is False  # not ranked: no value


def test_codebook_has_a_rank_variable_per_choice() -> None:
    variables = {v.name: v for v in codebook(MODEL)}
    assert [n for n in variables if n.startswith("beleid.prioriteiten")] == [
        "beleid.prioriteiten.wonen", "beleid.prioriteiten.werk",
        "beleid.prioriteiten.onderwijs", "beleid.prioriteiten.ontmoeting",
    ]  # fmt: skip
    wonen = variables["beleid.prioriteiten.wonen"]
    assert wonen.type == "rank" and wonen.question_type == "ranking"
    assert wonen.label.get() == "Rangschik deze thema's naar belang voor jullie bestuur: Wonen"
    assert wonen.value_labels == ((1, "rang 1"), (2, "rang 2"), (3, "rang 3"), (4, "rang 4"))
    assert "actie[5].doelen.kennis" in variables


# --------------------------------------------------------------------------- portal


def _coordinator(app: Flask, client: FlaskClient, code: str = "S01") -> int:
    with app.app_context():
        q = factory.load_questionnaire(FIXTURE)
        respondent = factory.respondent(q, code, items={"actions": ["2", "5"]})
        link = factory.link(respondent)
        respondent_id = respondent.id
    client.get(link)
    return respondent_id


def _stored(app: Flask, respondent_id: int, section: str, item: str, key: str) -> Any:
    with app.app_context():
        return response_state.load_state(db.session.get(Respondent, respondent_id)).stored(
            section, item, key
        )


def _selected(html: str, name: str) -> str | None:
    """The selected option of the select ``name``."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert select, name
    chosen = re.search(r'<option selected value="([^"]*)"', select.group(1))
    return chosen.group(1) if chosen else None


def test_portal_renders_a_labelled_select_per_choice(app: Flask, client: FlaskClient) -> None:
    _coordinator(app, client)
    html = client.get(PAGE).get_data(as_text=True)
    assert "<legend>Rangschik deze thema&#39;s naar belang voor jullie bestuur" in html
    assert '<label for="prioriteiten__wonen">Wonen</label>' in html
    select = re.search(r'<select id="prioriteiten__wonen" name="prioriteiten__wonen">(.*?)'
                       r"</select>", html, re.DOTALL)  # fmt: skip
    assert select, html
    assert re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) == ["", "1", "2", "3", "4"]
    assert ">geen rang</option>" in select.group(1)
    assert 'aria-describedby="help-prioriteiten"' in html


def test_portal_keeps_flags_and_saves_a_ranking(app: Flask, client: FlaskClient) -> None:
    respondent_id = _coordinator(app, client)

    # The same rank twice: saved as typed, flagged, and shown again as typed.
    saved = post_page(client, PAGE, _ranks(wonen=1, werk=1))
    assert saved.status_code == 302
    stored = _stored(app, respondent_id, "beleid", "", "prioriteiten")
    assert (stored.value, stored.is_valid) == ({"wonen": 1, "werk": 1}, False)
    html = client.get(PAGE).get_data(as_text=True)
    assert "Geef elke rang maar één keer." in html
    assert _selected(html, "prioriteiten__wonen") == "1" == _selected(html, "prioriteiten__werk")
    assert _selected(html, "prioriteiten__onderwijs") is None

    # "Volgende" with a partial ranking: kept, but every choice must be ranked.
    partial = post_page(client, PAGE, _ranks(wonen=1, werk=2), action="volgende")
    assert partial.status_code == 200
    assert "Geef elke keuze een rang." in partial.get_data(as_text=True)
    gap = post_page(client, PAGE, _ranks(wonen=1, werk=3), action="volgende")
    assert "Sla geen rang over" in gap.get_data(as_text=True)

    # A complete ranking; with ontmoeting first, the follow-up question appears.
    assert "Waarom staat ontmoeting bovenaan?" not in client.get(PAGE).get_data(as_text=True)
    done = post_page(client, PAGE, _ranks(ontmoeting=1, wonen=2, werk=3, onderwijs=4),
                     action="volgende")  # fmt: skip
    assert done.status_code == 302 and done.headers["Location"] == f"{BASE}/p/actie/2"
    stored = _stored(app, respondent_id, "beleid", "", "prioriteiten")
    assert stored.value == {"wonen": 2, "werk": 3, "onderwijs": 4, "ontmoeting": 1}
    assert stored.is_valid

    # Resumed later: the ranks are selected as saved.
    html = client.get(PAGE).get_data(as_text=True)
    assert _selected(html, "prioriteiten__ontmoeting") == "1"
    assert _selected(html, "prioriteiten__onderwijs") == "4"
    assert "Waarom staat ontmoeting bovenaan?" in html
    post_page(client, PAGE, {**_ranks(ontmoeting=1, wonen=2, werk=3, onderwijs=4),
                             "waarom": "Wij zijn een dorp."})  # fmt: skip
    assert _stored(app, respondent_id, "beleid", "", "waarom").value == "Wij zijn een dorp."

    # An optional ranking in a repeated section may stay empty or rank only the first.
    post_page(client, f"{BASE}/p/actie/2", {"doelen__kennis": "1"})
    assert _stored(app, respondent_id, "actie", "2", "doelen").value == {"kennis": 1}

    summary = client.get(f"{BASE}/overzicht").get_data(as_text=True)
    assert "1. Ontmoeting; 2. Wonen; 3. Werk; 4. Onderwijs" in summary
    assert "1. Meer kennis" in summary

    token = csrf_token(client, f"{BASE}/overzicht")
    assert (
        client.post(f"{BASE}/indienen", data={"csrf_token": token, "confirm": "ja"}).status_code
        == 302
    )
    read_only = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'<select disabled id="prioriteiten__wonen"', read_only), read_only


# --------------------------------------------------------------------------- export, import


@pytest.fixture
def ranked(app: Flask) -> dict[str, int]:
    """Two submitted responses with rankings, and a draft."""
    with app.app_context():
        q = factory.load_questionnaire(FIXTURE)
        ids = {}
        answers = {
            "S01": ({"ontmoeting": "1", "wonen": "2", "werk": "3", "onderwijs": "4"},
                    {"kennis": "1", "netwerk": "2", "bereik": "3"}),
            "S02": ({"wonen": "1", "ontmoeting": "2", "onderwijs": "3", "werk": "4"},
                    {"netwerk": "1"}),
        }  # fmt: skip
        for code, (ranking, goals) in answers.items():
            respondent = factory.respondent(q, code, kind="stad", items={"actions": ["5"]})
            for section, item, posted in (("beleid", None, {"prioriteiten": (ranking, None)}),
                                          ("actie", "5", {"doelen": (goals, None)})):  # fmt: skip
                state = response_state.load_state(respondent)
                outcome = responses.save_page(
                    respondent, section, item, posted, state.revision, "t"
                )
                assert outcome.status == "saved" and not outcome.problems
            assert responses.submit(respondent, "test").status == "submitted"
            ids[code] = respondent.id
        return ids


def _workbook(app: Flask) -> Any:
    buffer = io.BytesIO()
    with app.app_context():
        q = db.session.scalar(select(Questionnaire))
        export.write(q, buffer, "xlsx", export.ExportOptions())
    return buffer.getvalue()


def _rows(sheet: Any) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def test_export_has_a_rank_column_per_choice(app: Flask, ranked: dict[str, int]) -> None:
    workbook = load_workbook(io.BytesIO(_workbook(app)))
    rows = _rows(workbook["Antwoorden"])
    header = rows[0]
    table = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    by_first = {r["beleid.prioriteiten.ontmoeting"]: r for r in table}
    assert by_first[1]["beleid.prioriteiten.wonen"] == 2
    assert by_first[1]["beleid.prioriteiten.onderwijs"] == 4
    assert by_first[2]["beleid.prioriteiten.werk"] == 4
    assert by_first[1]["actie[5].doelen.kennis"] == 1 and by_first[1]["actie[5].doelen.bereik"] == 3
    assert by_first[2]["actie[5].doelen.netwerk"] == 1
    assert by_first[2]["actie[5].doelen.kennis"] is None  # not ranked
    assert by_first[2]["actie[2].doelen.kennis"] is None  # not this respondent's action

    per_action = _rows(workbook["Per actie"])
    assert per_action[0] == ("code", "item", "item_titel", "doelen.bereik", "doelen.netwerk",
                             "doelen.kennis")  # fmt: skip
    assert sorted((r[3:] for r in per_action[1:]), key=str) == [(3, 2, 1), (None, 1, None)]

    tables = frequency_tables(workbook["Frequenties"])
    wonen = tables["beleid.prioriteiten.wonen"]
    assert [line[:5] for line in wonen.lines] == [
        (1, "rang 1", 1, 0.5, 2), (2, "rang 2", 1, 0.5, 2), (3, "rang 3", 0, 0, 2),
        (4, "rang 4", 0, 0, 2), (None, "gemiddelde rang", 1.5, None, 2),
    ]  # fmt: skip
    assert wonen.title == "Rangschik deze thema's naar belang voor jullie bestuur: Wonen (n = 2)"
    assert tables["actie[5].doelen.netwerk"].lines[-1][1:3] == ("gemiddelde rang", 1.5)

    codebook_rows = {r[0]: r for r in _rows(workbook["Codeboek"])}
    assert codebook_rows["beleid.prioriteiten.werk"][2] == "rank"
    assert codebook_rows["beleid.prioriteiten.werk"][3] == (
        "1 = rang 1; 2 = rang 2; 3 = rang 3; 4 = rang 4"
    )


def test_import_reads_the_ranks_back(app: Flask, ranked: dict[str, int]) -> None:
    data = _workbook(app)
    with app.app_context():
        respondent = db.session.get(Respondent, ranked["S01"])
        before = response_state.load_state(respondent).answers
        db.session.delete(respondent.response)
        db.session.commit()
        report = import_responses.import_workbook(db.session.scalar(select(Questionnaire)), data)
        assert report.problems == [] and report.imported == 2
        after = response_state.load_state(db.session.get(Respondent, ranked["S01"]))
        assert (
            after.value("beleid", "", "prioriteiten")
            == before[("beleid", "", "prioriteiten")].value
            == {"ontmoeting": 1, "wonen": 2, "werk": 3, "onderwijs": 4}
        )
        assert after.value("actie", "5", "doelen") == {"kennis": 1, "netwerk": 2, "bereik": 3}


def test_import_reports_bad_ranks_by_column(app: Flask, ranked: dict[str, int]) -> None:
    workbook = load_workbook(io.BytesIO(_workbook(app)))
    sheet = workbook["Antwoorden"]
    header = [c.value for c in sheet[1]]
    sheet.cell(2, header.index("beleid.prioriteiten.werk") + 1, 9)
    sheet.cell(3, header.index("beleid.prioriteiten.werk") + 1, 1)
    sheet.cell(3, header.index("beleid.prioriteiten.wonen") + 1, 1)
    sheet.cell(3, header.index("beleid.prioriteiten.ontmoeting") + 1, 1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with app.app_context():
        report = import_responses.import_workbook(db.session.scalar(select(Questionnaire)),
                                                  buffer.getvalue())  # fmt: skip
    assert not report.written
    problems = {(p.row, p.column): p.message for p in report.problems}
    assert problems == {
        (2, "beleid.prioriteiten.werk"): "gebruik een rang van 1 tot en met 4",
        (3, "beleid.prioriteiten.wonen"): "Geef elke rang maar één keer.",
    }
