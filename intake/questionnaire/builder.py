"""Build the model from a structurally checked file, resolving references as it goes.

Sections and questions are built in file order: each question's references
(choices, prefill, its condition) are resolved through ``References`` and its
type (``QuestionType.fields``), and from then on later conditions may refer to
it. Problems go to the report; the model is returned only when there are none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from intake.questionnaire.model import Question, Questionnaire, Section, Text
from intake.questionnaire.population import resolve as resolve_population
from intake.questionnaire.references import References, Scope
from intake.questionnaire.schema import Context
from intake.questionnaire.source import line_of
from intake.questionnaire.structure import Document, QuestionNode, SectionNode
from intake.questionnaire.vocabulary import IDENTIFYING_PREFILLS


def build(document: Document, ctx: Context) -> Questionnaire:
    """The checked model; raises DefinitionErrors listing every problem of the file."""
    top = document.node
    for name in sorted(set(document.choice_lists) & set(document.catalogues)):
        ctx.error(
            "E-NAME-CLASH",
            line_of(top.data.get("items"), name),
            f"'{name}' is both a choice list and an items catalogue; rename one",
        )
    scope = Scope(
        all_questions={(s.id, q.id) for s in document.sections for q in s.questions if q.id},
        sections={s.id for s in document.sections},
    )
    population = resolve_population(top.values.get("respondents"), document.choice_lists, ctx)
    refs = References(ctx, document.choice_lists, document.catalogues, scope, population)
    sections = [_section(section, refs, document.languages) for section in document.sections]
    ctx.report.raise_if_any()
    values = top.values
    return Questionnaire(
        id=values["id"],
        version=values["version"],
        title=values["title"],
        intro=values.get("intro"),
        languages=document.languages,
        choice_lists=document.choice_lists,
        catalogues=document.catalogues,
        sections=tuple(sections),
        deadline=dt.date.fromisoformat(values["deadline"]) if "deadline" in values else None,
        **({"mail": values["mail"]} if "mail" in values else {}),
        population=population,
    )


def _section(section: SectionNode, refs: References, languages: tuple[str, ...]) -> Section:
    node = section.node
    repeat = refs.repeat_for(node)
    for key in ("title", "intro"):
        refs.placeholders(node, key, repeat is not None)
    blank = Text({languages[0]: ""}, languages[0])
    stub = Section(id=section.id, title=node.values.get("title", blank), repeat_for=repeat)
    relevant = refs.condition(node, stub)
    questions: list[Question] = []
    built: list[tuple[QuestionNode, Question]] = []
    for entry in section.questions:
        question = _question(entry, stub, refs, blank)
        if question is not None:
            questions.append(question)
            built.append((entry, question))
            refs.declare(stub, question)
    _warn_unmarked(built, refs.ctx)
    return replace(stub, intro=node.values.get("intro"), relevant=relevant,
                   questions=tuple(questions))  # fmt: skip


def _warn_unmarked(built: list[tuple[QuestionNode, Question]], ctx: Context) -> None:
    """In a section that asks who the respondent is, a free-text answer may identify
    too (a job title, a department): the author must say so either way, because the
    export quotes free text next to the pseudonymous code."""
    if not any(question.identifying for _, question in built):
        return
    for entry, question in built:
        if (
            entry.type.free_text
            and question.prefill is None
            and "identifying" not in entry.node.data
        ):
            ctx.warn(
                "W-IDENTIFYING-UNSET",
                entry.node.line(),
                f"{entry.node.what}: this section asks who the respondent is; say "
                "'identifying: true' if the answer could identify them (it is then left out "
                "of exports without identities and never quoted), or 'identifying: false' "
                "(quoted next to the pseudonymous code)",
            )


def _question(
    entry: QuestionNode, section: Section, refs: References, blank: Text
) -> Question | None:
    node, qtype = entry.node, entry.type
    for key in ("label", "help"):
        refs.placeholders(node, key, section.repeat_for is not None)
    fields = qtype.fields(node, refs)
    relevant = refs.condition(node, section)
    prefill = refs.prefill(node, qtype, fields.get("choices_source"))
    if entry.id is None or "label" not in fields:
        return None
    fields.setdefault("identifying", qtype.identifying or prefill in IDENTIFYING_PREFILLS)
    return Question(entry.id, qtype.name, relevant=relevant, prefill=prefill, **fields)
