"""The breadcrumb of every page, written once: `{% load breadcrumb %}` (registered in settings.TEMPLATES).

    {% breadcrumb %}
      {% crumb "network:person_list" %}{% translate "Personnes et rôles" %}{% endcrumb %}
      {% crumb "network:person_detail" pk=person.pk %}{{ person }}{% endcrumb %}
      {% crumb site.get_absolute_url %}{{ site.name }}{% endcrumb %}
      {% crumb "strategy:session_list" query_year=year %}…{% endcrumb %}
      {% crumb %}{% translate "Modifier" %}{% endcrumb %}
    {% endbreadcrumb %}

renders `<nav class="breadcrumb" aria-label="Fil d'Ariane"><ol>…</ol></nav>`, starting with « Accueil »
(`{% breadcrumb home=False %}` leaves it out) and marking the last crumb `aria-current="page"`.

A crumb's first argument is a quoted view name, reversed with the other arguments, or a variable holding
a URL; without it the crumb is not a link. `query_<name>=value` arguments
become the query string, `query=` appends one already encoded. Crumbs may sit inside `{% if %}`.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

_CRUMBS = "_breadcrumb_crumbs"


class BreadcrumbNode(template.Node):
    def __init__(self, nodelist, home):
        self.nodelist = nodelist
        self.home = home

    def render(self, context):
        crumbs = [(_("Accueil"), reverse("home"))] if self.home is None or self.home.resolve(context) else []
        with context.push({_CRUMBS: crumbs}):
            self.nodelist.render(context)  # the crumbs add themselves; text between them is dropped
        if not crumbs:
            return ""
        *links, (label, href) = crumbs
        items = format_html_join("\n    ", '<li><a href="{}">{}</a></li>', ((h, lb) for lb, h in links))
        if href:
            current = format_html('<li><a href="{}" aria-current="page">{}</a></li>', href, label)
        else:
            current = format_html('<li aria-current="page">{}</li>', label)
        sep = mark_safe("\n    ") if links else ""
        return format_html(
            '<nav class="breadcrumb" aria-label="{}">\n  <ol>\n    {}{}{}\n  </ol>\n</nav>',
            _("Fil d'Ariane"),
            items,
            sep,
            current,
        )


class CrumbNode(template.Node):
    def __init__(self, nodelist, target, args, kwargs):
        self.nodelist = nodelist
        self.target = target
        self.args = args
        self.kwargs = kwargs

    def href(self, context) -> str:
        if self.target is None:
            return ""
        target = str(self.target.resolve(context))
        query = {}
        raw_query = ""
        kwargs = {}
        for name, value in self.kwargs.items():
            if name == "query":
                raw_query = str(value.resolve(context) or "")
            elif name.startswith("query_"):
                query[name.removeprefix("query_")] = value.resolve(context)
            else:
                kwargs[name] = value.resolve(context)
        if self.target.is_var:  # a variable holds the URL itself
            href = target
        else:
            href = reverse(target, args=[arg.resolve(context) for arg in self.args], kwargs=kwargs)
        if query:
            href += "?" + urlencode(query)
        elif raw_query:
            href += "?" + raw_query
        return href

    def render(self, context):
        label = mark_safe(self.nodelist.render(context).strip())  # rendered, hence escaped, already
        context[_CRUMBS].append((label, self.href(context)))
        return ""


@register.tag("breadcrumb")
def do_breadcrumb(parser, token):
    bits = token.split_contents()[1:]
    kwargs = template.base.token_kwargs(bits, parser)
    if bits or set(kwargs) - {"home"}:
        raise template.TemplateSyntaxError("{% breadcrumb %} takes only home=…")
    nodelist = parser.parse(("endbreadcrumb",))
    parser.delete_first_token()
    return BreadcrumbNode(nodelist, kwargs.get("home"))


@register.tag("crumb")
def do_crumb(parser, token):
    bits = token.split_contents()[1:]
    target = parser.compile_filter(bits.pop(0)) if bits and "=" not in bits[0] else None
    args = []
    kwargs = {}
    for bit in bits:
        match = template.base.kwarg_re.match(bit)
        if match and match[1]:
            kwargs[match[1]] = parser.compile_filter(match[2])
        else:
            args.append(parser.compile_filter(bit))
    nodelist = parser.parse(("endcrumb",))
    parser.delete_first_token()
    return CrumbNode(nodelist, target, args, kwargs)
