"""Typed input into stored values: limits that keep every valid answer exportable."""

from __future__ import annotations

from intake.questionnaire import load_text
from intake.questionnaire.types import parse

TEXT = """\
id: t
version: 1
title: T
sections:
  - id: s
    title: S
    questions:
      - id: vrij
        type: textarea
        label: Vrij
"""


def test_text_longer_than_an_excel_cell_is_flagged_and_kept() -> None:
    """No valid answer exceeds Excel's 32,767 characters, so the export never cuts one."""
    question = load_text(TEXT).questionnaire.question("s", "vrij")
    assert parse(question, "x" * 32_767)["vrij"].value == "x" * 32_767
    too_long = parse(question, "x" * 32_768)["vrij"]
    assert too_long.raw == "x" * 32_768 and too_long.value is None
    assert too_long.problem is not None and too_long.problem.params["max"] == 32_767


NUMBER = TEXT.replace("type: textarea", "type: number")


def test_numbers_beyond_fifteen_digits_are_flagged_and_kept() -> None:
    """Excel keeps 15 significant digits (and SQLite stores larger integers as floats):
    a longer number would change unnoticed, so it is kept as typed and flagged."""
    question = load_text(NUMBER).questionnaire.question("s", "vrij")
    valid = [("999999999999999", 999999999999999), ("-3,14159265358979", -3.14159265358979),
             ("0,000000000000000001", 1e-18), ("1.250,5", 1250.5)]  # fmt: skip
    for typed, value in valid:
        assert parse(question, typed)["vrij"].value == value, typed
    for typed in ["1234567890123456789012345678901234567890", "1000000000000000",
                  "0,1234567890123456", "999999999999999,5"]:  # fmt: skip
        parsed = parse(question, typed)["vrij"]
        assert parsed.raw == typed and parsed.value is None, typed
        assert parsed.problem is not None and parsed.problem.code == "too_many_digits"
