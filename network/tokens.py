"""Pages of the partner API tokens: the coordination creates, lists and revokes them, and reads
the log of their calls. A key is shown once, on the page that answers its creation."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from spro.web.access import rule_required
from spro.web.forms import attach_service_errors
from spro.web.views import page_renderer

from . import calllog, services
from .forms import ApiTokenFilterForm, ApiTokenForm
from .models import ApiCall, ApiToken

COORDINATION_ONLY = gettext_lazy("Cette page est réservée à la coordination régionale.")
_render = page_renderer("network/tokens", nav="tokens")


def _filtered_tokens(request):
    tokens = ApiToken.objects.editable_by(request.user).select_related("organisation")
    form = ApiTokenFilterForm(request.GET)
    if form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            tokens = tokens.filter(
                Q(name__icontains=text) | Q(organisation__name__icontains=text) | Q(prefix__startswith=text)
            )
        active = ApiToken.objects.active().values("pk")
        if form.cleaned_data["etat"] == "actifs":
            tokens = tokens.filter(pk__in=active)
        elif form.cleaned_data["etat"] == "inactifs":
            tokens = tokens.exclude(pk__in=active)
    return form, tokens.prefetch_related("territories", "sites")


@rule_required("network.manage_api_tokens", COORDINATION_ONLY)
def token_list(request):
    form, tokens = _filtered_tokens(request)
    page = Paginator(tokens.order_by("-created_at"), 25).get_page(request.GET.get("page"))
    is_filtered = any(request.GET.get(name) for name in form.fields)
    return _render(request, "token_list.html", {"form": form, "page_obj": page, "is_filtered": is_filtered})


@rule_required("network.manage_api_tokens", COORDINATION_ONLY)
@require_http_methods(["GET", "POST"])
@never_cache
def token_create(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, key = services.api_token_create(**form.cleaned_data, author=request.user)
        except ValidationError as error:
            attach_service_errors(form, error)
        else:
            # Not a redirect: the key is in this answer only, never stored in clear nor in a message.
            return _render(request, "token_created.html", {"token": token, "key": key})
    return _render(request, "token_form.html", {"form": form}, status=400 if form.errors else 200)


@rule_required("network.manage_api_tokens", COORDINATION_ONLY)
def token_detail(request, pk):
    token = get_object_or_404(
        ApiToken.objects.editable_by(request.user).select_related("organisation", "created_by"), pk=pk
    )
    calllog.flush()
    calls = ApiCall.objects.visible_to(request.user).filter(token=token)
    page = Paginator(calls, 50).get_page(request.GET.get("page"))
    return _render(
        request, "token_detail.html", {"token": token, "page_obj": page, "today": timezone.localdate()}
    )


@rule_required("network.manage_api_tokens", COORDINATION_ONLY)
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk):
    token = get_object_or_404(
        ApiToken.objects.editable_by(request.user).select_related("organisation"), pk=pk
    )
    if request.method == "POST":
        services.api_token_revoke(token=token)
        messages.success(
            request,
            _("Le jeton « %(name)s » est révoqué : il ne donne plus accès à l'API.") % {"name": token.name},
        )
        return redirect("network:token_detail", pk=token.pk)
    return _render(request, "token_revoke_confirm.html", {"token": token})
