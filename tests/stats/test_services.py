import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats import rollups, services
from stats.enums import Dimension, PeriodAction, PeriodMode, PeriodStatus
from stats.models import MonthlyCount, Period, Visit

# The clock is frozen on 15 June 2026: last month is May, tomorrow is still in June.
NOW = datetime.datetime(2026, 6, 15, 10, tzinfo=ZoneInfo("Europe/Paris"))
pytestmark = pytest.mark.time_machine(NOW, tick=False)
TODAY = NOW.date()
LAST_MONTH = datetime.date(2026, 5, 15)


def record(site, user, refs, day=LAST_MONTH, sex=0, **extra):
    values = {
        "visited_on": day,
        "contact_kind": refs.contact_kinds[0],
        "sex": refs.sexes[sex],
        "age_band": refs.age_bands[0],
        "situation": refs.situations[0],
    }
    values.update(extra)
    return services.visit_record(site=site, author=user, **values)


def count(site, dimension, item_id=0, sex=None):
    rows = MonthlyCount.objects.filter(site=site, dimension=dimension, item_id=item_id)
    if sex is not None:
        rows = rows.filter(sex_id=sex.pk)
    return sum(rows.values_list("count", flat=True))


@pytest.mark.django_db
class TestVisitRecording:
    def test_a_visit_is_counted_in_every_breakdown_by_sex(self, site_a, coordinator_a, refs):
        record(site_a, coordinator_a, refs, themes=refs.themes[:2], referrals=[refs.referrals[1]])
        assert count(site_a, Dimension.TOTAL) == 1
        assert count(site_a, Dimension.TOTAL, sex=refs.sexes[0]) == 1
        assert count(site_a, Dimension.TOTAL, sex=refs.sexes[1]) == 0
        assert count(site_a, Dimension.THEME, refs.themes[0].pk) == 1
        assert count(site_a, Dimension.THEME, refs.themes[1].pk) == 1
        assert count(site_a, Dimension.REFERRAL, refs.referrals[1].pk) == 1
        assert count(site_a, Dimension.CHANNEL, 0) == 1  # not given

    def test_the_first_visit_makes_the_period_detailed(self, site_a, coordinator_a, refs):
        visit = record(site_a, coordinator_a, refs)
        assert visit.period.mode == PeriodMode.DETAILED
        assert visit.period.month == LAST_MONTH.replace(day=1)

    def test_a_visit_in_the_future_is_refused(self, site_a, coordinator_a, refs):
        with pytest.raises(ValidationError):
            record(site_a, coordinator_a, refs, day=TODAY + datetime.timedelta(days=1))

    def test_a_coordinator_cannot_record_for_another_site(self, site_b, coordinator_a, refs):
        with pytest.raises(PermissionDenied):
            record(site_b, coordinator_a, refs)
        assert not Visit.objects.exists()

    def test_correction_moves_the_counts(self, site_a, coordinator_a, refs):
        visit = record(site_a, coordinator_a, refs, themes=[refs.themes[0]])
        services.visit_update(visit=visit, author=coordinator_a, sex=refs.sexes[1], themes=[refs.themes[2]])
        assert count(site_a, Dimension.TOTAL, sex=refs.sexes[0]) == 0
        assert count(site_a, Dimension.TOTAL, sex=refs.sexes[1]) == 1
        assert count(site_a, Dimension.THEME, refs.themes[0].pk) == 0
        assert count(site_a, Dimension.THEME, refs.themes[2].pk) == 1

    def test_deletion_uncounts_and_frees_the_mode(self, site_a, coordinator_a, refs):
        visit = record(site_a, coordinator_a, refs)
        period = visit.period
        services.visit_delete(visit=visit, author=coordinator_a)
        assert count(site_a, Dimension.TOTAL) == 0
        period.refresh_from_db()
        assert period.mode == ""

    def test_an_aggregate_period_refuses_single_visits(self, site_a, coordinator_a, refs):
        services.aggregate_set(
            site=site_a,
            month=LAST_MONTH,
            author=coordinator_a,
            counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 10},
        )
        with pytest.raises(ValidationError, match="jamais les deux"):
            record(site_a, coordinator_a, refs)
        assert count(site_a, Dimension.TOTAL) == 10


