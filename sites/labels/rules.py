"""Who may do what with label applications, self-evaluations and coordination visits.

Each rule states both who may act and in which state of the object: a button the template shows
(`{% test_rule "labels.submit_application" user application as can_submit %}`) is an action the
view and the service accept. The state predicates below read the object only; the services use
them (`in_state`) to refuse a step with their French message when the person may act but the
object's state forbids it.

Objects: a `LabelApplication`, a `SelfAssessment` (or the `Site`, for one not started yet), a `Site`.
"""

import rules

from network.rules import is_regional_coordinator, is_site_coordinator, reads_whole_network

from ..enums import ApplicationStatus, AssessmentStatus, LabelStatus
from ..models.evaluation import SelfAssessment
from ..models.labels import LabelApplication
from ..rules import coordinates_site_if_given, edits_site

# Applications still in progress: a site has at most one at a time.
OPEN_STATUSES = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.INSTRUCTION,
    ApplicationStatus.OPINION_GIVEN,
)
# Site statuses that renew their label rather than apply for a first one.
RENEWABLE_SITE_STATUSES = (LabelStatus.LABELLED, LabelStatus.SUSPENDED)


def in_state(predicate, obj) -> bool:
    """Whether a state predicate of this module (one that reads the object only) holds for `obj`."""
    return predicate.test(None, obj)


# The states of an application.


def _status_in(*statuses):
    def check(_user, application) -> bool:
        return application is not None and application.status in statuses

    return check


is_draft = rules.predicate(_status_in(ApplicationStatus.DRAFT), name="is_draft")
is_open = rules.predicate(_status_in(*OPEN_STATUSES), name="is_open")
awaits_instruction = rules.predicate(
    _status_in(ApplicationStatus.SUBMITTED, ApplicationStatus.INSTRUCTION), name="awaits_instruction"
)
awaits_opinion = rules.predicate(
    _status_in(ApplicationStatus.INSTRUCTION, ApplicationStatus.OPINION_GIVEN), name="awaits_opinion"
)
awaits_decision = rules.predicate(_status_in(ApplicationStatus.OPINION_GIVEN), name="awaits_decision")


@rules.predicate
def has_required_pieces(_user, application) -> bool:
    """Every required piece of the site kind's list has a document (LabelApplication.missing_pieces)."""
    return application is not None and not application.missing_pieces()


# The states of a site, for its renewal.


@rules.predicate
def holds_label(_user, site) -> bool:
    """A labelled or suspended site (its next application is a renewal)."""
    return site is not None and site.label_status in RENEWABLE_SITE_STATUSES


@rules.predicate
def has_no_open_application(_user, site) -> bool:
    if site is None:
        return False
    return not LabelApplication.objects.filter(site=site, status__in=OPEN_STATUSES).exists()


# The states of a self-evaluation.


@rules.predicate
def assessment_is_draft(_user, obj) -> bool:
    """A draft self-evaluation, or none yet (the object is then its site)."""
    if isinstance(obj, SelfAssessment):
        return obj.status == AssessmentStatus.DRAFT
    return obj is not None


@rules.predicate
def assessment_is_submitted(_user, obj) -> bool:
    return isinstance(obj, SelfAssessment) and obj.status == AssessmentStatus.SUBMITTED


# Who. The site's editors (its coordinators and the regional coordination) write its files;
# without an object, `labels.write` asks whether the person edits any site.
writes = is_regional_coordinator | coordinates_site_if_given


rules.add_rule("labels.read", reads_whole_network | is_site_coordinator)
rules.add_rule("labels.write", writes)
# The steps that belong to the regional coordination (instruction, avis, décision, visits).
rules.add_rule("labels.coordinate", is_regional_coordinator)

# Applications (object: the application; for creation, the site or none).
rules.add_rule("labels.create_application", writes)
# Adding pieces, while the file is open.
rules.add_rule("labels.edit_application", edits_site & is_open)
# Filing: a draft whose required pieces are all given.
rules.add_rule("labels.submit_application", edits_site & is_draft & has_required_pieces)
rules.add_rule("labels.withdraw_application", edits_site & is_open)
rules.add_rule("labels.instruct_application", is_regional_coordinator & awaits_instruction)
rules.add_rule("labels.record_opinion", is_regional_coordinator & awaits_opinion)
rules.add_rule("labels.decide_application", is_regional_coordinator & awaits_decision)
# Object: the site. A labelled or suspended site without a file in progress.
rules.add_rule("labels.prepare_renewal", edits_site & holds_label & has_no_open_application)

# Self-evaluations (object: the assessment, or its site for one not started): the site's editors
# write a draft; the regional coordination also a transmitted one, and may give it back as a draft.
rules.add_rule("labels.write_assessment", edits_site & (is_regional_coordinator | assessment_is_draft))
rules.add_rule("labels.reopen_assessment", is_regional_coordinator & assessment_is_submitted)

# Coordination visits: the regional coordination records them; readers read them.
rules.add_rule("labels.record_visit", is_regional_coordinator)
