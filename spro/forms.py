from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field with the project's accessible field template."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"


def https_urls(model_field, **kwargs):
    """ModelForm formfield_callback: web addresses typed without a scheme are taken as https."""
    from django.db import models

    if isinstance(model_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return model_field.formfield(**kwargs)