@pytest.mark.django_db
class TestPeriodWorkflow:
    def test_submit_validate_lock_and_history(self, site_a, coordinator_a, regional_coordinator, refs):
        period = record(site_a, coordinator_a, refs).period
        services.period_submit(period=period, author=coordinator_a)
        with pytest.raises(PermissionDenied):
            services.period_validate(period=period, author=coordinator_a)
        services.period_validate(period=period, author=regional_coordinator)
        services.period_lock(period=period, author=regional_coordinator)
        period.refresh_from_db()
        assert period.status == PeriodStatus.LOCKED
        actions = list(period.events.order_by("pk").values_list("action", flat=True))
        assert actions == [PeriodAction.SUBMIT, PeriodAction.VALIDATE, PeriodAction.LOCK]

    def test_the_current_month_cannot_be_submitted(self, site_a, coordinator_a, refs):
        period = record(site_a, coordinator_a, refs, day=TODAY).period
        with pytest.raises(ValidationError):
            services.period_submit(period=period, author=coordinator_a)

    def test_a_submitted_period_is_closed_to_the_site_but_not_to_the_coordination(
        self, site_a, coordinator_a, regional_coordinator, refs
    ):
        visit = record(site_a, coordinator_a, refs)
        services.period_submit(period=visit.period, author=coordinator_a)
        with pytest.raises(ValidationError, match="soumise"):
            record(site_a, coordinator_a, refs)
        with pytest.raises(ValidationError):
            services.visit_delete(visit=visit, author=coordinator_a)
        services.visit_update(visit=visit, author=regional_coordinator, sex=refs.sexes[1])
        event = visit.period.events.get(action=PeriodAction.DATA_CHANGE)
        assert event.author == regional_coordinator
        assert event.details["visit_changed"]["after"]["sex_id"] == refs.sexes[1].pk

    def test_a_locked_period_refuses_every_change(self, site_a, coordinator_a, regional_coordinator, refs):
        visit = record(site_a, coordinator_a, refs)
        period = visit.period
        services.period_submit(period=period, author=coordinator_a)
        services.period_validate(period=period, author=regional_coordinator)
        services.period_lock(period=period, author=regional_coordinator)
        for author in (coordinator_a, regional_coordinator):
            with pytest.raises(ValidationError, match="verrouillée"):
                record(site_a, author, refs)
            with pytest.raises(ValidationError, match="verrouillée"):
                services.visit_update(visit=visit, author=author, sex=refs.sexes[1])
        assert count(site_a, Dimension.TOTAL) == 1

    def test_reopening_needs_the_coordination_and_a_reason(
        self, site_a, coordinator_a, regional_coordinator, refs
    ):
        period = record(site_a, coordinator_a, refs).period
        services.period_submit(period=period, author=coordinator_a)
        with pytest.raises(PermissionDenied):
            services.period_reopen(period=period, author=coordinator_a, reason="Oubli")
        with pytest.raises(ValidationError):
            services.period_reopen(period=period, author=regional_coordinator, reason="  ")
        services.period_reopen(period=period, author=regional_coordinator, reason="Passages oubliés")
        period.refresh_from_db()
        assert period.status == PeriodStatus.OPEN
        assert period.events.get(action=PeriodAction.REOPEN).reason == "Passages oubliés"


@pytest.mark.django_db
class TestAggregates:
    def test_negative_numbers_and_too_many_referrals_block(self, site_a, coordinator_a, refs):
        woman = refs.sexes[0].pk
        with pytest.raises(ValidationError):
            services.aggregate_set(
                site=site_a, month=LAST_MONTH, author=coordinator_a, counts={(Dimension.TOTAL, 0, woman): -1}
            )
        with pytest.raises(ValidationError, match="orientations"):
            services.aggregate_set(
                site=site_a,
                month=LAST_MONTH,
                author=coordinator_a,
                counts={(Dimension.TOTAL, 0, woman): 3, (Dimension.REFERRAL, refs.referrals[0].pk, woman): 4},
            )
        assert not Period.objects.filter(aggregate_counts__isnull=False).exists()

    def test_the_same_totals_twice_change_nothing(self, site_a, coordinator_a, refs):
        counts = {
            (Dimension.TOTAL, 0, refs.sexes[0].pk): 7,
            (Dimension.AGE_BAND, refs.age_bands[1].pk, refs.sexes[0].pk): 5,
        }
        services.aggregate_set(site=site_a, month=LAST_MONTH, author=coordinator_a, counts=counts)
        services.aggregate_set(site=site_a, month=LAST_MONTH, author=coordinator_a, counts=counts)
        assert count(site_a, Dimension.TOTAL) == 7
        assert count(site_a, Dimension.AGE_BAND, refs.age_bands[1].pk) == 5

    def test_replacing_totals_replaces_the_counts(self, site_a, coordinator_a, refs):
        woman = refs.sexes[0].pk
        services.aggregate_set(
            site=site_a, month=LAST_MONTH, author=coordinator_a, counts={(Dimension.TOTAL, 0, woman): 7}
        )
        services.aggregate_set(
            site=site_a, month=LAST_MONTH, author=coordinator_a, counts={(Dimension.TOTAL, 0, woman): 4}
        )
        assert count(site_a, Dimension.TOTAL) == 4


visit_strategy = st.fixed_dictionaries(
    {
        # Over a year back: visits fall in two calendar years, so the yearly roll-ups get cells
        # from months of both (the property compares them too).
        "days_ago": st.integers(min_value=0, max_value=500),
        "sex": st.integers(0, 1),
        "age": st.one_of(st.none(), st.integers(0, 2)),
        "situation": st.one_of(st.none(), st.integers(0, 2)),
        "themes": st.sets(st.integers(0, 2), max_size=3),
        "referrals": st.sets(st.integers(0, 2), max_size=2),
        "edit": st.one_of(st.none(), st.integers(0, 1)),
        "delete": st.booleans(),
    }
)


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visits=st.lists(visit_strategy, min_size=1, max_size=12))
def test_incremental_roll_ups_equal_a_rebuild_from_raw_visits(site_a, coordinator_a, refs, visits):
    from stats.models import Period

    # Hypothesis runs its examples in one test transaction: every roll-up table compared
    # (rollups.snapshot) starts empty.
    Visit.objects.all().delete()
    for _name, model, _key, _values in rollups.SNAPSHOT_TABLES:
        model.objects.all().delete()
    Period.objects.all().delete()
    for spec in visits:
        visit = record(
            site_a,
            coordinator_a,
            refs,
            day=TODAY - datetime.timedelta(days=spec["days_ago"]),
            sex=spec["sex"],
            age_band=None if spec["age"] is None else refs.age_bands[spec["age"]],
            situation=None if spec["situation"] is None else refs.situations[spec["situation"]],
            themes=[refs.themes[i] for i in spec["themes"]],
            referrals=[refs.referrals[i] for i in spec["referrals"]],
        )
        if spec["edit"] is not None:
            services.visit_update(
                visit=visit, author=coordinator_a, sex=refs.sexes[spec["edit"]], themes=[refs.themes[0]]
            )
        if spec["delete"]:
            services.visit_delete(visit=visit, author=coordinator_a)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    assert sum(v for k, v in incremental[0].items() if k[2] == Dimension.TOTAL) == Visit.objects.count()
