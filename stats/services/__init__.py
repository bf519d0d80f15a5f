"""Writes of the statistics app: visits, aggregate counts and the period workflow.

Rules kept here, whatever the door (page, API, import), stated in stats/rules.py and asked with
spro.web.access.require (same rules as the pages' buttons):
- an open period takes data from the site's coordinators and from the regional coordination;
- a submitted or validated period changes only through the regional coordination, and each change
  is written to the period's history;
- a locked period changes through nobody: a regional coordinator reopens it first, with a reason;
- a period is detailed or aggregate, never both, so nothing is counted twice.

One module per subject (periods, visits, aggregates, satisfaction, reminders); callers use the
functions re-exported here: `from stats import services; services.period_submit(...)`.
"""

from .aggregates import AggregateCheck, aggregate_check, aggregate_import, aggregate_set
from .periods import (
    ValidationOutcome,
    period_get_or_create,
    period_lock,
    period_reopen,
    period_submit,
    period_unusual_warning,
    period_validate,
    period_write_refusal,
    periods_validate,
)
from .reminders import period_reminders_send
from .satisfaction import satisfaction_comment_delete, satisfaction_record
from .visits import (
    DUPLICATE_WINDOW_SECONDS,
    visit_delete,
    visit_recent_duplicate,
    visit_record,
    visit_update,
    visits_ingest,
)

__all__ = [
    "DUPLICATE_WINDOW_SECONDS",
    "AggregateCheck",
    "aggregate_check",
    "aggregate_import",
    "aggregate_set",
    "period_get_or_create",
    "period_lock",
    "period_reminders_send",
    "period_reopen",
    "period_submit",
    "period_unusual_warning",
    "period_validate",
    "period_write_refusal",
    "periods_validate",
    "ValidationOutcome",
    "satisfaction_comment_delete",
    "satisfaction_record",
    "visit_delete",
    "visit_recent_duplicate",
    "visit_record",
    "visit_update",
    "visits_ingest",
]
