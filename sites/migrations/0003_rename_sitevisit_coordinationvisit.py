"""SiteVisit becomes CoordinationVisit (and VisitFollowUp CoordinationVisitFollowUp).

A visit of the regional coordination to a site, not to be mistaken for stats.Visit (a visitor's
anonymous passage). RenameModel renames the tables and keeps their rows.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("sites", "0002_actionplan_evaluationgrid_evaluationtheme_and_more"),
    ]

    operations = [
        migrations.RenameModel(old_name="SiteVisit", new_name="CoordinationVisit"),
        migrations.RenameModel(old_name="VisitFollowUp", new_name="CoordinationVisitFollowUp"),
    ]
