"""What each recorded version of an object changed (django-simple-history records)."""

from collections.abc import Iterable, Sequence


def history_entries(
    records: Iterable, *, excluded_fields: Sequence[str] = (), limit: int | None = None
) -> list[dict]:
    """The history records, newest first, each as {"record", "changes"}: `changes` lists the verbose
    names of the fields it changed from the record before it (empty for the first one).

    `records` come newest first. With `limit`, only that many entries are returned; give one record
    more than `limit` so that the oldest one shown is still diffed against its predecessor. The diffs
    are made in memory: no query per record.
    """
    records = list(records)
    shown = records if limit is None else records[:limit]
    entries = []
    for index, record in enumerate(shown):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None:
            meta = record.instance_type._meta
            delta = record.diff_against(previous, excluded_fields=list(excluded_fields))
            changes = [str(meta.get_field(change.field).verbose_name) for change in delta.changes]
        entries.append({"record": record, "changes": changes})
    return entries
