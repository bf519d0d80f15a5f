"""The demo statistics: idempotent, consistent with the roll-ups, realistic, and anonymous."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from sites import demo as sites_demo
from sites.models import ServiceLevel, Site, Theme
from stats import demo, rollups, services
from stats.enums import Dimension, PeriodMode, PeriodStatus
from stats.models import (
    AggregateCount,
    MonthlyCount,
    MonthlyCrossCount,
    Period,
    SatisfactionAnswer,
    SatisfactionResponse,
    Visit,
    first_of_month,
)
from stats.selectors import monthly_volumes, total_visits

TODAY = timezone.localdate()
CURRENT_MONTH = first_of_month(TODAY)


def months_before(count: int) -> datetime.date:
    index = CURRENT_MONTH.year * 12 + CURRENT_MONTH.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo network and its three years of statistics, loaded once for the module.

    Loading takes seconds, so the tests share it: the data live in an outer transaction rolled back
    at the end of the module, and each test runs in its own savepoint inside it.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            sites_demo.load_demo(with_accounts=False)
            created = demo.load_stats_demo(today=TODAY)
            # Check the deferred foreign keys now, at this level: left pending, PostgreSQL would check
            # them again at the end of every test (each test's savepoint rollback re-queues them).
            connection.check_constraints()
            yield created
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def site(slug: str) -> Site:
    return Site.objects.get(slug=slug)


def table_counts() -> dict:
    models = [
        Period,
        Visit,
        Visit.themes.through,
        Visit.referrals.through,
        AggregateCount,
        MonthlyCount,
        MonthlyCrossCount,
        SatisfactionResponse,
        SatisfactionAnswer,
        Theme,
        ServiceLevel,
        *(model for model, _items in demo.REFERENCE_LISTS.values()),
    ]
    return {model._meta.label: model.objects.count() for model in models}


pytestmark = pytest.mark.django_db


class TestIdempotence:
    def test_the_first_run_creates_statistics(self, demo_data):
        assert demo_data["passages"] > 50_000
        assert demo_data["totaux mensuels"] > 0
        assert demo_data["réponses de satisfaction"] > 0

    def test_a_second_run_changes_nothing(self, demo_data):
        before = table_counts()
        created = demo.load_stats_demo(today=TODAY)
        assert table_counts() == before
        assert not any(created.values())

    def test_reference_lists_are_loaded_once_by_code(self, demo_data):
        before = table_counts()
        lists = demo.load_reference_lists()
        assert table_counts() == before
        assert [code for code, _label in demo.SITUATIONS] == list(lists["situation"])
        # The sites seed and the statistics seed agree on the themes and service levels.
        assert set(Theme.objects.values_list("code", flat=True)) == {code for code, _ in sites_demo.THEMES}
        assert set(ServiceLevel.objects.values_list("code", flat=True)) == {
            code for code, _ in sites_demo.SERVICE_LEVELS
        }


class TestConsistency:
    def test_rollups_equal_a_rebuild_after_a_desk_entry(self, demo_data, regional_coordinator):
        reims = site("reims")
        refs = demo.load_reference_lists()
        services.visit_record(
            site=reims,
            author=regional_coordinator,
            visited_on=TODAY,
            contact_kind=refs["contact_kind"]["visite"],
            sex=refs["sex"]["femme"],
            situation=refs["situation"]["scolaire-etudiant"],
            themes=[refs["theme"]["orientation"]],
            referrals=[refs["referral"]["cio"]],
        )
        # The loader rebuilt the roll-ups; the desk entry then moved Reims' incrementally.
        # Bar-sur-Aube enters monthly totals: its roll-ups come from the aggregate counts.
        site_ids = [reims.pk, site("bar-sur-aube").pk]
        incremental = rollups.snapshot(site_ids)
        assert incremental[0] and incremental[1]
        rollups.rebuild(site_ids=site_ids)
        assert rollups.snapshot(site_ids) == incremental

    def test_every_visit_and_monthly_total_is_counted_once(self, demo_data):
        aggregate_total = sum(
            AggregateCount.objects.filter(dimension=Dimension.TOTAL).values_list("count", flat=True)
        )
        assert total_visits(Site.objects.values_list("pk", flat=True), months_before(40), TODAY) == (
            Visit.objects.count() + aggregate_total
        )

    def test_visits_lie_in_their_period_and_never_in_the_future(self, demo_data):
        assert not Visit.objects.filter(visited_on__gt=TODAY).exists()
        for visit in Visit.objects.select_related("period")[:500]:
            assert first_of_month(visit.visited_on) == visit.period.month
            assert visit.period.site_id == visit.site_id

    def test_aggregate_sites_enter_consistent_monthly_totals(self, demo_data):
        bar = site("bar-sur-aube")
        periods = Period.objects.filter(site=bar)
        assert periods.exists()
        assert set(periods.values_list("mode", flat=True)) == {PeriodMode.AGGREGATE}
        assert not Visit.objects.filter(site=bar).exists()
        for period in periods[:6]:
            counts = {(r.dimension, r.item_id, r.sex_id): r.count for r in period.aggregate_counts.all()}
            assert not services.aggregate_check(counts).errors


class TestRealism:
    def test_seasons_show(self, demo_data):
        reims = [site("reims").pk]
        year = TODAY.year - 1
        volumes = {
            month.month: sum(by_sex.values())
            for month, by_sex in monthly_volumes(
                reims, datetime.date(year, 1, 1), datetime.date(year, 12, 1)
            ).items()
        }
        assert volumes[8] < volumes[10]
        assert volumes[7] < volumes[9]
        assert volumes[8] < volumes[3]

    def test_sites_differ_in_size(self, demo_data):
        start, end = datetime.date(TODAY.year - 1, 1, 1), datetime.date(TODAY.year - 1, 12, 1)

        def yearly(slug):
            return total_visits([site(slug).pk], start, end)

        assert yearly("reims") > 2 * yearly("vireux-molhain")
        assert yearly("troyes") > 2 * yearly("vireux-molhain")
        assert 500 < yearly("vireux-molhain") < 1_500

    def test_a_site_without_the_label_has_no_statistics(self, demo_data):
        assert not Period.objects.filter(site__slug="nogent").exists()

    def test_satisfaction_responses_are_few_and_sometimes_commented(self, demo_data):
        responses = SatisfactionResponse.objects.filter(site__slug="reims")
        months = {first_of_month(day) for day in responses.values_list("answered_on", flat=True)}
        assert 2 <= responses.count() / len(months) <= 10
        assert responses.exclude(comment="").exists()
        assert not SatisfactionResponse.objects.filter(answered_on__gt=TODAY).exists()
        assert set(SatisfactionAnswer.objects.values_list("value", flat=True)) <= {1, 2, 3, 4}


class TestPeriods:
    def test_periods_older_than_a_year_are_locked(self, demo_data):
        old = Period.objects.filter(month__lt=months_before(12))
        assert old.exists()
        assert set(old.values_list("status", flat=True)) == {PeriodStatus.LOCKED}
        assert not old.filter(locked_at__isnull=True).exists()

    def test_the_current_month_is_open_and_recent_months_are_handed_in(self, demo_data):
        # (On the first day of a month that falls on a weekend, the current month has no period yet.)
        assert set(Period.objects.filter(month=CURRENT_MONTH).values_list("status", flat=True)) <= {
            PeriodStatus.OPEN
        }
        handed_in = Period.objects.filter(month=months_before(2)).exclude(status=PeriodStatus.OPEN)
        assert handed_in.count() >= 8
        assert not handed_in.filter(submitted_at__isnull=True).exists()

    def test_one_site_is_late(self, demo_data):
        late = {period.site.slug for period in Period.objects.select_related("site") if period.is_late}
        assert "sedan" in late
        two_months_ago = Period.objects.filter(month=months_before(2), status=PeriodStatus.OPEN)
        assert set(two_months_ago.values_list("site__slug", flat=True)) == {"sedan"}


class TestAnonymity:
    VISIT_FIELDS = {
        "id",
        "site",
        "period",
        "visited_on",
        "half_day",
        "contact_kind",
        "sex",
        "age_band",
        "situation",
        "education_level",
        "channel",
        "service_level",
        "themes",
        "referrals",
        "created_by",  # the staff member at the desk, not the visitor
        "created_at",
    }
    RESPONSE_FIELDS = {"id", "site", "answered_on", "comment"}
    ANSWER_FIELDS = {"id", "response", "question", "value"}

    @staticmethod
    def field_names(model) -> set:
        # The columns and many-to-many lists the model stores (reverse relations are other models').
        return {f.name for f in [*model._meta.concrete_fields, *model._meta.many_to_many]}

    @pytest.mark.parametrize(
        ("model", "allowed"),
        [(Visit, VISIT_FIELDS), (SatisfactionResponse, RESPONSE_FIELDS), (SatisfactionAnswer, ANSWER_FIELDS)],
    )
    def test_no_personal_data_field_exists(self, model, allowed):
        assert self.field_names(model) == allowed


class TestBenchmark:
    def test_the_benchmark_runs_on_a_small_region(self, demo_data):
        out = io.StringIO()
        call_command(
            "bench_stats",
            "--allow-sqlite",
            "--force",  # the demo network is there too: only the benchmark's own rows are removed
            "--sites=6",
            "--visits=3000",
            "--years=2",
            "--runs=1",
            stdout=out,
        )
        output = out.getvalue()
        assert "Reconstruction complète" in output
        assert "GET /statistiques/tableau-de-bord/" in output
        assert not Site.objects.filter(slug__startswith="bench-").exists()
        assert Site.objects.filter(slug="reims").exists()
