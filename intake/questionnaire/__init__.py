"""The questionnaire engine: YAML definition → checked model → codebook.

Free of Flask and of the database, so it can be tested and reused alone.
"""

from intake.questionnaire.codebook import Variable, codebook, repeat_items
from intake.questionnaire.errors import DefinitionError, DefinitionErrors
from intake.questionnaire.loader import LoadResult, from_definition, load_file, load_text
from intake.questionnaire.model import Question, Questionnaire, Section, Text

__all__ = [
    "DefinitionError",
    "DefinitionErrors",
    "LoadResult",
    "Question",
    "Questionnaire",
    "Section",
    "Text",
    "Variable",
    "codebook",
    "from_definition",
    "load_file",
    "load_text",
    "repeat_items",
]
