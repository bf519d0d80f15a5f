"""Every write of the yearly reports: runs, stored files and their versions, narratives.

How a run goes (the tasks in tasks.py only call these functions):

1. `report_run_start` records the run (year, kinds, provisional, the labelled sites) and, once the
   transaction is committed, enqueues its first steps (`report_run_first_steps`): one task per
   site, and the governance report, which depends on nothing else;
2. each step builds its document (`report_step_build`: the document engineer's functions, then
   WeasyPrint, then `report_file_store`) and, once it succeeded or failed for good (retries spent),
   reports its outcome to `report_step_finished`;
3. `report_step_finished` counts the outcome under a lock on the run's row, once per step (a
   redelivered message is not counted twice), and names the steps to enqueue next: the regional
   report when the last site is over, *whatever the sites' outcomes*. This counter in the database
   replaces a Celery chord, whose body would never run after a failed site: the regional report
   is always built, and names the sites whose report failed (`missing_sites`).

A run is "done" when every step is over without failure, "failed" (« terminée avec des erreurs »)
when at least one step failed; the progress page reads the counters.
"""

import datetime
import hashlib
import importlib
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sites.models import Site
from spro.web.access import require

from .enums import NarrativeStatus, ReportKind, RunStatus, kind_label
from .models import Narrative, ReportFile, ReportRun

logger = logging.getLogger(__name__)

# The kinds built by a run, in the order they are offered and built.
KIND_ORDER = [ReportKind.SITE.value, ReportKind.REGION.value, ReportKind.GOVERNANCE.value]
# A run still queued or running after this long is taken as abandoned (a worker that died with
# its broker's messages): another run of the same year may start.
STALE_RUN_AFTER = datetime.timedelta(hours=2)
FIRST_YEAR = 2000


def documents():
    """The document engineer's module (stats/reports/documents.py), imported when first needed."""
    return importlib.import_module("stats.reports.documents")


def available_kinds() -> list[str]:
    """The kinds a run may build: the three of today, then any other the documents register."""
    kinds = list(KIND_ORDER)
    try:
        registered = getattr(documents(), "KINDS", {})
    except ImportError:
        registered = {}
    kinds += [kind for kind in registered if kind not in kinds]
    return kinds


# --- Runs ------------------------------------------------------------------------------------------


def site_key(site_id: int) -> str:
    return f"site:{site_id}"


def report_run_start(
    year: int, kinds, provisional: bool, author, *, sites=None, enqueue: bool = True
) -> ReportRun:
    """Record a run of the year's reports and enqueue it (after the commit).

    `author` None is the command line (build_reports); a person must pass reports.start_run.
    `sites` (a queryset or list) narrows the site reports; by default every labelled site.
    """
    if author is not None:
        require("reports.start_run", author, message=_("Seule la coordination régionale génère les bilans."))
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise ValidationError(
            {
                "year": _("Choisissez une année entre %(first)d et %(last)d.")
                % {"first": FIRST_YEAR, "last": today.year}
            }
        )
    if not provisional and year >= today.year:
        raise ValidationError(
            {
                "provisional": _(
                    "L'année %(year)d n'est pas terminée : seul un bilan provisoire est possible."
                )
                % {"year": year}
            }
        )
    kinds = list(dict.fromkeys(kinds or KIND_ORDER))
    allowed = available_kinds()
    unknown = [kind for kind in kinds if kind not in allowed]
    if unknown:
        raise ValidationError(
            {"kinds": _("Type de bilan inconnu : %(kinds)s.") % {"kinds": ", ".join(unknown)}}
        )
    kinds.sort(key=allowed.index)
    site_ids = []
    if ReportKind.SITE in kinds:
        sites = Site.objects.labelled() if sites is None else sites
        site_ids = [site.pk for site in sorted(sites, key=lambda site: site.name)]
        if not site_ids:
            raise ValidationError({"kinds": _("Aucun site labellisé : aucun bilan de site à produire.")})
    with transaction.atomic():
        busy = ReportRun.objects.filter(
            year=year,
            provisional=provisional,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            created_at__gte=timezone.now() - STALE_RUN_AFTER,
        )
        if busy.exists():
            raise ValidationError(
                _("Les bilans %(year)d sont déjà en cours de génération : attendez la fin de celle-ci.")
                % {"year": year}
            )
        run = ReportRun.objects.create(
            year=year,
            kinds=kinds,
            provisional=provisional,
            site_ids=site_ids,
            requested_by=author,
            total=len(site_ids) + sum(1 for kind in kinds if kind != ReportKind.SITE),
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue_first_steps(run.pk))
    logger.info("Bilans %s : génération %s demandée (%s documents)", year, run.pk, run.total)
    return run


