from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field with the project's accessible field template."""

    form_template_name = "forms/div.html"
    field_template_name = "forms/field.html"
