"""Import of historical statistics: upload a file, read the preview, confirm (all or nothing).

The regional coordination imports for any site, a site coordinator for their own sites only; the
others get 403. The parsed file waits between preview and confirmation in the cache (Redis in
production, shared by every web process), under a random token and the user's id, so that nobody
else can confirm it and no statistics are written before the confirmation.
"""

import secrets

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe

from sites.models import Site
from spro.web.access import rule_required
from spro.web.views import page_renderer
from stats import imports, services
from stats.enums import Dimension

# Long enough to check a preview with the site's own records; short enough not to pile up.
PREVIEW_TIMEOUT = 2 * 3600


# Importing is entering data: the regional coordination, or the coordinator of at least one site.
IMPORTERS_ONLY = gettext_lazy(
    "L'import est réservé à la coordination régionale et aux coordinations de site."
)


def _cache_key(user, token: str) -> str:
    return f"stats:import-preview:{user.pk}:{token}"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier à importer"),
        help_text=gettext_lazy("CSV (séparateur point-virgule ou virgule) ou XLSX, 20 Mo au plus."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise ValidationError(_("Format non reconnu : déposez un fichier .csv ou .xlsx."))
        if upload.size > imports.MAX_FILE_SIZE:
            raise ValidationError(_("Le fichier dépasse 20 Mo : découpez-le (par année, par exemple)."))
        return upload


_render = page_renderer("stats/imports", nav="imports")


@require_http_methods(["GET", "POST"])
@rule_required("stats.import", IMPORTERS_ONLY)
def upload(request):
    """The file format, the templates, and the upload form; a valid upload leads to its preview."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            preview = imports.parse(
                imports.read_rows(uploaded.file, uploaded.name), user=request.user, filename=uploaded.name
            )
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            token = secrets.token_urlsafe(24)
            cache.set(_cache_key(request.user, token), preview, PREVIEW_TIMEOUT)
            return redirect("stats:import_preview", token=token)
    return _render(
        request,
        "upload.html",
        {
            "form": form,
            "columns": imports.COLUMNS,
            "code_lists": imports.reference_codes(),
            "sexes": imports.sex_codes(),
            "total": Dimension.TOTAL.value,
            "sites": list(Site.objects.editable_by(request.user).order_by("name").only("name", "slug")),
            "max_lines": imports.MAX_LINES,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@rule_required("stats.import", IMPORTERS_ONLY)
def preview(request, token: str):
    """What the file would change, per site and month, and its errors; POST writes it, all or nothing."""
    key = _cache_key(request.user, token)
    parsed = cache.get(key)
    if parsed is None:
        # Expired, already imported, or someone else's token: the same answer for all three.
        messages.warning(request, _("Cet aperçu n'est plus disponible : déposez de nouveau le fichier."))
        return redirect("stats:import_upload")
    if request.method == "POST":
        if not parsed.is_valid:
            messages.error(request, _("Le fichier contient des erreurs : rien n'a été importé."))
            return _render(request, "preview.html", {"preview": parsed, "token": token}, status=400)
        _import_previewed(request, parsed)
        cache.delete(key)
        return redirect("stats:import_upload")
    return _render(request, "preview.html", {"preview": parsed, "token": token})


def _import_previewed(request, parsed) -> None:
    """Write the previewed months, all or nothing, and say what was done or why nothing was."""
    sites = Site.objects.editable_by(request.user).in_bulk({month.site_id for month in parsed.months})
    try:
        if any(month.site_id not in sites for month in parsed.months):
            raise PermissionDenied(_("Vous ne pouvez plus modifier l'un des sites du fichier."))
        services.aggregate_import(
            author=request.user,
            months=[(sites[month.site_id], month.month, month.counts) for month in parsed.months],
        )
    except (ValidationError, PermissionDenied) as error:
        # The periods moved since the preview (submitted, locked, entered visit by visit…).
        reasons = error.messages if isinstance(error, ValidationError) else [str(error)]
        messages.error(
            request,
            _("Rien n'a été importé : %(reasons)s Déposez de nouveau le fichier pour un aperçu à jour.")
            % {"reasons": " ".join(reasons)},
        )
        return
    changed = len(parsed.months) - parsed.unchanged_count
    messages.success(
        request,
        ngettext(
            "Import terminé : %(changed)d mois enregistré, %(unchanged)d déjà à jour.",
            "Import terminé : %(changed)d mois enregistrés, %(unchanged)d déjà à jour.",
            changed,
        )
        % {"changed": changed, "unchanged": parsed.unchanged_count},
    )


@require_safe
@rule_required("stats.import", IMPORTERS_ONLY)
def template(request, fmt: str):
    """The template to fill in, with the user's own site and the real codes, as CSV or XLSX."""
    if fmt == "csv":
        response = HttpResponse(imports.template_csv(request.user), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            imports.template_xlsx(request.user),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="modele-import-statistiques.{fmt}"'
    return response


urlpatterns = [
    path("imports/", upload, name="import_upload"),
    re_path(r"^imports/modele\.(?P<fmt>csv|xlsx)$", template, name="import_template"),
    # token_urlsafe gives letters, digits, "-" and "_": exactly what <slug:…> accepts.
    path("imports/apercu/<slug:token>/", preview, name="import_preview"),
]
