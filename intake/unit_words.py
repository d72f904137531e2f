"""How the interface names a questionnaire's respondents, in one place.

Local governments (and other organisations) are "besturen" in sentences and
"organisaties" in lists, as the Plan Samenleven survey has always said; persons are
"deelnemers" throughout. Templates ask ``unit_words(questionnaire)`` and put its words
into their sentences, instead of testing the unit themselves. Dutch articles and
adjectives differ between the two ("elk bestuur", "elke deelnemer"), so the phrases
that need them are words of their own here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from intake.models import Questionnaire
from intake.questionnaire.model import Population
from intake.questionnaire.model import Questionnaire as QuestionnaireModel
from intake.services.questionnaires import population


@dataclass(frozen=True)
class UnitWords:
    one: LazyString  # "bestuur": one respondent in a sentence
    many: LazyString  # "besturen"
    every: LazyString  # "elk bestuur"
    entry: LazyString  # "organisatie": one row of the respondent list
    entries: LazyString  # "organisaties"
    title: LazyString  # "Organisaties": the respondent list's title
    kind: LazyString  # "Soort bestuur": the heading of the kinds
    imagined: LazyString  # "Een denkbeeldig bestuur": the preview's made-up respondent
    example: LazyString  # "Voorbeeldbestuur": its default name
    copy_to: LazyString  # "de contactpersoon van je bestuur": who the receipt goes to
    on_behalf: bool  # whoever fills it in answers for the respondent (an organisation)


ORGANISATION = UnitWords(
    one=_l("bestuur"),
    many=_l("besturen"),
    every=_l("elk bestuur"),
    entry=_l("organisatie"),
    entries=_l("organisaties"),
    title=_l("Organisaties"),
    kind=_l("Soort bestuur"),
    imagined=_l("Een denkbeeldig bestuur"),
    example=_l("Voorbeeldbestuur"),
    copy_to=_l("de contactpersoon van je bestuur"),
    on_behalf=True,
)
PERSON = UnitWords(
    one=_l("deelnemer"),
    many=_l("deelnemers"),
    every=_l("elke deelnemer"),
    entry=_l("deelnemer"),
    entries=_l("deelnemers"),
    title=_l("Deelnemers"),
    kind=_l("Soort deelnemer"),
    imagined=_l("Een denkbeeldige deelnemer"),
    example=_l("Voorbeelddeelnemer"),
    copy_to=_l("je e-mailadres"),
    on_behalf=False,
)


def of_population(population: Population) -> UnitWords:
    return PERSON if population.is_person else ORGANISATION


def unit_words(of: Questionnaire | QuestionnaireModel | Population) -> UnitWords:
    """The words for the respondents of a stored questionnaire (its live version's
    population), of a questionnaire's version, or of a population."""
    if isinstance(of, Questionnaire):
        return of_population(population(of))
    return of_population(of if isinstance(of, Population) else of.population)
