"""The data migration that made the pieces a reference list: the pieces are seeded and linked to
the kinds that exist, each former document becomes the piece of its site's kind, and the Cités des
métiers grid is given to its kind."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sites", "0004_api_token_bindings")]
AFTER = [("sites", "0005_required_pieces_and_grids_per_kind")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


# A transactional test (migrations cannot run inside the test's transaction): pytest-django runs
# these after the others, and each of them makes the reference rows it needs.
@pytest.mark.django_db(transaction=True)
def test_documents_and_grids_are_carried_over():
    old = _migrate(BEFORE)
    try:
        SiteKind = old.get_model("sites", "SiteKind")
        Site = old.get_model("sites", "Site")
        Organisation = old.get_model("network", "Organisation")
        Territory = old.get_model("network", "Territory")
        TerritoryKind = old.get_model("network", "TerritoryKind")
        LabelApplication = old.get_model("sites", "LabelApplication")
        ApplicationDocument = old.get_model("sites", "ApplicationDocument")
        EvaluationGrid = old.get_model("sites", "EvaluationGrid")
        # (The Espaces métiers' kind may exist already: the label tests' fixtures make it.)
        em, _created = SiteKind.objects.get_or_create(
            code="espace-metiers", defaults={"label": "Espace métiers"}
        )
        cdm, _created = SiteKind.objects.get_or_create(
            code="cite-des-metiers", defaults={"label": "Cité des métiers"}
        )
        OrganisationKind = old.get_model("network", "OrganisationKind")
        host = Organisation.objects.create(
            name="Porteur", kind=OrganisationKind.objects.create(code="association", label="Association")
        )
        departement = Territory.objects.create(
            kind=TerritoryKind.objects.create(code="departement", label="Département"),
            code="51",
            name="Marne",
        )
        documents = {}
        for kind, slug in ((em, "em-reims"), (cdm, "cdm-belfort")):
            site = Site.objects.create(
                name=slug, slug=slug, kind=kind, host=host, departement=departement, commune="Reims"
            )
            application = LabelApplication.objects.create(site=site)
            for former in ("charte", "plan_financement"):
                documents[(slug, former)] = ApplicationDocument.objects.create(
                    application=application, kind=former, file=f"candidatures/{slug}/{former}.pdf"
                ).pk
        grid = EvaluationGrid.objects.create(
            name="Grille d'auto-évaluation des Cités des métiers", version="2015", published_on="2015-01-01"
        )

        new = _migrate(AFTER)
        ApplicationDocument = new.get_model("sites", "ApplicationDocument")
        RequiredPiece = new.get_model("sites", "RequiredPiece")
        EvaluationGrid = new.get_model("sites", "EvaluationGrid")

        def piece_of(slug, former):
            return ApplicationDocument.objects.get(pk=documents[(slug, former)]).piece.code

        assert piece_of("em-reims", "charte") == "charte-em"
        assert piece_of("cdm-belfort", "charte") == "charte-cdm"
        assert piece_of("cdm-belfort", "plan_financement") == "plan-financement"
        assert set(
            RequiredPiece.objects.get(code="charte-cdm").site_kinds.values_list("code", flat=True)
        ) == {"cite-des-metiers"}
        assert set(
            RequiredPiece.objects.get(code="plan-financement").site_kinds.values_list("code", flat=True)
        ) == {"espace-metiers", "cite-des-metiers"}
        assert list(EvaluationGrid.objects.get(pk=grid.pk).site_kinds.values_list("code", flat=True)) == [
            "cite-des-metiers"
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
