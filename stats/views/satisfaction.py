"""The anonymous satisfaction questionnaire, its printable poster, and the moderation of comments.

The questionnaire is public (no login) for public sites only. It stores the day, the scale answers
and the free comment: no name, no time of day, no IP address. Abuse is kept down by CSRF and a
short per-client rate limit counted in the cache under a keyed hash of the address, forgotten after
a minute. The poster belongs to those who run the site; the comments to those who read its data,
and only the regional coordination erases one.
"""

import rules
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from sites.models import Site
from spro.http import client_ip, over_limit
from spro.web.access import require
from spro.web.views import page_renderer
from stats import services
from stats.models import SATISFACTION_SCALE, SatisfactionQuestion, SatisfactionResponse

# A desk tablet sees a visitor every few minutes at most: more than this per minute is a script.
RATE_LIMIT = 5
RATE_WINDOW_SECONDS = 60
COMMENTS_PAGE_SIZE = 25
MODERATORS_ONLY = gettext_lazy("Seule la coordination régionale peut effacer un commentaire.")
COMMENT_WARNING = gettext_lazy("N'indiquez ni votre nom ni aucune information permettant de vous identifier.")


def _public_site(slug: str) -> Site:
    """Only public sites take answers, whoever is logged in on the device."""
    return get_object_or_404(Site.objects.visible_to(AnonymousUser()), slug=slug)


_render = page_renderer("stats/satisfaction", nav="stats")


class SatisfactionForm(forms.Form):
    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"question_{question.pk}"] = forms.TypedChoiceField(
                label=question.label,
                choices=SATISFACTION_SCALE,
                coerce=int,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
                required=False,
            )
        self.fields["comment"] = forms.CharField(
            label=_("Un commentaire (facultatif)"),
            required=False,
            max_length=SatisfactionResponse._meta.get_field("comment").max_length,
            # The warning stands above the field, in a box, and is read with it.
            widget=forms.Textarea(attrs={"rows": 4, "aria-describedby": "avertissement-commentaire"}),
        )

    def answers(self) -> dict[int, int]:
        return {
            int(name.removeprefix("question_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("question_") and value not in (None, "")
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.answers() and not (cleaned.get("comment") or "").strip():
            raise ValidationError(_("Répondez à au moins une question ou laissez un commentaire."))
        return cleaned


def _over_rate_limit(request, site: Site) -> bool:
    # The address itself is never stored: only a keyed hash, kept a minute in the cache.
    fingerprint = salted_hmac("stats.satisfaction.rate-limit", client_ip(request)).hexdigest()[:32]
    return over_limit(
        f"stats:satisfaction:{site.pk}:{fingerprint}", limit=RATE_LIMIT, seconds=RATE_WINDOW_SECONDS
    )


@login_not_required
@require_http_methods(["GET", "POST"])
def questionnaire(request, slug: str):
    """The public questionnaire: scale questions, an optional comment, then a thank-you page."""
    site = _public_site(slug)
    questions = list(SatisfactionQuestion.objects.active_on())
    form = SatisfactionForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif _over_rate_limit(request, site):
            form.add_error(
                None,
                _(
                    "Plusieurs réponses viennent d'être envoyées depuis cet appareil : "
                    "merci de patienter une minute avant de recommencer."
                ),
            )
            status = 429
        else:
            try:
                services.satisfaction_record(
                    site=site, answers=form.answers(), comment=form.cleaned_data.get("comment", "")
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                return redirect("stats:satisfaction_thanks", slug=site.slug)
    return _render(
        request,
        "form.html",
        {"site": site, "form": form, "questions": questions, "comment_warning": COMMENT_WARNING},
        status=status,
    )


@login_not_required
@require_safe
def thanks(request, slug: str):
    site = _public_site(slug)
    return _render(request, "thanks.html", {"site": site})


@require_safe
def poster(request, slug: str):
    """A printable poster with a QR code to the questionnaire, for those who run the site."""
    import segno

    site = get_object_or_404(Site.objects.editable_by(request.user), slug=slug)
    url = request.build_absolute_uri(reverse("stats:satisfaction_form", kwargs={"slug": site.slug}))
    qr_code = segno.make(url, error="m")
    # segno writes the SVG itself (no user input inside but the escaped URL): safe to inline.
    svg = mark_safe(
        qr_code.svg_inline(
            scale=10, border=2, omitsize=True, title=_("Code QR vers le questionnaire de satisfaction")
        )
    )
    return _render(request, "poster.html", {"site": site, "url": url, "qr_svg": svg})


def _data_site(request, slug: str) -> Site:
    return get_object_or_404(Site.objects.data_visible_to(request.user), slug=slug)


@require_safe
def comments(request, slug: str):
    """The site's recent free comments, newest first, so the coordination can moderate them."""
    site = _data_site(request, slug)
    responses = (
        SatisfactionResponse.objects.filter(site=site).exclude(comment="").order_by("-answered_on", "-pk")
    )
    page = Paginator(responses.only("pk", "answered_on", "comment"), COMMENTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _render(
        request,
        "comments.html",
        {
            "site": site,
            "page": page,
            "can_moderate": rules.test_rule("stats.moderate_comments", request.user, site),
        },
    )


@require_http_methods(["GET", "POST"])
def comment_delete(request, slug: str, pk: int):
    """Erase a comment holding personal data (regional coordination), after a confirmation page."""
    site = _data_site(request, slug)
    response = get_object_or_404(SatisfactionResponse.objects.filter(site=site).exclude(comment=""), pk=pk)
    require("stats.moderate_comments", request.user, site, MODERATORS_ONLY)
    if request.method == "POST":
        services.satisfaction_comment_delete(response=response, author=request.user)
        messages.success(
            request, _("Le commentaire a été effacé ; les réponses aux questions restent comptées.")
        )
        return redirect("stats:satisfaction_comments", slug=site.slug)
    return _render(request, "comment_delete.html", {"site": site, "response": response})


urlpatterns = [
    path("satisfaction/<slug:slug>/", questionnaire, name="satisfaction_form"),
    path("satisfaction/<slug:slug>/merci/", thanks, name="satisfaction_thanks"),
    path("sites/<slug:slug>/satisfaction/affiche/", poster, name="satisfaction_poster"),
    path("sites/<slug:slug>/satisfaction/commentaires/", comments, name="satisfaction_comments"),
    path(
        "sites/<slug:slug>/satisfaction/commentaires/<int:pk>/supprimer/",
        comment_delete,
        name="satisfaction_comment_delete",
    ),
]
