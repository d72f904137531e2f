"""The draft report (.docx) as VVSG opens it: read back with python-docx, on the demo data."""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

import pytest
from docx import Document
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Answer, Contact, Respondent, Response
from intake.questionnaire import repeat_items
from intake.services import demo, export, questionnaires
from intake.services.questionnaires import live_version, model_of
from tests.support.workbook import rows

SLUG = "plan-samenleven-2025"


def _export(app: Flask, fmt: export.Format, **options: Any) -> bytes:
    with app.app_context():
        buffer = io.BytesIO()
        export.write(questionnaires.get_by_slug(SLUG), buffer, fmt,
                     export.ExportOptions(**options))  # fmt: skip
        return buffer.getvalue()


@pytest.fixture
def demo_report(app: Flask) -> Any:
    with app.app_context():
        demo.load()
    return Document(io.BytesIO(_export(app, "docx")))


# The writer reads figures, not the database: one backend is enough (the demo is slow).
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _chapters(document: Any) -> dict[str, list[str]]:
    """The text of every paragraph and table cell under each Heading 2, in order."""
    chapters: dict[str, list[str]] = {}
    current: list[str] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            style = (
                child.pPr.pStyle.val
                if child.pPr is not None and child.pPr.pStyle is not None
                else ""
            )
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if style == "Heading2":
                current = chapters.setdefault(text, [])
            else:
                current.append(text)
        elif tag == "tbl":
            current += ["".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                        for cell in child.iter() if cell.tag.endswith("}tc")]  # fmt: skip
    return chapters


def test_a_chapter_per_item_with_its_n_and_its_quotes(app: Flask, demo_report: Any) -> None:
    with app.app_context():
        model = model_of(live_version(questionnaires.get_by_slug(SLUG)))
        section = model.section("actie")
        assert section is not None
        items = [(code, title.get()) for code, title in repeat_items(model, section)]
        answered = dict(db.session.execute(
            select(Answer.item, func.count()).join(Response)
            .where(Answer.section == "actie", Answer.question == "succes",
                   Response.status == "submitted")
            .group_by(Answer.item)
        ).all())  # fmt: skip
    headings = [(p.style.name, p.text) for p in demo_report.paragraphs
                if p.style.name.startswith("Heading")]  # fmt: skip
    assert ("Heading 1", "Respons") in headings and ("Heading 1", "Algemene vragen") in headings
    chapters = _chapters(demo_report)
    titles = [section.title.format_item(code, title).get() for code, title in items]
    assert [text for style, text in headings if style == "Heading 2" and text in chapters
            and text.startswith("Actie ")] == titles  # fmt: skip
    assert len(items) > 10 and sum(answered.values()) > 100
    for (code, _), title in zip(items, titles, strict=True):
        n = answered.get(code, 0)
        assert chapters[title][0].startswith(f"n = {n}: beantwoord door {n} van de "), title
        # The chapter's heading names the item; nothing under it repeats it.
        assert not [text for text in chapters[title] if title in text], title

    # Every quote of the workbook's "Open antwoorden" stands in its item's chapter, with
    # its code; the general ones after the chapters.
    quotes = rows(load_workbook(io.BytesIO(_export(app, "xlsx")))["Open antwoorden"])[1:]
    assert len(quotes) > 100
    by_title = dict(zip((code for code, _ in items), titles, strict=True))
    expected: Counter[tuple[str, str]] = Counter()
    for item, _, _, code, _, text, _ in quotes:
        expected[(by_title[item] if item else "", f"“{text}” – {code}")] += 1
    found: Counter[tuple[str, str]] = Counter()
    for title, texts in chapters.items():
        key = title if title in by_title.values() else ""
        for text in texts:
            if re.fullmatch(r"“.*” – (CS|S|G|IGS)\d{2}", text, re.S):
                found[(key, text)] += 1
    assert found == expected


def test_no_identifying_answer_anywhere(app: Flask, demo_report: Any) -> None:
    with app.app_context():
        names = set(db.session.scalars(select(Respondent.name)))
        emails = set(db.session.scalars(select(Contact.email)))
        contacts = set(db.session.scalars(select(Contact.name)))
    # Not even when the export is asked with identities: a report quotes by code only.
    asked = Document(io.BytesIO(_export(app, "docx", with_identities=True, include_drafts=True)))
    for document in (demo_report, asked):
        texts = [p.text for p in document.paragraphs]
        texts += [cell.text for table in document.tables for row in table.rows
                  for cell in row.cells]  # fmt: skip
        whole = "\n".join(texts)
        assert len(whole) > 10_000
        for secret in names | emails | contacts | set(demo.JOB_TITLES):
            assert secret not in whole, secret
        assert "Gemeente" in whole and "IGS" in whole  # kinds are figures, not identities


def test_headings_and_table_of_contents_work_in_word(demo_report: Any) -> None:
    xml = demo_report.element.xml
    assert 'TOC \\o "1-2"' in xml and 'w:fldCharType="begin"' in xml
    assert 'w:updateFields w:val="true"' in demo_report.settings.element.xml
    styles = {p.style.name for p in demo_report.paragraphs}
    assert {"Title", "Heading 1", "Heading 2", "Heading 3", "Quote", "TOC 1"} <= styles
    assert len(demo_report.tables) > 30
