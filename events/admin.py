"""The events' reference list (kinds of event) in the admin, edited by the regional coordination.

Events, their attendance, programmes and monthly themes are not in the admin: every write goes through
events.services, which keeps the iCalendar sequence and the periods' rules.
"""

from django.contrib import admin

from sites.admin import ReferenceItemAdmin

from .models import EventKind

admin.site.register(EventKind, ReferenceItemAdmin)
