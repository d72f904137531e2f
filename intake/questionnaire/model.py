"""The checked questionnaire: plain, immutable dataclasses built by the loader."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from intake.questionnaire.attribute_types import ATTRIBUTE_TYPES, AttributeType

if TYPE_CHECKING:
    from intake.questionnaire.conditions import Node as Condition


@dataclass(frozen=True)
class Text:
    """A user-facing text in one or more languages; ``default`` is the first language."""

    values: dict[str, str]
    default: str

    def get(self, language: str | None = None) -> str:
        if language and language in self.values:
            return self.values[language]
        return self.values[self.default]

    def __str__(self) -> str:
        return self.get()

    def joined(self, suffix: Text) -> Text:
        """``label: suffix`` in every language of this text, e.g. an option's variable label."""
        return Text(
            {lang: f"{text}: {suffix.get(lang)}" for lang, text in self.values.items()},
            self.default,
        )

    def format_item(self, code: str, title: str) -> Text:
        """This text with ``{item.code}`` and ``{item.title}`` filled in."""
        return Text(
            {
                lang: value.replace("{item.code}", code).replace("{item.title}", title)
                for lang, value in self.values.items()
            },
            self.default,
        )


@dataclass(frozen=True)
class Choice:
    value: str | int
    label: Text


@dataclass(frozen=True)
class CatalogueItem:
    """An entry of an items catalogue, e.g. one Plan Samenleven action."""

    code: str
    title: Text
    surveyed: bool = True


@dataclass(frozen=True)
class Catalogue:
    name: str
    items: tuple[CatalogueItem, ...]

    def get(self, code: str) -> CatalogueItem | None:
        return next((i for i in self.items if i.code == code), None)

    @property
    def surveyed(self) -> tuple[CatalogueItem, ...]:
        return tuple(i for i in self.items if i.surveyed)


@dataclass(frozen=True)
class MatrixRow:
    id: str
    label: Text


@dataclass(frozen=True)
class Question:
    id: str
    type: str  # a name in intake.questionnaire.types.QUESTION_TYPES
    label: Text
    help: Text | None = None
    required: bool = False
    relevant: Condition | None = None
    prefill: str | None = None
    choices: tuple[Choice, ...] = ()
    # Name of the choice list or items catalogue the choices came from, if any.
    choices_source: str | None = None
    other: Text | None = None  # label of the "other" option with its own specify-text
    min: float | int | str | None = None
    max: float | int | str | None = None
    integer: bool = False
    max_length: int | None = None
    rows: tuple[MatrixRow, ...] = ()
    # Identifies the respondent (a name, an e-mail address): exported only with identities.
    identifying: bool = False

    def choice(self, value: object) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    @property
    def choice_values(self) -> tuple[str | int, ...]:
        return tuple(c.value for c in self.choices)


@dataclass(frozen=True)
class RepeatSource:
    """Where a repeated section's items come from.

    ``catalogue``: the respondent's linked entries of that catalogue.
    ``question``: the selected choices of an earlier multiple-choice question.
    """

    catalogue: str | None = None
    question: tuple[str, str] | None = None  # (section id, question id)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    intro: Text | None = None
    relevant: Condition | None = None
    repeat_for: RepeatSource | None = None
    questions: tuple[Question, ...] = ()

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


# The pseudonym prefix of an open-link response whose kind is not known.
ANONYMOUS_CODE = "R"


@dataclass(frozen=True)
class Kind:
    """A kind of respondent, such as ``centrumstad``; pseudonyms start with its code."""

    value: str
    label: Text
    code: str


@dataclass(frozen=True)
class Attribute:
    """A typed registry column, e.g. a region, a year, a cost, member municipalities."""

    id: str
    label: Text
    type: str  # a name in ATTRIBUTE_TYPES
    choices: tuple[Choice, ...] = ()
    choices_source: str | None = None
    required: bool = False
    covers: bool = False  # a list of the units this respondent stands for
    identifying: bool = False  # only in the identities sheet of an export
    headers: tuple[str, ...] = ()  # column headers accepted besides id and label

    def choice(self, value: object) -> Choice | None:
        return next((c for c in self.choices if c.value == value), None)

    def display(self, value: Any, language: str | None = None) -> str:
        """A stored value as people read it: a choice's label, a list joined with '; ',
        '' for none."""
        if value is None:
            return ""
        choice = self.choice(value)
        if choice is not None:
            return choice.label.get(language)
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        return str(value)

    @property
    def handler(self) -> AttributeType:
        """What its type does (``intake.questionnaire.attribute_types``)."""
        return ATTRIBUTE_TYPES[self.type]

    @property
    def breaks_down(self) -> bool:
        """Whether the response rate is broken down by it (choices and whole numbers)."""
        return self.handler.breaks_down


