"""Loading the real questionnaires, and what the loader guarantees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from intake.questionnaire import DefinitionErrors, load_file, load_text
from intake.questionnaire.source import MAX_NODES

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "questionnaires" / "plan-samenleven-2025.yaml"
INSPIRATIE = ROOT / "questionnaires" / "inspiratiedag-2022.yaml"


def test_plan_samenleven_follows_the_report() -> None:
    q = load_file(PLAN).questionnaire
    assert q.id == "plan-samenleven-2025" and q.languages[0] == "nl"
    assert [s.id for s in q.sections] == [
        "organisatie", "actie", "zonder_cofinanciering", "intergemeentelijk",
        "partners", "agii", "planlast", "meerwaarde", "stopzetting", "afsluiting",
    ]  # fmt: skip
    actions = q.catalogues["actions"]
    assert len(actions.items) == 24
    assert {i.code for i in actions.items if not i.surveyed} == {"1", "3", "4", "12"}

    funded = q.question("organisatie", "acties")
    assert funded.prefill == "respondent.items.actions"
    assert len(funded.choices) == 20  # only surveyed actions can be confirmed
    per_action = q.section("actie")
    assert per_action.repeat_for.question == ("organisatie", "acties")

    succes = q.question("actie", "succes")
    assert [c.label.get() for c in succes.choices] == [
        "Zeer succesvol", "Succesvol", "Neutraal", "Minder succesvol", "Onsuccesvol",
    ]  # fmt: skip
    cofin = q.question("actie", "cofinanciering")
    assert cofin.type == "multiple_choice" and cofin.other is not None
    assert "niet_opgestart" in cofin.choice_values and "voortzetting" in cofin.choice_values

    without = q.question("zonder_cofinanciering", "acties")
    assert len(without.choices) == 24  # all actions, surveyed or not
    assert q.section("intergemeentelijk").relevant is not None
    agii = q.question("agii", "zelf_beheren")
    assert agii.label.get() == (
        "Zou je bestuur de middelen voor deze ondersteuning liever zelf beheren en inzetten?"
    )
    assert agii.choice_values == ("ja", "nee", "geen_mening")


def test_inspiratiedag_repeats_per_attended_workshop() -> None:
    q = load_file(INSPIRATIE).questionnaire
    workshop = q.section("workshop")
    assert workshop.repeat_for.question == ("deelname", "workshops")
    assert (
        q.item_title(workshop, "w3").get() == "Transversaal samenwerken binnen het lokaal bestuur"
    )
    assert {qq.type for s in q.sections for qq in s.questions} >= {
        "single_choice", "multiple_choice", "scale", "matrix", "number", "textarea", "email",
        "note",
    }  # fmt: skip


def test_same_content_same_hash_whatever_the_layout() -> None:
    a = load_text(
        "id: x\nversion: 1\ntitle: T\nsections: [{id: s, title: S, questions: "
        "[{id: a, type: text, label: A}]}]\n"
    )
    b = load_text(
        "# comment\nversion: 1\nid: x\ntitle: T\nsections:\n  - id: s\n    title: S\n"
        "    questions:\n      - {id: a, label: A, type: text}\n"
    )
    c = load_text(
        "id: x\nversion: 1\ntitle: T2\nsections: [{id: s, title: S, questions: "
        "[{id: a, type: text, label: A}]}]\n"
    )
    assert a.content_hash == b.content_hash
    assert a.content_hash != c.content_hash


def test_texts_fall_back_to_the_default_language() -> None:
    q = load_file(PLAN).questionnaire
    assert q.title.get("en") == "Plan Samenleven survey – project year 3"
    label = q.question("organisatie", "naam").label
    assert label.get("en") == label.get("nl")  # no English given: Dutch is shown


def test_alias_bomb_is_rejected_quickly() -> None:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 8):
        prev = "a" if i == 1 else f"l{i - 1}"
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(DefinitionErrors) as caught:
        load_text("\n".join(lines))
    assert f"more than {MAX_NODES} values" in str(caught.value)


def test_file_that_is_not_utf8_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: café".encode("latin-1"))
    with pytest.raises(DefinitionErrors, match="not UTF-8") as caught:
        load_file(path)
    assert [e.code for e in caught.value.errors] == ["E-FILE"]


def test_missing_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(DefinitionErrors, match="cannot read the file") as caught:
        load_file(tmp_path / "nope.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 'nope.yaml'}: E-FILE: cannot read")


def test_engine_imports_without_flask_or_database() -> None:
    code = (
        "import sys, intake.questionnaire as q; "
        "q.load_file(sys.argv[1]); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'sqlalchemy', 'flask_sqlalchemy', 'wtforms'}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(PLAN)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_huge_definition_is_refused_before_parsing() -> None:
    text = "id: x\nversion: 1\ntitle: T\n# " + "x" * 1_100_000 + "\nsections: []\n"
    with pytest.raises(DefinitionErrors, match="larger than 1000 kB"):
        load_text(text)


HEAD = "id: x\nversion: 1\ntitle: T\nsections:\n"


@pytest.mark.parametrize(
    "nested",
    [
        " " + "[" * 1_000 + "]" * 1_000,  # flow sequences
        " " + "{a: " * 1_000 + "}" * 1_000,  # flow mappings
        "\n" + "\n".join(" " * (6 + i) + f"k{i}:" for i in range(1_000)) + " 1",  # block
    ],
    ids=["flow-sequences", "flow-mappings", "block-mappings"],
)
def test_deep_nesting_is_a_problem_with_its_line(nested: str) -> None:
    """1,000 levels raised an uncaught RecursionError."""
    text = HEAD + "  - id: s\n    deep:" + nested + "\n"
    with pytest.raises(DefinitionErrors) as caught:
        load_text(text, "diep.yaml")
    (error,) = caught.value.errors
    assert "nests deeper than" in error.message
    assert str(error).startswith("diep.yaml:") and error.line is not None and error.line >= 6


def test_deep_nesting_through_aliases_is_a_problem() -> None:
    """Each anchor nests shallowly, but every alias adds the depth of what it repeats."""
    lines = ["a0: &a0 [" + "[" * 30 + "]" * 30 + "]"]
    lines += [f"a{i}: &a{i} " + "[" * 30 + f"*a{i - 1}" + "]" * 30 for i in range(1, 60)]
    with pytest.raises(DefinitionErrors, match="nests deeper than"):
        load_text("\n".join(lines) + "\n", "alias.yaml")


def test_very_deep_nesting_does_not_crash_the_process() -> None:
    """50,000 levels (100 kB) crashed the process in the YAML composer: run it apart."""
    code = (
        "import sys\n"
        "from intake.questionnaire import DefinitionErrors, load_text\n"
        "try:\n"
        "    load_text(sys.argv[1] + '[' * 50_000 + ']' * 50_000, 'diep.yaml')\n"
        "except DefinitionErrors as exc:\n"
        "    print(exc.errors[0])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, HEAD + "  - "], capture_output=True, text=True, cwd=ROOT,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, (result.returncode, result.stderr[-2000:])
    assert result.stdout.startswith("diep.yaml:5: ") and "nests deeper than" in result.stdout
