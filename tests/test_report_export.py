"""The export as a report writer reads it, on the demo data (the questionnaire's own
generator): formats, charts, the figures per item against the raw answers, quotes."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Respondent, RespondentItem, Response
from intake.questionnaire import repeat_items
from intake.services import demo, export, questionnaires
from intake.services.questionnaires import live_version, model_of
from intake.services.report_figures import without_item
from tests.support.workbook import frequency_tables, rows

EMU_PER_CM = 360_000
POINT_CM = 2.54 / 72


@pytest.fixture
def demo_workbook(app: Flask) -> Any:
    with app.app_context():
        demo.load()
        buffer = io.BytesIO()
        export.write(questionnaires.get_by_slug("plan-samenleven-2025"), buffer)
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _labels(app: Flask) -> set[str]:
    """Every label a question of the plan can have: per item, and for all items."""
    with app.app_context():
        model = model_of(live_version(questionnaires.get_by_slug("plan-samenleven-2025")))
    labels = set()
    for section in model.sections:
        items = repeat_items(model, section) if section.repeat_for else [(None, None)]
        for question in section.questions:
            labels.add(without_item(question.label.get()))
            for code, title in items:
                if code is not None and "{item." in question.label.get():
                    labels.add(question.label.format_item(code, title.get()).get())
                elif code is not None:  # the item named after the label, as its page is titled
                    page = section.title.format_item(code, title.get()).get()
                    labels.add(f"{question.label.get()} – {page}")
                else:
                    labels.add(question.label.get())
    return labels


def test_every_percentage_has_a_percent_format(demo_workbook: Any) -> None:
    checked = 0
    frequencies = demo_workbook["Frequenties"]
    column = [c.value for c in frequencies[1]].index("percentage")
    for row in frequencies.iter_rows(min_row=2):
        if isinstance(row[column].value, int | float):
            assert row[column].number_format == "0%", row[column].coordinate
            checked += 1
    percent_columns: set[int] = set()
    for row in demo_workbook["Overzicht"].iter_rows():
        if row[0].font.b and all(isinstance(c.value, str | None) for c in row):
            # the header of one of its small tables
            percent_columns = {c.column for c in row if c.value == "Responsgraad"}
            continue
        for cell in row:
            if cell.column in percent_columns and isinstance(cell.value, int | float):
                assert cell.number_format == "0%", cell.coordinate
                checked += 1
    summary = demo_workbook["Samenvatting per item"]
    what = [c.value for c in summary[2]]
    counts = {"code", "titel", "indieners", "respondenten", "door indieners",
              "door respondenten", "n", "van", "gemiddelde"}  # fmt: skip
    for row in summary.iter_rows(min_row=3):
        for cell, label in zip(row, what, strict=False):
            if isinstance(cell.value, int | float):
                expected = (
                    "0.0" if label == "gemiddelde" else "General" if label in counts else "0%"
                )
                assert cell.number_format == expected, cell.coordinate
                checked += expected == "0%"
    overall = demo_workbook["Samenvatting"]
    for row in overall.iter_rows(min_row=2):
        if isinstance(row[2].value, float) and row[1].value != "gemiddelde":
            assert row[2].number_format == "0%", row[2].coordinate
            checked += 1
    assert checked > 500


def _row_tops(sheet: Any, last: int) -> list[float]:
    """The top of each row in cm (index 1 = row 1), from the heights the sheet sets."""
    tops = [0.0, 0.0]
    for number in range(1, last + 1):
        height = sheet.row_dimensions[number].height if number in sheet.row_dimensions else None
        tops.append(tops[-1] + (height or 15) * POINT_CM)
    return tops


def _column_lefts(sheet: Any, last: int) -> list[float]:
    lefts = [0.0, 0.0]
    for number in range(1, last + 1):
        width = sheet.column_dimensions[get_column_letter(number)].width or 8.43
        lefts.append(lefts[-1] + (width * 7 + 5) / 96 * 2.54)
    return lefts


def _title(chart: Any) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def test_charts_sit_beside_their_tables_and_never_overlap(app: Flask, demo_workbook: Any) -> None:
    sheet = demo_workbook["Frequenties"]
    charts = sheet._charts
    tables = frequency_tables(sheet)
    charted = [t for t in tables.values() if t.lines[0][4]]  # n > 0
    assert len(charts) == len(charted) > 40
    tops = _row_tops(sheet, sheet.max_row + 200)
    lefts = _column_lefts(sheet, 60)
    boxes = []
    for chart in charts:
        anchor = chart.anchor
        row, column = anchor._from.row + 1, anchor._from.col + 1
        top, left = tops[row], lefts[column]
        boxes.append((top, top + anchor.ext.height / EMU_PER_CM,
                      left, left + anchor.ext.width / EMU_PER_CM, _title(chart), row))  # fmt: skip
        assert column > 8  # right of the table's columns, never over them
    for index, a in enumerate(boxes):
        for b in boxes[index + 1 :]:
            overlap = a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]
            assert not overlap, (a[4], b[4])
    # Each chart starts at its table's caption and is titled with the question and n.
    by_row = {t.first_row: t for t in charted}
    labels = _labels(app)
    for *_, title, row in boxes:
        table = by_row[row]
        assert title == table.title
        match = re.fullmatch(r"(.+?)(?: – alle items samen \(gepoold, n = \d+ antwoorden\)"
                             r"| \(n = \d+\))", title)  # fmt: skip
        assert match and match.group(1) in labels, title
    values = charts[0].y_axis
    assert (values.scaling.min, values.scaling.max, values.numFmt.formatCode) == (0, 1, "0%")
    assert charts[0].dataLabels.showVal and charts[0].type == "bar"


def test_summary_per_item_matches_the_answers(app: Flask, demo_workbook: Any) -> None:
    """One row per surveyed action: n, % top 2 and % per option as counted from the
    Antwoorden sheet, and the registry's figures as counted in the database."""
    answers = rows(demo_workbook["Antwoorden"])
    header = answers[0]
    table = [dict(zip(header, r, strict=True)) for r in answers[1:]]
    summary = rows(demo_workbook["Samenvatting per item"])
    groups, what = summary[0], summary[1]
    with app.app_context():
        q = questionnaires.get_by_slug("plan-samenleven-2025")
        model = model_of(live_version(q))
        surveyed = [i.code for i in model.catalogues["actions"].surveyed]
        linked = dict(db.session.execute(
            select(RespondentItem.code, func.count()).join(Respondent)
            .where(Respondent.questionnaire_id == q.id).group_by(RespondentItem.code)
        ).all())  # fmt: skip
        submitted = dict(db.session.execute(
            select(RespondentItem.code, func.count()).join(Respondent).join(Response)
            .where(Respondent.questionnaire_id == q.id, Response.status == "submitted")
            .group_by(RespondentItem.code)
        ).all())  # fmt: skip
        options = model.question("actie", "cofinanciering").choices
    assert [r[0] for r in summary[2:]] == surveyed
    scale_group = "Hoe succesvol was deze actie in je bestuur?"
    start = groups.index(scale_group)
    assert what[start : start + 4] == ("n", "van", "top 2: zeer succesvol of succesvol",
                                        "gemiddelde")  # fmt: skip
    options_start = start + 4
    assert what[options_start : options_start + 2] == ("n", "van")
    option_labels = list(what[options_start + 2 : options_start + 2 + len(options) + 1])
    assert option_labels[-1] == "Iets anders"  # by share, "other" last
    assert set(option_labels[:-1]) == {c.label.get() for c in options}
    rows_seen = 0
    for row in summary[2:]:
        code = row[0]
        values = [r[f"actie[{code}].succes"] for r in table if r[f"actie[{code}].succes"]]
        asked = sum(1 for r in table if r[f"organisatie.acties.{code}"] == 1)
        assert row[2:4] == (linked.get(code, 0), submitted.get(code, 0)), code
        assert row[start : start + 2] == (len(values), asked), code
        if values:
            top = sum(1 for v in values if v >= 4) / len(values)
            assert row[start + 2] == pytest.approx(top)
            assert row[start + 3] == pytest.approx(sum(values) / len(values))
            chosen = Counter()
            answered = 0
            for r in table:
                if r[f"actie[{code}].cofinanciering.other"] is not None:
                    answered += 1
                    for choice in [*options, None]:
                        value = choice.value if choice else "other"
                        chosen[value] += r[f"actie[{code}].cofinanciering.{value}"]
            assert row[options_start] == answered
            by_label = {c.label.get(): c.value for c in options} | {"Iets anders": "other"}
            for index, label in enumerate(option_labels):
                share = row[options_start + 2 + index]
                assert share == pytest.approx(chosen[by_label[label]] / answered), (code, label)
            rows_seen += 1
        else:
            assert row[start + 2] is None
    assert rows_seen >= 15
    # The pooled table counts answers over all actions, not respondents.
    pooled = frequency_tables(demo_workbook["Frequenties"])["actie[*].succes"]
    every = [r[name] for r in table for name in header
             if re.fullmatch(r"actie\[\d+\]\.succes", name) and r[name]]  # fmt: skip
    assert pooled.lines[0][4] == len(every) > len(table)


