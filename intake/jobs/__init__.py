"""Background jobs: long work runs in a worker (huey), never inside a web request.

- ``queue``: the huey queue made from config (``HUEY_URL``), the task that runs a job
  by id inside an app context, recovery of jobs whose worker died, ``submit``, and the
  consumer that ``intake worker`` runs;
- ``records``: the ``Job`` rows; a run claims a job (``start``) and records progress
  (``advance``), its end (``finish``, ``fail``) in short transactions;
- ``runner``: runs one job: claim, call its kind, record the outcome or retry;
- ``kinds``: what each kind does and how the admin sees it; ``files``: files jobs
  produce, in the instance folder;
- ``mail``: invitations and reminders; ``export``: the admin's export, written to a
  job file.
"""

from __future__ import annotations

from intake.jobs import export, mail, resume  # noqa: F401  (register their kinds)
from intake.jobs.queue import enqueue, init_app, queue_of, submit

__all__ = ["enqueue", "init_app", "queue_of", "submit"]