def _enqueue_first_steps(run_id: int) -> None:
    from . import tasks  # The tasks call this module: imported when needed.

    tasks.enqueue_steps(run_id, report_run_first_steps(ReportRun.objects.get(pk=run_id)))


def report_run_first_steps(run: ReportRun) -> list[str]:
    """The steps that start at once: every site, and the reports that wait for no site."""
    steps = [site_key(site_id) for site_id in run.site_ids] if run.builds_sites else []
    for kind in run.kinds:
        if kind == ReportKind.SITE or (kind == ReportKind.REGION and run.builds_sites):
            continue
        steps.append(kind)
    return steps


def _step_label(key: str) -> str:
    if key.startswith("site:"):
        site = Site.objects.filter(pk=int(key[5:])).only("name").first()
        return site.name if site else key
    return kind_label(key)


def report_step_started(run_id: int) -> None:
    """The first step to start marks the run as running."""
    ReportRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    )


def report_step_retrying(run_id: int, key: str, message: str, attempt: int, attempts: int) -> None:
    """A step failed and will be tried again: the page shows why, and which attempt comes next."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if key in run.outcomes:
            return
        run.errors[key] = {
            "label": _step_label(key),
            "message": message,
            "attempt": attempt,
            "attempts": attempts,
            "retrying": True,
        }
        run.save(update_fields=["errors"])


def report_step_finished(run_id: int, key: str, *, error: str | None = None, attempts: int = 1) -> list[str]:
    """Count a step's final outcome, once; return the steps to enqueue now (the regional report
    when this was the last site, whatever the sites' outcomes)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run_id)
        if key in run.outcomes:
            return []  # A redelivered message: already counted.
        sites_were_pending = run.sites_processed < run.sites_total
        if error:
            run.outcomes[key] = "failed"
            run.failed += 1
            run.errors[key] = {
                "label": _step_label(key),
                "message": error,
                "attempt": attempts,
                "attempts": attempts,
                "retrying": False,
            }
        else:
            run.outcomes[key] = "done"
            run.done += 1
            run.errors.pop(key, None)
        following = []
        if (
            key.startswith("site:")
            and sites_were_pending
            and run.sites_processed == run.sites_total
            and ReportKind.REGION in run.kinds
        ):
            following.append(ReportKind.REGION.value)
        if run.processed >= run.total:
            run.status = RunStatus.FAILED if run.failed else RunStatus.DONE
            run.finished_at = timezone.now()
        elif run.status == RunStatus.QUEUED:
            run.status = RunStatus.RUNNING
            run.started_at = run.started_at or timezone.now()
        run.save()
    return following


def describe_error(error: BaseException) -> str:
    """A step's failure in French, for the progress page and the command."""
    if isinstance(error, SoftTimeLimitExceeded):
        return _("La mise en page a pris trop de temps et a été interrompue.")
    if isinstance(error, MemoryError):
        return _("Mémoire insuffisante pour mettre en page le document.")
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    if isinstance(error, PermissionDenied):
        return str(error) or _("Opération refusée.")
    if isinstance(error, ImportError):
        return _("Le module des documents est indisponible (%(error)s).") % {"error": error}
    if isinstance(error, OSError):
        return _("Erreur d'écriture ou de lecture d'un fichier : %(error)s") % {"error": error}
    detail = str(error) or type(error).__name__
    return _("Erreur inattendue pendant la production du document (%(kind)s : %(detail)s).") % {
        "kind": type(error).__name__,
        "detail": detail[:300],
    }


# --- Building and storing one document ------------------------------------------------------------


