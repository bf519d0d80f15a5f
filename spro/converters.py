"""URL converters for the calendar parts of addresses: out of range is a 404, never a crash.

`<int:year>` takes any run of digits, and `date(99999999999999999999, 1, 1)` is an OverflowError
(a server error); these converters only match what a date can hold and a user can mean.
"""

from django.urls import register_converter


class YearConverter:
    """A year from 1900 to 2199, four digits."""

    regex = r"(?:19|2[01])[0-9]{2}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    """A month from 1 to 12, with or without a leading zero."""

    regex = r"0?[1-9]|1[0-2]"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


def register() -> None:
    register_converter(YearConverter, "year")
    register_converter(MonthConverter, "month")
