"""What the site's one header (dashboards and admin alike) says about the person logged in."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from partners.clearance import describe_person


def site(request) -> dict:
    """``site_person``: the role(s), organisation and clearance of the user, read only when a page
    shows the header (the API's responses never render a template)."""
    user = getattr(request, "user", None)
    return {"site_person": SimpleLazyObject(lambda: describe_person(user))}
