"""Showing what a service refused on the form that asked for it."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _


def attach_service_errors(form: forms.Form, error: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal on the form: next to the field it concerns when the form has that
    field, else on top of the form. A PermissionDenied goes on top, with its message or a generic one."""
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("Vous ne pouvez pas faire cette action."))
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, messages in error.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, messages)


def preselect_single_choice(form: forms.Form, name: str) -> None:
    """When a required choice offers exactly one option (a coordinator of one site), it is chosen
    already: no empty option to pick, the only one selected. Bound forms are left as posted."""
    field = form.fields[name]
    queryset = field.queryset
    if not field.required or queryset.count() != 1:
        return
    field.empty_label = None
    if not form.is_bound and not form.initial.get(name):
        form.initial[name] = queryset.get()
