"""The reference list of event kinds (codes are slugs; the coordination edits labels and order)."""

from django.db import migrations

EVENT_KINDS = [
    ("forum", "Forum"),
    ("salon", "Salon"),
    ("job-dating", "Job dating"),
    ("atelier", "Atelier"),
    ("information-collective", "Information collective"),
    ("visite-entreprise", "Visite d'entreprise"),
    ("conference", "Conférence"),
    ("cafe-pro", "Café pro"),
    ("zoom-metier", "Zoom métier"),
    ("portes-ouvertes", "Portes ouvertes"),
    ("autre", "Autre animation"),
]


def seed_kinds(apps, schema_editor):
    EventKind = apps.get_model("events", "EventKind")
    for order, (code, label) in enumerate(EVENT_KINDS, start=1):
        EventKind.objects.get_or_create(code=code, defaults={"label": label, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(seed_kinds, migrations.RunPython.noop)]
