"""The condition language: parsing, checking against a questionnaire, evaluating, and
refusing everything that could reach Python."""

from __future__ import annotations

import json

import pytest

from intake.questionnaire import DefinitionErrors, load_text
from intake.questionnaire.conditions import ConditionError, evaluate, parse

BASE = """
id: c
version: 1
title: Condities
choice_lists:
  ja_nee: [{value: ja, label: Ja}, {value: nee, label: Nee}]
  schaal: [{value: 1, label: Slecht}, {value: 2, label: Matig}, {value: 3, label: Goed}]
items:
  actions:
    - {code: 2, title: Polarisatie}
    - {code: 5, title: Oefenkansen}
sections:
  - id: s
    title: S
    questions:
      - {id: janee, type: single_choice, label: J, choices: ja_nee}
      - {id: aantal, type: number, label: N}
      - {id: score, type: scale, label: Sc, choices: schaal}
      - {id: datum, type: date, label: D}
      - {id: naam, type: text, label: T}
      - {id: keuzes, type: multiple_choice, label: M, choices: actions, other: true}
      - id: mat
        type: matrix
        label: Mat
        choices: schaal
        rows: [{id: r1, label: R1}, {id: r2, label: R2}]
  - id: per
    title: "Actie {item.code}"
    repeat_for: actions
    questions:
      - {id: succes, type: scale, label: Succes, choices: schaal}
      - id: x
        type: text
        label: X
        relevant: RELEVANT
"""


RELEVANT_LINE = BASE.splitlines().index("        relevant: RELEVANT") + 1


def check(condition: str) -> None:
    """Load a questionnaire whose last question uses ``condition``."""
    # A JSON string is a valid YAML double-quoted scalar.
    load_text(BASE.replace("RELEVANT", json.dumps(condition)))


def error_of(condition: str) -> str:
    with pytest.raises(DefinitionErrors) as caught:
        check(condition)
    (error,) = caught.value.errors
    assert error.line == RELEVANT_LINE
    return error.message


@pytest.mark.parametrize(
    "condition",
    [
        "q.s.janee == 'ja'",
        "q.s.janee != 'nee' and q.s.aantal >= 3",
        "q.s.aantal < 2.5 or not (q.s.score > 1)",
        "q.s.score in [1, 2]",
        "q.s.janee not in ['nee']",
        "'5' in q.s.keuzes",
        "'other' not in q.s.keuzes",
        "q.s.datum >= '2025-01-01'",
        "q.s.mat.r1 == 3",
        "item.code in ['2', '5'] and q.per.succes <= 2",
        "respondent.kind == 'igs' or respondent.province == 'Limburg'",
        'q.s.naam == "Gent"',
        "((q.s.aantal == -1))",
    ],
)
def test_valid_conditions_pass(condition: str) -> None:
    check(condition)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("q.s.onbekend == 1", "section 's' has no question 'onbekend'"),
        ("q.t.a == 1", "there is no section 't'"),
        ("q.per.x == 'a'", "refers to a later question"),
        ("q.s.aantal == 'veel'", "holds a number"),
        ("q.s.janee == 1", "holds text; write '1' in quotes"),
        ("q.s.janee == 'misschien'", "'misschien' is not a possible value of q.s.janee"),
        ("q.s.score == 7", "7 is not a possible value of q.s.score"),
        ("q.s.naam > 'a'", "'>' needs numbers or dates"),
        ("q.s.keuzes == '5'", "is a multiple-choice answer"),
        ("'99' in q.s.keuzes", "'99' is not a possible value of q.s.keuzes"),
        ("q.s.datum > 'gisteren'", "compare it with 'YYYY-MM-DD'"),
        ("q.s.mat == 1", "is a matrix; name one of its rows"),
        ("q.s.mat.r9 == 1", "the matrix has no row 'r9'"),
        ("item.code == 5", "holds text; write '5' in quotes"),
        ("respondent.kind == 'dorp'", "'dorp' is not a possible value of respondent.kind"),
        ("respondent.email == 'x'", "the respondents have no attribute 'email'"),
        ("q.s.janee", "alone is not a condition"),
        ("q.s.janee = 'ja'", "write == to compare"),
        ("q.s.janee == 'ja' and", "expected a value but found the end"),
        ("(q.s.janee == 'ja'", "expected ')'"),
        ("", "the condition is empty"),
        ("1 == 1", "compare a question or item with a value"),
        ("q.s.aantal == q.s.naam", "cannot compare q.s.aantal (number) with q.s.naam (text)"),
    ],
)
def test_invalid_conditions_are_rejected_at_check_time(condition: str, message: str) -> None:
    assert message in error_of(condition)


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("__import__('os') == 0", "calls are not allowed"),
        ("__import__('os').system('id') == 0", "attribute access is not allowed"),
        ("q.s.naam.__class__ == 'x'", "names cannot be empty or start with '_'"),
        ("__builtins__ == 1", "names cannot be empty or start with '_'"),
        ("q.s.naam.upper() == 'X'", "calls are not allowed"),
        ("open('/etc/passwd') == 1", "calls are not allowed"),
        ("q.s.aantal == 9**999999999", "they do no arithmetic"),
        ("q.s.aantal == 2 ** 100", "they do no arithmetic"),
        ("q.s.aantal == 1e999999", "exponent notation is not allowed"),
        ("q.s.aantal == 10 * 10", "they do no arithmetic"),
        ("q.s.aantal == [x for x in ()]", "a list holds only strings and numbers"),
        ("lambda: 1 == 1", "unexpected character ':'"),
        ("q.s.aantal == {}", "unexpected character '{'"),
        ("q.s.naam == f'{1}'", "unexpected ''{1}''"),
        ("getattr(q, 'x') == 1", "calls are not allowed"),
        ("q.s.naam == 'a'; import os", "unexpected character ';'"),
    ],
)
def test_attempts_to_reach_python_are_rejected(condition: str, message: str) -> None:
    assert message in error_of(condition)


