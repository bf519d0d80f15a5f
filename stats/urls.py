from stats.reports import urls as reports_urls
from stats.views import dashboards, entry, imports, periods, satisfaction

app_name = "stats"

urlpatterns = [
    *entry.urlpatterns,
    *periods.urlpatterns,
    *dashboards.urlpatterns,
    *imports.urlpatterns,
    *satisfaction.urlpatterns,
    *reports_urls.urlpatterns,
]
