"""The rules of sites/labels/rules.py, per persona and per state of the application, the
self-evaluation or the site: what the pages show and what the views and services accept."""

import pytest
import rules
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from sites.enums import ApplicationStatus, AssessmentStatus, LabelStatus
from sites.labels import services
from sites.labels.rules import OPEN_STATUSES
from sites.models.evaluation import SelfAssessment
from sites.models.labels import LabelApplication
from tests.factories import UserFactory
from tests.helpers import PERSONAS

pytestmark = pytest.mark.django_db

EDITORS = {"regional_coordinator", "coordinator_a"}
COORDINATION = {"regional_coordinator"}
NOBODY: set[str] = set()


@pytest.fixture
def allowed(personas):
    """allowed(rule, obj): the personas the rule lets act on obj."""

    def check(rule, obj=None) -> set[str]:
        return {name for name in PERSONAS if rules.test_rule(rule, personas[name] or AnonymousUser(), obj)}

    return check


def _application(site, status) -> LabelApplication:
    # Unsaved: the rules read the status and the site only.
    return LabelApplication(site=site, status=status)


# Applications: (rule, the statuses it accepts, who may act then).
APPLICATION_RULES = [
    ("labels.submit_application", {ApplicationStatus.DRAFT}, EDITORS),
    ("labels.withdraw_application", set(OPEN_STATUSES), EDITORS),
    ("labels.edit_application", set(OPEN_STATUSES), EDITORS),
    (
        "labels.instruct_application",
        {ApplicationStatus.SUBMITTED, ApplicationStatus.INSTRUCTION},
        COORDINATION,
    ),
    (
        "labels.record_opinion",
        {ApplicationStatus.INSTRUCTION, ApplicationStatus.OPINION_GIVEN},
        COORDINATION,
    ),
    ("labels.decide_application", {ApplicationStatus.OPINION_GIVEN}, COORDINATION),
]


@pytest.mark.parametrize("status", ApplicationStatus.values)
@pytest.mark.parametrize(
    ("rule", "statuses", "who"), APPLICATION_RULES, ids=[r[0] for r in APPLICATION_RULES]
)
def test_application_rules_per_status_and_persona(allowed, site_a, rule, statuses, who, status):
    expected = who if status in statuses else NOBODY
    assert allowed(rule, _application(site_a, status)) == expected


def test_a_closed_application_takes_no_step(allowed, site_a):
    for status in (ApplicationStatus.DECIDED, ApplicationStatus.WITHDRAWN):
        application = _application(site_a, status)
        for rule, _statuses, _who in APPLICATION_RULES:
            assert allowed(rule, application) == NOBODY, (rule, status)


def test_the_role_rules(allowed, site_a, site_b):
    assert allowed("labels.read") == {"regional_coordinator", "observer", "coordinator_a", "coordinator_b"}
    # Without a site: whoever edits some site; with one: its editors.
    assert allowed("labels.write") == {"regional_coordinator", "coordinator_a", "coordinator_b"}
    assert allowed("labels.create_application") == {"regional_coordinator", "coordinator_a", "coordinator_b"}
    assert allowed("labels.create_application", site_a) == EDITORS
    assert allowed("labels.write", site_b) == {"regional_coordinator", "coordinator_b"}
    assert allowed("labels.coordinate") == COORDINATION
    assert allowed("labels.record_visit", site_a) == COORDINATION


def test_prepare_renewal_needs_a_label_and_no_open_file(allowed, site_a):
    assert site_a.label_status == LabelStatus.LABELLED
    assert allowed("labels.prepare_renewal", site_a) == EDITORS
    application = services.label_application_create(site=site_a, is_renewal=True)
    assert allowed("labels.prepare_renewal", site_a) == NOBODY
    services.label_application_withdraw(application=application)
    assert allowed("labels.prepare_renewal", site_a) == EDITORS
    site_a.label_status = LabelStatus.PROJECT
    assert allowed("labels.prepare_renewal", site_a) == NOBODY


def test_self_evaluation_rules(allowed, site_a, grid):
    # Not started yet: asked about through the site.
    assert allowed("labels.write_assessment", site_a) == EDITORS
    assert allowed("labels.reopen_assessment", site_a) == NOBODY
    draft = SelfAssessment(site=site_a, year=2026, grid=grid, status=AssessmentStatus.DRAFT)
    assert allowed("labels.write_assessment", draft) == EDITORS
    assert allowed("labels.reopen_assessment", draft) == NOBODY
    # Transmitted: the site reads it; the coordination may still correct it or give it back.
    submitted = SelfAssessment(site=site_a, year=2026, grid=grid, status=AssessmentStatus.SUBMITTED)
    assert allowed("labels.write_assessment", submitted) == COORDINATION
    assert allowed("labels.reopen_assessment", submitted) == COORDINATION


def test_the_other_sites_coordinator_acts_on_their_own_files_only(personas, site_a, site_b):
    coordinator_b = personas["coordinator_b"]
    assert rules.test_rule("labels.submit_application", coordinator_b, _application(site_b, "brouillon"))
    assert not rules.test_rule("labels.submit_application", coordinator_b, _application(site_a, "brouillon"))


def test_a_superuser_gets_no_button_the_state_forbids(site_a):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    decided = _application(site_a, ApplicationStatus.DECIDED)
    # Django's superuser shortcut would say yes to any permission; the rule reads the state.
    assert admin.has_perm("labels.submit_application", decided)
    assert not rules.test_rule("labels.submit_application", admin, decided)
    assert rules.test_rule("labels.submit_application", admin, _application(site_a, ApplicationStatus.DRAFT))


def test_the_services_refuse_whom_the_rules_refuse(personas, application_a):
    for name in ("observer", "partner", "coordinator_b"):
        with pytest.raises(PermissionDenied):
            services.label_application_submit(application=application_a, author=personas[name])
        with pytest.raises(PermissionDenied):
            services.label_application_withdraw(application=application_a, author=personas[name])
    services.label_application_submit(application=application_a, author=personas["coordinator_a"])
    # The site may not instruct its own file; the coordination may, once.
    with pytest.raises(PermissionDenied):
        services.label_application_instruct(
            application=application_a, notes="x", instructed_on=None, author=personas["coordinator_a"]
        )
    # The person may act, the state forbids: the French message, not a 403.
    with pytest.raises(ValidationError, match="déjà été déposée"):
        services.label_application_submit(application=application_a, author=personas["coordinator_a"])