def test_deep_nesting_and_long_conditions_are_bounded() -> None:
    with pytest.raises(ConditionError, match="nests deeper"):
        parse("(" * 100 + "q.s.a == 1" + ")" * 100)
    with pytest.raises(ConditionError, match="nests deeper"):
        parse("not " * 100 + "q.s.a == 1")
    with pytest.raises(ConditionError, match="longer than"):
        parse("q.s.a == 1 or " * 1000 + "q.s.a == 2")


ANSWERS = {
    "q.s.janee": "ja",
    "q.s.aantal": 4,
    "q.s.keuzes": ["2", "other"],
    "q.s.datum": "2025-03-01",
    "item.code": "5",
}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("q.s.janee == 'ja'", True),
        ("q.s.janee != 'ja'", False),
        ("q.s.aantal > 3 and q.s.aantal <= 4", True),
        ("q.s.aantal < 4.5", True),
        ("q.s.aantal == 4.0", True),
        ("'2' in q.s.keuzes", True),
        ("'5' in q.s.keuzes", False),
        ("'5' not in q.s.keuzes", True),
        ("item.code in ['2', '5']", True),
        ("not (q.s.janee == 'ja') or q.s.aantal == 1", False),
        ("q.s.datum >= '2025-01-01'", True),
        # Unanswered: every comparison is false, except != and not in.
        ("q.s.leeg == 'ja'", False),
        ("q.s.leeg != 'ja'", True),
        ("q.s.leeg > 1", False),
        ("q.s.leeg in ['a']", False),
        ("q.s.leeg not in ['a']", True),
        ("'a' in q.s.leeg", False),
    ],
)
def test_evaluation(condition: str, expected: bool) -> None:
    assert evaluate(parse(condition), ANSWERS) is expected


def test_precedence_and_binds_tighter_than_or() -> None:
    tree = parse("q.a == 1 or q.b == 1 and q.c == 1")
    values = {"q.a": 1, "q.b": 0, "q.c": 0}
    assert evaluate(tree, values) is True
    assert evaluate(parse("(q.a == 1 or q.b == 1) and q.c == 1"), values) is False
