from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network.models.strategy import Challenge, Indicator, IndicatorValue, StrategicAction
from sites.models.plans import ActionPlan, PlanAction

pytestmark = pytest.mark.django_db

READERS = ["regional_coordinator", "observer", "coordinator_a", "partner"]


def _action(strategy):
    return StrategicAction.objects.get(challenge__priority__strategy=strategy)


@pytest.mark.parametrize("persona", READERS)
def test_readers_see_the_strategy_tree(request, client_for, strategy, persona):
    response = client_for(request.getfixturevalue(persona)).get(reverse("strategy:overview"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "L&#x27;orientation tout au long de la vie" in html
    assert "Le SPRO au service du public" in html
    assert "GIP Arifor" in html and "CIO de Reims" in html
    # The milestone of March 2024 was never done: it is flagged late.
    assert "en retard" in html
    assert "2023 : 120" in html
    assert ("Ajouter une priorité" in html) is (persona == "regional_coordinator")


def test_anonymous_is_sent_to_login(client_for, strategy):
    for name in ["strategy:overview", "strategy:dashboard", "strategy:session_list", "strategy:calendar"]:
        response = client_for(None).get(reverse(name))
        assert response.status_code == 302
        assert reverse("login") in response["Location"]


def test_person_without_role_gets_403(client_for, strategy):
    from tests.factories import UserFactory

    client = client_for(UserFactory(username="sans-role"))
    assert client.get(reverse("strategy:overview")).status_code == 403
    assert client.get(reverse("strategy:session_list")).status_code == 403


@pytest.mark.parametrize("persona", READERS)
def test_action_detail(request, client_for, strategy, persona):
    action = _action(strategy)
    response = client_for(request.getfixturevalue(persona)).get(
        reverse("strategy:action_detail", kwargs={"pk": action.pk})
    )
    assert response.status_code == 200
    assert "Cartographie des acteurs" in response.content.decode()


@pytest.mark.parametrize("persona", ["observer", "coordinator_a", "coordinator_b", "partner"])
def test_only_the_coordination_edits(request, client_for, strategy, persona):
    client = client_for(request.getfixturevalue(persona))
    action = _action(strategy)
    urls = [
        reverse("strategy:strategy_create"),
        reverse("strategy:strategy_edit", kwargs={"pk": strategy.pk}),
        reverse("strategy:priority_create", kwargs={"strategy_pk": strategy.pk}),
        reverse("strategy:action_edit", kwargs={"pk": action.pk}),
        reverse("strategy:indicator_create", kwargs={"action_pk": action.pk}),
        reverse("strategy:milestone_create", kwargs={"action_pk": action.pk}),
        reverse("strategy:review_create", kwargs={"strategy_pk": strategy.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"title": "x"}).status_code == 403, url


def test_coordinator_builds_a_strategy(client_for, regional_coordinator):
    client = client_for(regional_coordinator)
    response = client.post(
        reverse("strategy:strategy_create"),
        {"title": "Stratégie 2030", "start_year": 2026, "end_year": 2025, "summary": ""},
    )
    assert response.status_code == 200  # end before start: refused
    assert "ne peut pas précéder" in response.content.decode()
    response = client.post(
        reverse("strategy:strategy_create"),
        {"title": "Stratégie 2030", "start_year": 2026, "end_year": 2030, "summary": ""},
    )
    assert response.status_code == 302
    from network.models.strategy import Strategy

    strategy = Strategy.objects.get(title="Stratégie 2030")
    client.post(
        reverse("strategy:priority_create", kwargs={"strategy_pk": strategy.pk}),
        {"code": "P1", "title": "Connaître les métiers", "order": 1},
    )
    priority = strategy.priorities.get()
    client.post(
        reverse("strategy:challenge_create", kwargs={"priority_pk": priority.pk}),
        {"code": "D1", "title": "Informer", "order": 1},
    )
    challenge = Challenge.objects.get(priority=priority)
    response = client.post(
        reverse("strategy:action_create", kwargs={"challenge_pk": challenge.pk}),
        {"code": "A1", "title": "Zooms métiers", "description": "", "follow_up_method": ""},
    )
    action = StrategicAction.objects.get(challenge=challenge)
    assert response["Location"] == reverse("strategy:action_detail", kwargs={"pk": action.pk})
    response = client.post(
        reverse("strategy:milestone_create", kwargs={"action_pk": action.pk}),
        {"label": "Lancement", "due_on": "2026-09-01", "done_on": ""},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("strategy:review_create", kwargs={"strategy_pk": strategy.pk}),
        {"kind": "annuel", "year": 2026, "text": "Première année."},
    )
    assert response.status_code == 302
    assert (
        "Première année."
        in client.get(reverse("strategy:overview") + f"?strategie={strategy.pk}").content.decode()
    )


def test_coordinator_configures_an_indicator_whose_values_reach_the_dashboard(
    client_for, regional_coordinator, strategy, site_a
):
    client = client_for(regional_coordinator)
    action = _action(strategy)
    response = client.post(
        reverse("strategy:indicator_create", kwargs={"action_pk": action.pk}),
        {
            "code": "zooms-metiers",
            "label": "Zooms métiers organisés",
            "unit": "zooms",
            "source": "Outil statistique",
            "periodicity": "annuelle",
            "target": "40",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    indicator = Indicator.objects.get(code="zooms-metiers")
    for year, value in [(2024, "12"), (2025, "30"), (2025, "32")]:  # 2025 typed twice: replaced
        response = client.post(
            reverse("strategy:indicator_value", kwargs={"pk": indicator.pk}),
            {"year": year, "value": value, "comment": ""},
        )
        assert response.status_code == 302
    assert list(indicator.values.values_list("year", "value")) == [
        (2024, Decimal("12")),
        (2025, Decimal("32")),
    ]
    # A year outside the strategy is refused by the service, shown on the form.
    response = client.post(
        reverse("strategy:indicator_value", kwargs={"pk": indicator.pk}), {"year": 2040, "value": "1"}
    )
    assert response.status_code == 200 and "comprise entre" in response.content.decode()

    plan = ActionPlan.objects.create(site=site_a, year=2025)
    challenge = action.challenge
    PlanAction.objects.create(plan=plan, title="Forum des métiers", regional_axis=challenge)
    PlanAction.objects.create(plan=plan, title="Café pro", regional_axis=challenge)
    PlanAction.objects.create(
        plan=plan, title="Atelier rejeté", regional_axis=challenge, arbitration="rejetee"
    )

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("strategy:dashboard") + "?year=2025")
    html = response.content.decode()
    assert "Zooms métiers organisés" in html
    assert "32 zooms (2025)" in html and "80 %" in html  # 32 / 40
    assert "60 %" in html  # membres-spro: 120 / 200 (latest value 2023)
    assert response.context["rows"][0].challenges[0].site_actions == 2
    # session, user, roles (2), strategy, priorities, challenges, milestones, indicators, values,
    # site actions: about a dozen, and it does not grow with the tree.
    assert len(queries) <= 14


def test_dashboard_counts_milestones_of_the_year(client_for, observer, strategy):
    response = client_for(observer).get(reverse("strategy:dashboard") + "?year=2024")
    challenge_row = response.context["rows"][0].challenges[0]
    assert (challenge_row.milestones_due, challenge_row.milestones_done, challenge_row.milestones_late) == (
        2,
        1,
        1,
    )


def test_indicator_value_unique_per_year(strategy):
    from network.strategy import services

    indicator = Indicator.objects.get(code="membres-spro")
    services.indicator_value_set(indicator=indicator, year=2023, value=Decimal("130"))
    assert IndicatorValue.objects.get(indicator=indicator, year=2023).value == 130


def test_overview_query_count_does_not_grow(client_for, observer, strategy):
    client = client_for(observer)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("strategy:overview"))
    challenge = Challenge.objects.get()
    for n in range(5):
        StrategicAction.objects.create(challenge=challenge, code=f"B{n}", title=f"Action {n}")
    with CaptureQueriesContext(connection) as big:
        client.get(reverse("strategy:overview"))
    # Prefetches: one query per level (priorities, challenges, actions, partners, milestones,
    # indicators, values), whatever the number of actions.
    assert len(big) == len(small)


def _dashboard_cell(client, challenge_title: str):
    """The 'site actions' cell of a challenge's row, or None when the column is not shown."""
    page = BeautifulSoup(client.get(reverse("strategy:dashboard") + "?year=2025").content, "html.parser")
    headers = [th.get_text(strip=True) for th in page.select("table thead th")]
    column = next((i for i, h in enumerate(headers) if h.startswith("Actions de")), None)
    if column is None:
        return None
    row = next(
        tr for tr in page.select("table tbody tr") if tr.th and tr.th.get_text(strip=True) == challenge_title
    )
    return int(row.find_all(["th", "td"])[column].get_text(strip=True))


def test_dashboard_counts_only_the_plan_actions_each_reader_may_see(
    client_for, strategy, regional_coordinator, coordinator_a, coordinator_b, site_b, partner
):
    """A draft action of Troyes moved the count seen by Reims's coordinator and by partners."""
    challenge = Challenge.objects.get(priority__strategy=strategy)
    title = str(challenge)
    before = {
        name: _dashboard_cell(client_for(user), title)
        for name, user in [
            ("coordination", regional_coordinator),
            ("reims", coordinator_a),
            ("partner", partner),
        ]
    }
    assert before == {"coordination": 0, "reims": 0, "partner": None}

    troyes_draft = ActionPlan.objects.create(site=site_b, year=2025)
    PlanAction.objects.create(plan=troyes_draft, title="Forum de Troyes", regional_axis=challenge)

    assert _dashboard_cell(client_for(regional_coordinator), title) == 1
    assert _dashboard_cell(client_for(coordinator_b), title) == 1  # Troyes's own plan
    assert _dashboard_cell(client_for(coordinator_a), title) == 0
    assert _dashboard_cell(client_for(partner), title) is None