@dataclass(frozen=True)
class Population:
    """Who answers: the ``respondents:`` block (``intake.questionnaire.population``)."""

    unit: str  # organisation or person
    access: tuple[str, ...]  # personal_link and/or open_link
    expected: int | None  # population size for the rate of open-link answers
    kinds: tuple[Kind, ...]
    attributes: tuple[Attribute, ...]
    declared: bool  # False: the default population, no ``respondents:`` block

    def kind(self, value: str | None) -> Kind | None:
        return next((k for k in self.kinds if k.value == value), None)

    def attribute(self, attribute_id: str) -> Attribute | None:
        return next((a for a in self.attributes if a.id == attribute_id), None)

    @property
    def personal_link(self) -> bool:
        return "personal_link" in self.access

    @property
    def open_link(self) -> bool:
        return "open_link" in self.access

    @property
    def is_person(self) -> bool:
        return self.unit == "person"

    @property
    def covering(self) -> Attribute | None:
        """The list attribute naming the units a respondent stands for, if declared."""
        return next((a for a in self.attributes if a.covers), None)

    @property
    def breakdowns(self) -> tuple[Attribute, ...]:
        """The attributes the response rate is broken down by, besides the kind."""
        return tuple(a for a in self.attributes if a.breaks_down)

    @property
    def exported(self) -> tuple[Attribute, ...]:
        """The attributes an analysis export carries beside the pseudonymous code."""
        return tuple(a for a in self.attributes if not a.identifying)

    def code_of(self, kind: str | None) -> str:
        """The pseudonym prefix of a kind (``R`` for an open-link answer without one)."""
        found = self.kind(kind)
        return found.code if found is not None else ANONYMOUS_CODE

    def only_kind(self) -> str | None:
        """The kind, when there is just one: a registry row may leave 'soort' empty, and an
        open-link response gets it."""
        return self.kinds[0].value if len(self.kinds) == 1 else None

    @property
    def kind_labels(self) -> dict[str, str]:
        """Each kind's value → its label, for tables and lists."""
        return {k.value: str(k.label) for k in self.kinds}


@dataclass(frozen=True)
class MailText:
    """A mail's subject and body, Jinja templates over ``intake.questionnaire.mail.FIELDS``."""

    subject: Text
    body: Text


@dataclass(frozen=True)
class MailSettings:
    """The questionnaire's own mail texts (None: the app's default text) and reminder rules
    (None: the app's default interval)."""

    invitation: MailText | None = None
    reminder: MailText | None = None
    remind_after: int | None = None  # days after the invitation and after a reminder
    reminders_before_deadline: tuple[int, ...] = ()  # scheduled reminders, days before


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: int
    title: Text
    intro: Text | None
    languages: tuple[str, ...]
    choice_lists: dict[str, tuple[Choice, ...]] = field(default_factory=dict)
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    deadline: dt.date | None = None  # the date answers are due, as the file says
    mail: MailSettings = field(default_factory=MailSettings)
    population: Population = field(kw_only=True)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def question(self, section_id: str, question_id: str) -> Question | None:
        section = self.section(section_id)
        return section.question(question_id) if section else None

    def item_label(self, catalogue: str, code: str) -> Text | None:
        """How the page of item ``code`` of ``catalogue`` is titled ("Actie 9: ..."), when
        a section repeats over that catalogue (directly or through a question); else None."""
        entry = self.catalogues[catalogue].get(code) if catalogue in self.catalogues else None
        if entry is None:
            return None
        for section in self.sections:
            source = section.repeat_for
            if source is None:
                continue
            over = source.catalogue
            if source.question is not None:
                question = self.question(*source.question)
                over = question.choices_source if question is not None else None
            if over == catalogue:
                return Text(
                    {
                        lang: value.replace("{item.code}", code).replace(
                            "{item.title}", entry.title.get(lang)
                        )
                        for lang, value in section.title.values.items()
                    },
                    section.title.default,
                )
        return None

    def item_title(self, section: Section, code: str) -> Text:
        """The title shown for item ``code`` of a repeated section."""
        source = section.repeat_for
        if source is not None and source.catalogue is not None:
            item = self.catalogues[source.catalogue].get(code)
            if item is not None:
                return item.title
        if source is not None and source.question is not None:
            question = self.question(*source.question)
            choice = (
                next((c for c in question.choices if str(c.value) == code), None)
                if question
                else None
            )
            if choice is not None:
                return choice.label
        return Text({self.languages[0]: code}, self.languages[0])


@dataclass(frozen=True)
class Variable:
    """One column of the wide export (see ``intake.questionnaire.codebook``)."""

    name: str
    label: Text
    type: str  # the variable's kind: its question type, or "option" (0/1), "other_text", ...
    value_labels: tuple[tuple[str | int, str], ...]
    section: str
    item: str | None
    question: str
    question_type: str = ""  # the type of the question it belongs to
    option: str | int | None = None
    row: str | None = None
    identifying: bool = False
    option_label: str | None = None  # for an option (0/1): the option's own label
