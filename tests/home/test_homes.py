"""Each persona's home shows its work to do, with counts and direct links, on 15 June 2026."""

import pytest
from django.urls import reverse

from stats.enums import PeriodStatus
from tests.helpers import soup, texts

from .conftest import NOW

pytestmark = pytest.mark.time_machine(NOW, tick=False)


def home(as_persona, persona):
    response = as_persona(persona).get(reverse("home"))
    assert response.status_code == 200
    return response


def card_lines(response, slug: str) -> dict[str, dict]:
    """The lines of a work card by their label: count (None without one), link and detail."""
    card = soup(response).select_one(f"main #carte-{slug}")
    assert card is not None, f"no card {slug!r}"
    lines = {}
    for item in card.select("li.work-line"):
        label = item.select_one("a, span:not(.work-count):not(.work-detail)")
        count = item.select_one(".work-count")
        detail = item.select_one(".work-detail")
        link = item.select_one("a")
        lines[" ".join(label.get_text(" ").split())] = {
            "count": int(count.get_text().replace("\u202f", "").replace(" ", "")) if count else None,
            "href": link["href"] if link else None,
            "detail": " ".join(detail.get_text(" ").split()) if detail else "",
        }
    return lines


def card_slugs(response) -> list[str]:
    return [card["data-card"] for card in soup(response).select("main li.work-card")]


def read_links(response) -> dict[str, str]:
    return {a.get_text(strip=True): a["href"] for a in soup(response).select("main ul.read-links a")}


# --- The coordination ---------------------------------------------------------------------------


def test_the_coordination_sees_its_work_in_order(as_persona, work):
    response = home(as_persona, "regional_coordinator")

    assert card_slugs(response) == ["periodes", "labels", "plans", "gouvernance", "bilans"]
    assert texts(response, "main h2")[0] == "Votre travail à faire"


def test_the_coordination_counts_the_periods_to_validate_and_the_late_ones(as_persona, work):
    lines = card_lines(home(as_persona, "regional_coordinator"), "periodes")
    periods = reverse("stats:period_list")

    assert lines["en attente de validation"] == {
        "count": 1,
        "href": f"{periods}?status={PeriodStatus.SUBMITTED}",
        "detail": "",
    }
    assert lines["en retard (non soumises après l'échéance)"]["count"] == 2
    assert lines["en retard (non soumises après l'échéance)"]["href"] == f"{periods}?late=on"
    assert lines["validées, à verrouiller"]["count"] == 1


def test_the_period_links_open_the_lists_they_count(as_persona, work):
    client = as_persona("regional_coordinator")
    lines = card_lines(home(as_persona, "regional_coordinator"), "periodes")

    late = client.get(lines["en retard (non soumises après l'échéance)"]["href"])
    submitted = client.get(lines["en attente de validation"]["href"])

    assert late.status_code == submitted.status_code == 200
    assert len(late.context["rows"]) == 2
    assert [row["period"].site.slug for row in submitted.context["rows"]] == ["troyes"]


def test_the_coordination_counts_label_applications_and_renewals(as_persona, work):
    lines = card_lines(home(as_persona, "regional_coordinator"), "labels")
    applications = reverse("labels:application_list")

    assert lines["candidatures déposées, à instruire"]["count"] == 1
    assert lines["candidatures déposées, à instruire"]["href"] == f"{applications}?status=deposee"
    assert lines["avis rendus, décision de la Région à enregistrer"]["count"] == 0
    assert lines["labels à renouveler"]["count"] == 1
    assert lines["labels à renouveler"]["detail"] == "dont 1 dépassés"


def test_the_coordination_counts_plans_to_arbitrate_and_to_validate(as_persona, work):
    lines = card_lines(home(as_persona, "regional_coordinator"), "plans")
    plans = reverse("plans:list")

    assert lines["plans proposés, à arbitrer"] == {
        "count": 1,
        "href": f"{plans}?status=propose",
        "detail": "",
    }
    assert lines["plans transmis, validation de la Région à enregistrer"]["count"] == 0


def test_the_coordination_sees_overdue_decisions_and_minutes_to_adopt(as_persona, work):
    lines = card_lines(home(as_persona, "regional_coordinator"), "gouvernance")

    assert lines["décisions en retard"]["count"] == 1
    assert lines["décisions en retard"]["href"] == reverse("governance:decision_list") + "?overdue=oui"
    assert lines["réunions tenues sans compte rendu adopté"]["count"] == 1
    meeting = lines["Commission régionale — 20 mai 2026"]
    assert meeting["href"] == reverse("governance:meeting_detail", kwargs={"pk": work["held"].pk})
    assert meeting["detail"] == "compte rendu : brouillon"


def test_the_overdue_link_lists_the_overdue_decision(as_persona, work):
    client = as_persona("regional_coordinator")
    href = card_lines(home(as_persona, "regional_coordinator"), "gouvernance")["décisions en retard"]["href"]

    response = client.get(href)

    assert [d.pk for d in response.context["page_obj"]] == [work["decision"].pk]


def test_the_coordination_sees_last_years_reports_to_build(as_persona, work):
    lines = card_lines(home(as_persona, "regional_coordinator"), "bilans")

    assert lines["bilans de sites 2025 à produire"]["count"] == 2
    assert lines["Bilan régional consolidé 2025 à produire"]["count"] == 1
    assert lines["Bilan de la gouvernance 2025 à produire"]["count"] == 1


# --- A site coordinator ---------------------------------------------------------------------------


