"""What each kind of job does, and how the admin sees it.

A kind is registered once, in the module that implements it (``intake/jobs/mail.py``):
its ``run`` does the work through a ``Run`` (progress with ``run.advance``) and returns
the result to keep (a summary; for a file see ``jobs.files``). Its ``title`` names a
job in the admin pages; ``outcome`` (optional) gives the variables of its partial
``templates/admin/jobs/<name>.html``, shown under a finished job. ``every`` registers
work the worker starts by the clock (scheduled reminders).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from intake.jobs.records import Run
from intake.models import Job


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Run], dict[str, Any]]
    title: Callable[[Job], str]
    outcome: Callable[[Job], dict[str, Any]] | None = None

    @property
    def template(self) -> str:
        return f"admin/jobs/{self.name}.html"


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS and KINDS[kind.name] != kind:
        raise ValueError(f"job kind {kind.name!r} is registered twice")
    KINDS[kind.name] = kind
    return kind


def get(name: str) -> Kind | None:
    return KINDS.get(name)


@dataclass(frozen=True)
class Periodic:
    """Work the worker's scheduler starts by the clock (``crontab`` keyword arguments),
    inside an app context; it must be idempotent (a worker may call it more than once)."""

    name: str
    schedule: dict[str, str]
    run: Callable[[], object]


PERIODIC: dict[str, Periodic] = {}


def every(periodic: Periodic) -> Periodic:
    """Register periodic work (in the module that implements it, like a kind)."""
    PERIODIC[periodic.name] = periodic
    return periodic
