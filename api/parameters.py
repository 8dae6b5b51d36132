"""Lists answer 400 to a query parameter they do not know, and run only the filters asked for.

A misspelt filter (``?regoin=africa``) would otherwise be ignored and the list returned unfiltered;
a partner's sync would take every record for the filtered ones.
"""

from __future__ import annotations

from django_filters import CharFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import SearchFilter
from rest_framework.settings import api_settings

from .errors import ApiError


class KnownParametersMixin:
    """For list views: call ``reject_unknown_parameters()`` first thing in ``list``."""

    def known_parameters(self) -> set[str]:
        """This list's filters, search, ordering and paging parameters."""
        known = {"limit", "cursor", api_settings.URL_FORMAT_OVERRIDE}
        if getattr(self, "ordering_fields", None):
            known.add("ordering")
        if getattr(self, "filterset_class", None) is not None:
            known |= set(self.filterset_class.base_filters)
        if getattr(self, "search_fields", None):
            known.add(api_settings.SEARCH_PARAM)
        return known

    def filter_queryset(self, queryset):
        """The filter backends, each only when the request names one of its parameters: with
        none given, django-filter would still build and validate its form on every page."""
        given = set(self.request.query_params)
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                if not given & set(self.filterset_class.base_filters):
                    continue
            elif isinstance(backend, SearchFilter) and backend.search_param not in given:
                continue
            queryset = backend.filter_queryset(self.request, queryset, self)
        return queryset

    def reject_unknown_parameters(self) -> None:
        known = self.known_parameters()
        unknown = sorted(set(self.request.query_params) - known)
        if unknown:
            message = f"Unknown parameter; this list takes {', '.join(sorted(known))}."
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={name: [message] for name in unknown},
            )
        # A filter given no value (``?updated_before=``) is an error, not "no filter": the schema
        # gives each a format or a set of values, and a client sending none has a bug to hear of.
        # Free-text filters (a name, an acronym) and the search may be empty.
        filters = getattr(self, "filterset_class", None)
        filters = filters.base_filters if filters is not None else {}
        empty = sorted(
            name
            for name in self.request.query_params
            if name in filters
            and not isinstance(filters[name], CharFilter)
            and "" in self.request.query_params.getlist(name)
        )
        if empty:
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={name: ["Give a value, or leave the parameter out."] for name in empty},
            )
