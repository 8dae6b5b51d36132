"""Who may call what: token scopes for partner systems, model permissions for people."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from partners.authentication import PartnerPrincipal

from .errors import ApiError

METHOD_ACTIONS = {
    "POST": ("add",),
    "PUT": ("change",),
    "PATCH": ("change",),
    "DELETE": ("delete",),
}


def model_perms(model, actions) -> list[str]:
    return [f"{model._meta.app_label}.{action}_{model._meta.model_name}" for action in actions]


class ApiPermission(BasePermission):
    """Partner tokens need the ``read``/``write`` scope; people need the model permission to write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        writing = request.method not in SAFE_METHODS
        if isinstance(user, PartnerPrincipal):
            scope = "write" if writing else "read"
            if not user.token.has_scope(scope):
                raise ApiError(
                    403, "insufficient_scope", f"This token does not have the {scope!r} scope."
                )
            return True
        if not writing:
            return True
        if not hasattr(view, request.method.lower()):
            return True  # a method the view does not serve: its answer is a 405, not a 403
        model = getattr(view, "write_model", None)
        action = getattr(view, "action", None)  # a plain API view has none
        actions = getattr(view, "write_actions", {}).get(action) or METHOD_ACTIONS.get(
            request.method, ()
        )
        return model is not None and user.has_perms(model_perms(model, actions))
