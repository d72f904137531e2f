"""The codebook names every export variable, in order, with labels and value labels."""

from __future__ import annotations

from pathlib import Path

from intake.questionnaire import codebook, load_file, load_text

ROOT = Path(__file__).resolve().parents[2]

SMALL = """
id: cb
version: 1
title: Codeboek
items:
  actions:
    - {code: 2, title: Polarisatie}
    - {code: 4, title: Zomerscholen, surveyed: false}
    - {code: 5, title: Oefenkansen}
sections:
  - id: org
    title: Organisatie
    questions:
      - {id: naam, type: text, label: Naam}
      - id: acties
        type: multiple_choice
        label: Acties
        choices: actions
        other: true
      - {id: info, type: note, label: Alleen tekst}
      - id: type
        type: single_choice
        label: Type
        choices: [{value: stad, label: Stad}, {value: gemeente, label: Gemeente}]
        other: Iets anders
  - id: per
    title: "Actie {item.code}"
    repeat_for: q.org.acties
    questions:
      - id: succes
        type: scale
        label: "Succes van {item.title}?"
        choices: [{value: 1, label: Laag}, {value: 2, label: Hoog}]
      - id: oordeel
        type: matrix
        label: Oordeel
        choices: [{value: 1, label: Laag}, {value: 2, label: Hoog}]
        rows: [{id: inhoud, label: Inhoud}, {id: vorm, label: Vorm}]
"""


def test_variable_names_order_and_labels() -> None:
    variables = codebook(load_text(SMALL).questionnaire)
    assert [v.name for v in variables] == [
        "org.naam",
        "org.acties.2",
        "org.acties.4",
        "org.acties.5",
        "org.acties.other",
        "org.acties.other_text",
        "org.type",
        "org.type.other_text",
        # Action 4 is not surveyed: never repeated.
        "per[2].succes",
        "per[2].oordeel.inhoud",
        "per[2].oordeel.vorm",
        "per[5].succes",
        "per[5].oordeel.inhoud",
        "per[5].oordeel.vorm",
    ]
    by_name = {v.name: v for v in variables}
    assert by_name["org.acties.5"].type == "option"
    assert by_name["org.acties.5"].label.get() == "Acties: Oefenkansen"
    assert by_name["org.acties.5"].value_labels == ((0, "niet gekozen"), (1, "gekozen"))
    assert by_name["org.acties.other"].label.get() == "Acties: Andere"
    assert by_name["org.type"].value_labels == (
        ("stad", "Stad"), ("gemeente", "Gemeente"), ("other", "Iets anders"),
    )  # fmt: skip
    assert by_name["per[5].succes"].label.get() == "Succes van Oefenkansen?"
    assert by_name["per[5].succes"].item == "5"
    assert by_name["per[2].oordeel.vorm"].type == "matrix_row"
    assert by_name["per[2].oordeel.vorm"].value_labels == ((1, "Laag"), (2, "Hoog"))


def test_plan_samenleven_has_a_block_per_surveyed_action() -> None:
    variables = codebook(load_file(ROOT / "questionnaires/plan-samenleven-2025.yaml").questionnaire)
    names = [v.name for v in variables]
    assert len(names) == len(set(names)), "variable names must be unique"
    items = {v.item for v in variables if v.section == "actie"}
    assert items == {str(n) for n in range(1, 25)} - {"1", "3", "4", "12"}
    assert "actie[5].succes" in names
    assert "actie[5].cofinanciering.niet_opgestart" in names
    assert "actie[5].cofinanciering.other_text" in names
    assert "zonder_cofinanciering.acties.12" in names  # all 24 actions offered here
    assert "agii.zelf_beheren" in names
    assert not any(v.question == "bedankt" for v in variables)  # notes have no variable
