from django import template

from aftermath import plan

register = template.Library()


@register.filter
def record_label(name, kind):
    """A record field's label, for an earlier revision's stored content."""
    for f in plan.FIELDS.get(kind, ()):
        if f.name == name:
            return f.label
    return name
