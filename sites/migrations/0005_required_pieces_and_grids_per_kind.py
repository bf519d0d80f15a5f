"""The pieces of a label application file become a reference list per site kind (seeded with the
pieces of the Espaces métiers and Cités des métiers files, linked to those kinds where they exist);
each document says which piece it is (the former fixed kinds are carried over); the
self-evaluation grids name the site kinds they assess (the Cités des métiers grid, its kind)."""

import django.db.models.deletion
from django.db import migrations, models


EM = "espace-metiers"
CDM = "cite-des-metiers"
# (code, label, required, kinds, précisions): the Espaces métiers' file as the regional procedure
# lists it (dossier de candidature, cahier des charges, charte, architecture financière), the Cités
# des métiers' as the network's label asks it (charte, cahier des charges, partenaires associés).
PIECES = [
    ("dossier-candidature-em", "Dossier de candidature du territoire", True, [EM], ""),
    (
        "cahier-des-charges-em",
        "Engagement au cahier des charges régional des Espaces métiers",
        True,
        [EM],
        "Signé par le porteur du site.",
    ),
    ("charte-em", "Charte régionale des Espaces métiers signée", True, [EM], ""),
    ("charte-cdm", "Charte du réseau des Cités des métiers signée", True, [CDM], ""),
    (
        "cahier-des-charges-cdm",
        "Engagement au cahier des charges des Cités des métiers",
        True,
        [CDM],
        "Signé par le porteur du label.",
    ),
    (
        "partenaires-cdm",
        "Convention avec les partenaires associés",
        True,
        [CDM],
        "Les organismes qui tiennent les pôles de la Cité des métiers.",
    ),
    (
        "plan-financement",
        "Plan de financement",
        True,
        [EM, CDM],
        "Budget prévisionnel équilibré, avec les cofinancements.",
    ),
    (
        "fiche-poste-coordinateur",
        "Fiche de poste du coordinateur",
        False,
        [EM, CDM],
        "",
    ),
    ("lettres-soutien", "Lettres de soutien des partenaires", False, [EM, CDM], ""),
    ("autre", "Autre pièce", False, [EM, CDM], ""),
]
# The former fixed kinds of document, and the piece each becomes (per site kind where they differ).
FORMER_KINDS = {
    "charte": {EM: "charte-em", CDM: "charte-cdm", None: "charte-em"},
    "cahier_des_charges": {
        EM: "cahier-des-charges-em",
        CDM: "cahier-des-charges-cdm",
        None: "cahier-des-charges-em",
    },
    "plan_financement": {None: "plan-financement"},
    "autre": {None: "autre"},
}
CDM_GRID_NAME = "Grille d'auto-évaluation des Cités des métiers"


def seed(apps, schema_editor):
    RequiredPiece = apps.get_model("sites", "RequiredPiece")
    SiteKind = apps.get_model("sites", "SiteKind")
    ApplicationDocument = apps.get_model("sites", "ApplicationDocument")
    EvaluationGrid = apps.get_model("sites", "EvaluationGrid")
    kinds = {kind.code: kind for kind in SiteKind.objects.filter(code__in=[EM, CDM])}
    pieces = {}
    for order, (code, label, required, kind_codes, help_text) in enumerate(PIECES, start=1):
        piece, created = RequiredPiece.objects.get_or_create(
            code=code,
            defaults={"label": label, "required": required, "order": order * 10, "help_text": help_text},
        )
        if created:
            piece.site_kinds.add(*[kinds[c] for c in kind_codes if c in kinds])
        pieces[code] = piece
    for document in ApplicationDocument.objects.select_related("application__site__kind"):
        choices = FORMER_KINDS.get(document.kind, FORMER_KINDS["autre"])
        kind_code = document.application.site.kind.code
        document.piece = pieces[choices.get(kind_code, choices[None])]
        document.save(update_fields=["piece"])
    if CDM in kinds:
        for grid in EvaluationGrid.objects.filter(name=CDM_GRID_NAME):
            grid.site_kinds.add(kinds[CDM])


def unseed(apps, schema_editor):
    ApplicationDocument = apps.get_model("sites", "ApplicationDocument")
    codes = {piece: kind for kind, by_kind in FORMER_KINDS.items() for piece in by_kind.values()}
    for document in ApplicationDocument.objects.select_related("piece"):
        document.kind = codes.get(document.piece.code if document.piece else "", "autre")
        document.save(update_fields=["kind"])


class Migration(migrations.Migration):

    dependencies = [
        ('sites', '0004_api_token_bindings'),
    ]

    operations = [
        migrations.CreateModel(
            name='RequiredPiece',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('label', models.CharField(max_length=150, verbose_name='libellé')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='ordre')),
                ('valid_from', models.DateField(blank=True, null=True, verbose_name='valide à partir du')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name="valide jusqu'au")),
                ('required', models.BooleanField(default=True, help_text="Une candidature ne peut pas être déposée tant qu'une pièce obligatoire manque.", verbose_name='obligatoire')),
                ('help_text', models.CharField(blank=True, max_length=300, verbose_name='précisions')),
                ('site_kinds', models.ManyToManyField(blank=True, related_name='application_pieces', to='sites.sitekind', verbose_name='types de site')),
            ],
            options={
                'verbose_name': 'pièce du dossier de candidature',
                'verbose_name_plural': 'pièces du dossier de candidature',
                'ordering': ['order', 'label'],
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='applicationdocument',
            name='piece',
            field=models.ForeignKey(help_text='La pièce du dossier que ce fichier fournit.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='sites.requiredpiece', verbose_name='pièce'),
        ),
        migrations.AddField(
            model_name='applicationdocument',
            name='title',
            field=models.CharField(blank=True, help_text='Par défaut, le nom du fichier déposé.', max_length=200, verbose_name='titre'),
        ),
        migrations.AddField(
            model_name='evaluationgrid',
            name='site_kinds',
            field=models.ManyToManyField(blank=True, help_text="Les types de site évalués sur cette grille. Sans type, la grille sert aux types qui n'ont pas de grille en vigueur à eux.", related_name='evaluation_grids', to='sites.sitekind', verbose_name='types de site'),
        ),
        migrations.RunPython(seed, unseed),
        migrations.RemoveField(
            model_name='applicationdocument',
            name='kind',
        ),
        migrations.AlterModelOptions(
            name='applicationdocument',
            options={'ordering': ['piece__order', '-uploaded_at'], 'verbose_name': 'pièce du dossier', 'verbose_name_plural': 'pièces du dossier'},
        ),
    ]
