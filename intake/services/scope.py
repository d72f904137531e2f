"""Which respondents count: the real ones. Decided here, once, for every query.

An author's preview runs as a test respondent (``Respondent.is_test``, see
``services.preview``). Every ORM SELECT that reads ``Respondent`` (as its subject, in a
join or in a subquery) gets the criterion ``NOT is_test`` added by a session hook, so
tracking figures, the response rate, the export, mailing targets, pseudonyms, the
registry and response imports and the admin's respondent pages cannot see a test
respondent, even in a query written later. Only code that means to see them (the
preview itself) says so with ``execution_options(**WITH_TEST)``.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import ColumnElement

from intake.models import Respondent

# Execution options of a query that also reads test respondents.
INCLUDE_TEST = "include_test_respondents"
WITH_TEST = {INCLUDE_TEST: True}


def counted() -> ColumnElement[bool]:
    """The criterion every query of respondents gets: real respondents only."""
    return Respondent.is_test.is_(False)


@event.listens_for(Session, "do_orm_execute")
def _only_counted_respondents(state: ORMExecuteState) -> None:
    """Add ``counted()`` to every ORM SELECT, unless it asked for test respondents.

    Loads of an object already in hand (refreshing its columns, following its
    relationships) are left alone: a test respondent the preview loaded stays usable.
    """
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_TEST, False)
    ):
        state.statement = state.statement.options(
            with_loader_criteria(
                Respondent, lambda cls: cls.is_test.is_(False), include_aliases=True
            )
        )