def test_no_identifying_answer_is_quoted(app: Flask, demo_workbook: Any) -> None:
    quotes = rows(demo_workbook["Open antwoorden"])
    assert quotes[0][3] == "code" and len(quotes) > 100
    with app.app_context():
        model = model_of(live_version(questionnaires.get_by_slug("plan-samenleven-2025")))
        names = {r[0] for r in db.session.execute(select(Respondent.name))}
    forbidden = {
        f"{section.id}.{question.id}"
        for section in model.sections
        for question in section.questions
        if question.identifying or question.prefill or question.type == "email"
    }
    assert "organisatie.contact_functie" in forbidden
    quoted = {re.sub(r"\[[^]]*\]", "", r[6]).rsplit(".other_text", 1)[0] for r in quotes[1:]}
    assert quoted and not quoted & forbidden
    assert not {v for r in quotes for v in r} & (names | set(demo.JOB_TITLES))
    assert {r[4] for r in quotes[1:]} <= {"Centrumstad", "Stad", "Gemeente", "IGS"}
    assert all(re.fullmatch(r"(CS|S|G|IGS)\d{2}", r[3]) for r in quotes[1:])
    items = [r[0] for r in quotes[1:] if r[0] is not None]
    assert items == sorted(items, key=int)  # by item, then question
