"""Built once: what a portal page needs that depends only on (questionnaire version,
section, item, language).

A page's form class holds the fields of its questions with their options and labels
in the page's language; building it took a tenth of a page view. Sections come from
the engine model, which is built once per stored version
(``services.questionnaires.model_of``) and never changes, so the section object stands
for (version, section); the cache keeps it, so its id cannot be reused meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from intake.questionnaire.model import Section

T = TypeVar("T")

# More than every page of every live version in every language; past it, start over.
LIMIT = 2048


class PageCache(Generic[T]):
    """Values per (section, item, language), built on first use."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._values: dict[tuple[int, str | None, str | None], tuple[Section, T]] = {}

    def get(
        self, section: Section, item: str | None, language: str | None, build: Callable[[], T]
    ) -> T:
        key = (id(section), item, language)
        found = self._values.get(key)
        if found is not None and found[0] is section:
            return found[1]
        value = build()
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = (section, value)
        return value

    def clear(self) -> None:
        self._values.clear()
