"""`manage.py rebuild_rollups`, and the admin that leaves every statistics write to the services."""

import datetime
import io
import random

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from sites.admin import ReferenceItemAdmin
from stats import rollups, services, tasks
from stats.enums import Dimension, PeriodStatus
from stats.models import (
    AgeBand,
    AggregateCount,
    Channel,
    ContactKind,
    EducationLevel,
    MonthlyCount,
    MonthlyCrossCount,
    Period,
    PeriodEvent,
    ReferralTarget,
    SatisfactionAnswer,
    SatisfactionQuestion,
    SatisfactionResponse,
    Sex,
    Situation,
    Visit,
    first_of_month,
)
from tests.factories import UserFactory

TODAY = timezone.localdate()
THIS_MONTH = first_of_month(TODAY)


def months_ago(n: int) -> datetime.date:
    month = THIS_MONTH
    for _step in range(n):
        month = first_of_month(month - datetime.timedelta(days=1))
    return month


def rebuild(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("rebuild_rollups", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def satisfaction_questions():
    return [
        SatisfactionQuestion.objects.get_or_create(code=code, defaults={"label": label, "order": n})[0]
        for n, (code, label) in enumerate([("accueil", "Accueil"), ("reponses", "Réponses obtenues")])
    ]


def record_randomly(seed, sites_and_authors, refs):
    """Visits in detailed months (some corrected, some deleted) and totals in aggregate months."""
    rng = random.Random(seed)
    for site, author in sites_and_authors:
        for months_back in (1, 2, 3):
            month = months_ago(months_back)
            for _n in range(rng.randint(3, 12)):
                visit = services.visit_record(
                    site=site,
                    author=author,
                    visited_on=month + datetime.timedelta(days=rng.randint(0, 27)),
                    contact_kind=rng.choice(refs.contact_kinds),
                    sex=rng.choice(refs.sexes),
                    age_band=rng.choice([None, *refs.age_bands]),
                    situation=rng.choice([None, *refs.situations]),
                    channel=rng.choice([None, *refs.channels]),
                    service_level=rng.choice([None, *refs.service_levels]),
                    themes=rng.sample(refs.themes, rng.randint(0, 3)),
                    referrals=rng.sample(refs.referrals, rng.randint(0, 2)),
                )
                action = rng.random()
                if action < 0.2:
                    services.visit_update(
                        visit=visit,
                        author=author,
                        sex=rng.choice(refs.sexes),
                        themes=[rng.choice(refs.themes)],
                    )
                elif action < 0.3:
                    services.visit_delete(visit=visit, author=author)
        questions = satisfaction_questions()
        for months_back in (0, 1, 6):
            for _n in range(rng.randint(1, 4)):
                services.satisfaction_record(
                    site=site,
                    answers={q.pk: rng.randint(1, 4) for q in questions if rng.random() < 0.8},
                    comment="Merci",
                    day=months_ago(months_back) + datetime.timedelta(days=rng.randint(0, 27)),
                )
        for months_back in (4, 5):
            woman, man = refs.sexes[0].pk, refs.sexes[1].pk
            women, men = rng.randint(10, 50), rng.randint(10, 50)
            services.aggregate_set(
                site=site,
                month=months_ago(months_back),
                author=author,
                counts={
                    (Dimension.TOTAL, 0, woman): women,
                    (Dimension.TOTAL, 0, man): men,
                    (Dimension.AGE_BAND, refs.age_bands[0].pk, woman): rng.randint(0, women),
                    (Dimension.REFERRAL, refs.referrals[1].pk, man): rng.randint(0, men),
                },
            )


@pytest.fixture
def recorded(site_a, site_b, coordinator_a, coordinator_b, refs):
    record_randomly(2024, [(site_a, coordinator_a), (site_b, coordinator_b)], refs)
    return site_a, site_b


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_after_random_recordings_the_rebuild_equals_the_incremental_tables(
    site_a, site_b, coordinator_a, coordinator_b, refs, seed
):
    record_randomly(seed, [(site_a, coordinator_a), (site_b, coordinator_b)], refs)
    incremental = rollups.snapshot()
    assert incremental[0] and incremental[1]
    out, err = rebuild("--check")
    assert "Aucune différence" in out
    assert err == ""
    assert rollups.snapshot() == incremental
    totals = sum(v for key, v in incremental[0].items() if key[2] == Dimension.TOTAL)
    assert totals == Visit.objects.count() + sum(
        AggregateCount.objects.filter(dimension=Dimension.TOTAL).values_list("count", flat=True)
    )


@pytest.mark.django_db
def test_every_roll_up_table_is_checked_satisfaction_and_yearly_included(recorded):
    from stats.models import SatisfactionCount, YearlyCount

    site_a, _site_b = recorded
    questionnaires = SatisfactionCount.objects.filter(site=site_a, question_id=0)
    assert (
        sum(questionnaires.values_list("answers", flat=True))
        == SatisfactionResponse.objects.filter(site=site_a).count()
    )
    cell = SatisfactionCount.objects.filter(site=site_a).exclude(question_id=0).order_by("month").first()
    SatisfactionCount.objects.filter(pk=cell.pk).update(value_sum=F("value_sum") + 2)
    YearlyCount.objects.filter(site=site_a, dimension=Dimension.TOTAL).update(count=F("count") + 1)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--check", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert (
        f"[satisfaction] reims {cell.month:%Y-%m} {cell.question_id} : "
        f"incrémental ({cell.answers}, {cell.value_sum + 2}), recalculé ({cell.answers}, {cell.value_sum})"
    ) in lines
    assert any(line.startswith("[annuel] reims ") and " total 0 " in line for line in lines)
    out, _err = rebuild("--check")
    assert "Aucune différence" in out


@pytest.mark.django_db
def test_check_reports_differences_exits_1_and_repairs(recorded):
    site_a, _site_b = recorded
    MonthlyCount.objects.filter(site=site_a, dimension=Dimension.TOTAL).update(count=F("count") + 1)
    MonthlyCrossCount.objects.filter(site=site_a).order_by("pk")[:1].get().delete()
    with pytest.raises(CommandError) as raised:
        rebuild("--check")
    assert raised.value.returncode == 1
    assert "différaient" in str(raised.value)
    # The tables are right again: a second check finds nothing.
    out, _err = rebuild("--check")
    assert "Aucune différence" in out


@pytest.mark.django_db
def test_differences_are_listed_cell_by_cell(recorded):
    site_a, _site_b = recorded
    cell = (
        MonthlyCount.objects.filter(site=site_a, dimension=Dimension.TOTAL)
        .order_by("month", "sex_id")
        .first()
    )
    MonthlyCount.objects.filter(pk=cell.pk).update(count=cell.count + 5)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_rollups", "--check", stdout=io.StringIO(), stderr=err)
    expected = (
        f"[mensuel] reims {cell.month:%Y-%m} total 0 {cell.sex_id} : "
        f"incrémental {cell.count + 5}, recalculé {cell.count}"
    )
    assert err.getvalue().strip() == expected


@pytest.mark.django_db
def test_the_site_option_limits_the_rebuild_and_the_check(recorded):
    site_a, site_b = recorded
    MonthlyCount.objects.filter(site=site_b, dimension=Dimension.TOTAL).update(count=F("count") + 1)
    out, _err = rebuild("--check", "--site", "reims")
    assert "Tables recalculées (1 site(s))" in out
    assert "Aucune différence" in out
    with pytest.raises(CommandError) as raised:
        rebuild("--check", "--site", "reims", "--site", "troyes")
    assert raised.value.returncode == 1
    with pytest.raises(CommandError, match="Site inconnu : nulle-part"):
        rebuild("--site", "nulle-part")


@pytest.mark.django_db
def test_without_check_the_tables_are_rebuilt_quietly(recorded):
    MonthlyCount.objects.all().delete()
    MonthlyCrossCount.objects.all().delete()
    out, err = rebuild()
    assert out.startswith("Tables recalculées (tous les sites)")
    assert err == ""
    assert MonthlyCount.objects.exists() and MonthlyCrossCount.objects.exists()


@pytest.mark.django_db
def test_the_rebuild_task_calls_the_rebuild(recorded):
    site_a, _site_b = recorded
    expected = rollups.snapshot()
    MonthlyCount.objects.all().delete()
    tasks.rebuild_rollups.apply(kwargs={"site_ids": [site_a.pk]}).get()
    assert rollups.snapshot()[0] == {k: v for k, v in expected[0].items() if k[0] == site_a.pk}


# --- The admin ----------------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_every_reference_list_is_in_the_admin_and_no_raw_data_is():
    for model in (
        ContactKind,
        Sex,
        AgeBand,
        Situation,
        EducationLevel,
        Channel,
        ReferralTarget,
        SatisfactionQuestion,
    ):
        assert isinstance(admin.site._registry[model], ReferenceItemAdmin), model
    for model in (
        Visit,
        AggregateCount,
        MonthlyCount,
        MonthlyCrossCount,
        SatisfactionResponse,
        SatisfactionAnswer,
    ):
        assert model not in admin.site._registry, model


@pytest.mark.django_db
def test_reference_lists_are_edited_in_the_admin(client_for, superuser, refs):
    client = client_for(superuser)
    for model in (Sex, SatisfactionQuestion, ReferralTarget):
        url = reverse(f"admin:stats_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200
    response = client.post(
        reverse("admin:stats_satisfactionquestion_add"),
        {"code": "accueil", "label": "L'accueil", "order": 1},
    )
    assert response.status_code == 302
    assert SatisfactionQuestion.objects.filter(code="accueil").exists()


@pytest.mark.django_db
def test_periods_and_their_history_are_read_only_in_the_admin(
    client_for, superuser, site_a, coordinator_a, refs
):
    services.aggregate_set(
        site=site_a,
        month=months_ago(1),
        author=coordinator_a,
        counts={(Dimension.TOTAL, 0, refs.sexes[0].pk): 3},
    )
    period = Period.objects.get()
    services.period_submit(period=period, author=coordinator_a)
    event = PeriodEvent.objects.get()
    client = client_for(superuser)
    changelist = client.get(reverse("admin:stats_period_changelist") + "?status__exact=soumise")
    assert changelist.status_code == 200
    assert "Espace métiers de Reims" in changelist.content.decode()
    assert client.get(reverse("admin:stats_period_change", args=[period.pk])).status_code == 200  # View only.
    assert client.get(reverse("admin:stats_period_add")).status_code == 403
    assert (
        client.post(reverse("admin:stats_period_change", args=[period.pk]), {"status": "ouverte"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:stats_period_delete", args=[period.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert client.get(reverse("admin:stats_periodevent_changelist")).status_code == 200
    assert client.get(reverse("admin:stats_periodevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:stats_periodevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    period.refresh_from_db()
    assert period.status == PeriodStatus.SUBMITTED
