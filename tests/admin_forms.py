"""The POST body an admin page would send, read off its rendered forms (main form and inlines)."""

from __future__ import annotations

import datetime as dt

from django import forms


def _field_values(form) -> dict[str, object]:
    """What a browser submits for ``form`` as rendered: every field with its current value."""
    data: dict[str, object] = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif value is None and isinstance(
            bound.field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField
        ):
            continue
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
        elif value is None:
            data[bound.html_name] = ""
        elif isinstance(value, dt.date):
            data[bound.html_name] = value.isoformat()
        else:
            data[bound.html_name] = str(value)
    return data


def admin_form_data(response) -> dict[str, object]:
    """The POST body of an admin add/change page as rendered (main form and every inline)."""
    data = _field_values(response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = str(formset.management_form[name].value() or 0)
        for form in formset.forms:
            data.update(_field_values(form))
    return data
