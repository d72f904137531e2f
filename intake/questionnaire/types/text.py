"""Open questions: one line of text, several lines, and an e-mail address."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from intake.questionnaire.model import Question, Variable
from intake.questionnaire.schema import Key, WholeCheck
from intake.questionnaire.types.base import QuestionType, Samples
from intake.questionnaire.values import (
    MAX_TEXT,
    N_,
    Parsed,
    Posted,
    Problem,
    clean_text,
    one,
    parse_text,
)

BAD_EMAIL = N_("Vul een geldig e-mailadres in, zoals naam@gemeente.be.")
# Beyond MAX_TEXT every text is flagged anyway, so no max_length may go further.
MAX_LENGTH = Key(
    "max_length",
    WholeCheck(
        1, MAX_TEXT, f"must be a whole number from 1 to {MAX_TEXT} (what one Excel cell holds)"
    ),
    "at most this many characters",
)


class TextType(QuestionType):
    """One line; ``max_length`` bounds it. Its answers are quotable in the export."""

    name = "text"
    summary = "one line of text"
    keys = (MAX_LENGTH,)
    free_text = True
    prefill_sources = frozenset(
        {"respondent.name", "respondent.kind", "respondent.province", "respondent.contact.name",
         "respondent.contact.email"}
    )  # fmt: skip

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        return parse_text(one(posted), question.max_length)

    def quotable(self, variable: Variable) -> bool:
        return True

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        return samples.rng.choice(samples.lines), None


class TextareaType(TextType):
    """Several lines."""

    name = "textarea"
    summary = "several lines of text"
    prefill_sources = frozenset({"respondent.name"})

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        return samples.rng.choice(samples.paragraphs), None


class EmailType(QuestionType):
    """An e-mail address, stored normalised; it identifies the respondent by default."""

    name = "email"
    summary = "an e-mail address"
    identifying = True
    prefill_sources = frozenset({"respondent.contact.email"})

    def parse_value(self, question: Question, posted: Posted) -> Parsed:
        text = clean_text(one(posted))
        if not text:
            return Parsed()
        try:
            valid = validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return Parsed(raw=text, problem=Problem("bad_email", template=BAD_EMAIL))
        return Parsed(valid.normalized)

    def sample_answer(self, question: Question, samples: Samples) -> tuple[Posted, str | None]:
        return samples.email, None
