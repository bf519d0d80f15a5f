"""Numbers and charts of the statistics pages."""

import pytest
from django.template import Context, Template
from django.utils import formats, translation

from stats import charts

VALUES = [0, 7, 999, 1000, 12345, 1234567, -1234, 5_000_000]
DECIMAL_VALUES = [0.05, 2 / 3, 3.25, 12345.678, 1234567.891, 99.95, 4.0]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_numbers_read_as_django_writes_them_in_each_language(language):
    with translation.override(language):
        for value in VALUES:
            expected = formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)
            assert charts.format_number(value) == expected, value
        for value in DECIMAL_VALUES:
            for decimals in (1, 2):
                expected = formats.number_format(
                    charts.Decimal(str(value)).quantize(
                        charts.Decimal(1).scaleb(-decimals), rounding=charts.ROUND_HALF_UP
                    ),
                    decimal_pos=decimals,
                    use_l10n=True,
                    force_grouping=True,
                )
                assert charts.format_number(value, decimals) == expected, (value, decimals)


def test_french_numbers_round_half_up_and_group_by_thousands():
    with translation.override("fr"):
        assert charts.format_number(12345) == "12\xa0345"
        assert charts.format_number(2 / 3, 1) == "0,7"
        assert charts.format_number(0.125 * 100, 1) == "12,5"
        assert charts.format_number(1234.55, 1) == "1\xa0234,6"
        assert charts.format_percent(0.125) == "12,5\xa0%"
        assert charts.format_change(-0.03) == "−3,0\xa0%"
        assert charts.format_number(None) == "—"


def test_the_template_filter_writes_counts_as_floatformat_did():
    with translation.override("fr"):
        for value in (0, 42, 12345, 1234567):
            context = Context({"n": value})
            ours = Template("{% load stats_format %}{{ n|nombre }}").render(context)
            django = Template('{{ n|floatformat:"g" }}').render(context)
            assert ours == django == charts.format_number(value)
        assert Template("{% load stats_format %}{{ n|nombre }}").render(Context({"n": None})) == ""