def test_a_site_coordinator_opens_the_desk_in_one_click(as_persona, work):
    lines = card_lines(home(as_persona, "coordinator_a"), "passages-reims")

    assert lines["Saisir les passages du jour"]["href"] == reverse(
        "stats:visit_desk", kwargs={"slug": "reims"}
    )


def test_a_site_coordinator_sees_the_month_to_submit_with_its_deadline(as_persona, work):
    lines = card_lines(home(as_persona, "coordinator_a"), "passages-reims")

    may = lines["mai 2026 à soumettre"]
    assert may["detail"] == "échéance dépassée le 10 juin 2026"
    assert may["href"].startswith("/statistiques/periodes/")
    assert lines["mois en retard"]["count"] == 1


def test_a_site_coordinator_sees_the_month_sent_back_and_why(as_persona, work):
    lines = card_lines(home(as_persona, "coordinator_a"), "passages-reims")

    april = lines["avril 2026 renvoyée par la coordination"]
    assert april["detail"] == "motif : Totaux d'avril incohérents"
    assert april["href"] == reverse("stats:period_detail", kwargs={"pk": work["april"].pk})


@pytest.mark.time_machine("2026-06-05 10:00 +02:00", tick=False)
def test_before_the_deadline_the_month_is_due_on_its_date(as_persona, work):
    lines = card_lines(home(as_persona, "coordinator_a"), "passages-reims")

    assert lines["mai 2026 à soumettre"]["detail"] == "avant le 10 juin 2026"


def test_a_site_coordinator_sees_the_plans_next_step_and_self_assessment(as_persona, work):
    response = home(as_persona, "coordinator_a")
    plans = card_lines(response, "plans-sites")
    labels = card_lines(response, "label-sites")

    assert plans["Plan d'actions 2026"] == {
        "count": None,
        "href": reverse("plans:detail", kwargs={"pk": work["plan_a"].pk}),
        "detail": "brouillon : compléter les actions puis proposer le plan",
    }
    assert labels["Auto-évaluation 2026"]["detail"] == "à commencer"
    assert labels["Auto-évaluation 2026"]["href"] == reverse(
        "labels:assessment_edit", kwargs={"slug": "reims", "year": 2026}
    )
    assert labels["Candidature au label"]["detail"] == "En préparation"


def test_a_site_coordinator_sees_the_next_meetings_of_their_bodies_and_their_events(as_persona, work):
    response = home(as_persona, "coordinator_a")
    meetings = card_lines(response, "reunions")
    events = card_lines(response, "evenements")

    assert list(meetings) == ["Comité de pilotage de Reims"]
    assert meetings["Comité de pilotage de Reims"]["detail"] == "jeudi 25 juin 2026 à 14:00"
    assert list(events) == ["Forum des métiers"]
    assert events["Forum des métiers"]["href"] == reverse("events:detail", kwargs={"pk": work["forum"].pk})


def test_a_site_coordinator_sees_only_their_own_sites_work(as_persona, work):
    response = home(as_persona, "coordinator_b")
    page = response.content.decode()

    assert "passages-troyes" in card_slugs(response)
    assert "passages-reims" not in card_slugs(response)
    assert "Forum des métiers" not in page
    assert "Totaux d'avril" not in page
    # Site B handed May in: nothing to submit, and no coordination card.
    assert not any(label.endswith("à soumettre") for label in card_lines(response, "passages-troyes"))
    assert "periodes" not in card_slugs(response)


def test_a_site_coordinator_has_the_coordinations_cards_nowhere(as_persona, work):
    slugs = card_slugs(home(as_persona, "coordinator_a"))

    assert "labels" not in slugs and "plans" not in slugs and "bilans" not in slugs


# --- Partner and observer: what they may read -----------------------------------------------------


def test_a_partner_sees_their_meetings_events_and_what_they_read(as_persona, work):
    response = home(as_persona, "partner")

    assert card_slugs(response) == ["reunions", "evenements"]
    assert list(card_lines(response, "reunions")) == ["Commission régionale"]
    assert list(card_lines(response, "evenements")) == ["Job dating alternance"]
    read = read_links(response)
    assert read["Annuaire des sites"] == reverse("sites:directory")
    assert read["Événements du réseau"] == reverse("events:list")
    assert "Tableau de bord régional des passages" not in read
    assert "Périodes de statistiques" not in read


def test_an_observer_reads_the_network_without_work_to_do(as_persona, work):
    response = home(as_persona, "observer")

    assert card_slugs(response) == []
    read = read_links(response)
    assert read["Tableau de bord régional des passages"] == reverse("stats:region_dashboard")
    assert read["Périodes de statistiques"] == reverse("stats:period_list")
    assert read["Fréquentation des événements"] == reverse("event_stats:region")


@pytest.mark.parametrize(
    "persona", ["regional_coordinator", "coordinator_a", "coordinator_b", "partner", "observer"]
)
def test_every_link_of_the_home_opens(as_persona, work, persona):
    client = as_persona(persona)
    response = home(as_persona, persona)
    targets = {
        a["href"] for a in soup(response).select("main li.work-card a[href], main ul.read-links a[href]")
    }

    for href in sorted(targets):
        if href.startswith("#"):
            continue
        answer = client.get(href)
        assert answer.status_code == 200, (persona, href, answer.status_code)


def test_an_empty_network_still_shows_each_card(as_persona, personas):
    response = home(as_persona, "regional_coordinator")

    assert card_lines(response, "periodes")["en attente de validation"]["count"] == 0
    assert card_lines(response, "plans")["plans proposés, à arbitrer"]["count"] == 0