def report_step_build(run_id: int, key: str) -> ReportFile:
    """Build one document of the run (its figures, its HTML, its PDF) and store it."""
    run = ReportRun.objects.get(pk=run_id)
    module = documents()
    site = None
    if key.startswith("site:"):
        site = Site.objects.get(pk=int(key[5:]))
        kind = ReportKind.SITE.value
        document = module.site_report(site, run.year, provisional=run.provisional)
    elif key == ReportKind.REGION:
        kind = key
        missing = list(Site.objects.filter(pk__in=run.failed_site_ids).order_by("name"))
        document = module.region_report(run.year, provisional=run.provisional, missing_sites=missing)
    elif key == ReportKind.GOVERNANCE:
        kind = key
        document = module.governance_report(run.year, provisional=run.provisional)
    else:
        kind = key
        document = module.KINDS[key](run.year, provisional=run.provisional)
    pdf, page_count = module.render_pdf(document)
    return report_file_store(
        kind=kind,
        site=site,
        year=run.year,
        provisional=run.provisional,
        document=document,
        pdf=pdf,
        page_count=page_count,
        run=run,
    )


def report_file_store(
    *, kind, site, year, provisional, document, pdf: bytes, page_count: int, run=None
) -> ReportFile:
    """Store a PDF as the new current version of its report; the former current one is kept as an
    older version. A final site report locks the site's narrative of the year."""
    checksum = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        versions = ReportFile.objects.filter(kind=kind, site=site, year=year)
        # The versions' rows are locked (PostgreSQL refuses FOR UPDATE with an aggregate: they are
        # listed instead). Two first versions built at once meet the unique constraint: the
        # second's task fails and its retry stores version 2.
        last = max(versions.select_for_update().order_by().values_list("version", flat=True), default=0)
        versions.filter(provisional=provisional, is_current=True).update(is_current=False)
        report_file = ReportFile(
            run=run,
            kind=kind,
            site=site,
            year=year,
            provisional=provisional,
            version=last + 1,
            is_current=True,
            title=str(document.title)[:300],
            sha256=checksum,
            fingerprint=str(document.fingerprint)[:64],
            figures=document.figures,
            data_as_of=document.data_as_of,
            page_count=page_count,
            size=len(pdf),
        )
        report_file.file.save(report_file.download_name, ContentFile(pdf), save=False)
        report_file.save()
        if kind == ReportKind.SITE and not provisional:
            _narrative_lock(site, year)
    return report_file


# --- Narrative -------------------------------------------------------------------------------------


def narrative_for(site, year: int) -> Narrative:
    """The site's narrative of the year, or a new unsaved draft."""
    return Narrative.objects.filter(site=site, year=year).first() or Narrative(site=site, year=year)


def narrative_save(
    *, site, year: int, author, narrative: str, perspectives: str, final: bool = False
) -> Narrative:
    """Write the narrative (a draft, or final); refused once it is locked."""
    with transaction.atomic():
        instance = Narrative.objects.select_for_update().filter(site=site, year=year).order_by(
            "pk"
        ).first() or Narrative(site=site, year=year)
        require(
            "reports.edit_narrative",
            author,
            instance,
            message=_("Ce texte est verrouillé : le bilan définitif du site a été produit.")
            if instance.is_locked
            else None,
        )
        instance.narrative = narrative
        instance.perspectives = perspectives
        instance.status = NarrativeStatus.FINAL if final else NarrativeStatus.DRAFT
        instance.updated_by = author
        instance.save()
    return instance


def narrative_reopen(*, narrative: Narrative, author) -> Narrative:
    """The coordination reopens a final or locked narrative: a draft again, editable."""
    with transaction.atomic():
        narrative = Narrative.objects.select_for_update().get(pk=narrative.pk)
        require(
            "reports.reopen_narrative",
            author,
            narrative,
            message=_("Seule la coordination régionale rouvre ce texte."),
        )
        narrative.locked_at = None
        narrative.status = NarrativeStatus.DRAFT
        narrative.updated_by = author
        narrative.save()
    return narrative


def _narrative_lock(site, year: int) -> None:
    narrative, _created = Narrative.objects.get_or_create(site=site, year=year)
    if narrative.locked_at is None:
        narrative.locked_at = timezone.now()
        narrative.status = NarrativeStatus.FINAL
        narrative.save()
