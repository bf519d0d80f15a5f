"""Checking a named access rule from a view.

The rules themselves live beside the models they guard, one module per app (`network/rules.py`,
`stats/rules.py`…), registered in django-rules' default rule set under `<app>.<action>` names.
Views, templates (`{% load rules %}{% test_rule "plans.edit_plan" user plan as can_edit %}`),
API permissions and services all ask the same rule. Rules are tested with `rules.test_rule` rather
than `user.has_perm`, so that Django's superuser shortcut (every permission granted) never shows a
button that the object's state forbids: a superuser is the regional coordination, nothing more.
"""

from functools import wraps

import rules
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

DEFAULT_REFUSAL = _("Votre rôle ne permet pas cette action.")


def require(rule: str, user, obj=None, message=None) -> None:
    """Raises PermissionDenied (a 403 page, or a form error in services' callers) unless allowed."""
    if not rules.test_rule(rule, user, obj):
        raise PermissionDenied(message or DEFAULT_REFUSAL)


def rule_required(rule: str, message=None):
    """Gate a whole view on a rule about the person alone (no object)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require(rule, request.user, message=message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
