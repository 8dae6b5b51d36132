"""The ``/api/v1/`` endpoints. Thin: read through ``resources``, write through ``services``.

Every queryset starts from ``Resource.base_queryset(clearance)`` (``cases.sharing``), so a record
the caller may not see is missing from lists, counts, filters and searches, and its detail,
write and batch answers are the 404 of a record that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import services
from cases.choices import LISTED_SHARING_LEVELS
from cases.models import Document, Situation, SuccessElement
from cases.sharing import Clearance, accepting_contributions, restrict_to_clearance
from feed import log as feed
from feed.models import FeedRecord
from partners.authentication import clearance_for_request, partner_of

from . import changes, resources
from . import serializers as s
from .errors import ApiError, PreconditionFailed, validation_fields
from .filters import (
    ActorFilter,
    AssessmentFilter,
    BriefingFilter,
    EngagementFilter,
    FindingFilter,
    FollowUpFilter,
    IndicatorFilter,
    IntervalFilter,
    ReviewFilter,
    SituationFilter,
)
from .pagination import DEFAULT_LIMIT, MAX_LIMIT, KeysetPagination, parse_limit
from .parameters import KnownParametersMixin
from .permissions import ApiPermission
from .preload import preload, preload_key, unique_failures, use_preloaded

UUID_RE = r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
MAX_BATCH = 1000
M2M_FIELDS = ("shared_with", "citations", "responds_to")


class HiddenRecord(exceptions.NotFound):
    """A record exists under the id but the caller may not see it: answered as a missing one."""


# What only a record's source (or a desk officer) may change (TLP 2.0): its label and list, the
# switch letting others contribute, and, for a child record, the situation it belongs to.
SOURCE_ONLY_FIELDS = ("sharing", "accepts_contributions", "situation")
LOST_SIGHT = "You would no longer be cleared to see this record."

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input (per-field messages)"),
    401: OpenApiResponse(s.ErrorSerializer, description="No or invalid credentials"),
    403: OpenApiResponse(s.ErrorSerializer, description="Scope or permission missing"),
    404: OpenApiResponse(s.ErrorSerializer, description="Missing, or not shared with you"),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests (see Retry-After)"),
}
# An entity tag as RFC 9110 (8.8.3) spells it, weak or strong; ours are the record's version in
# quotes. A header that is not ``*`` or a list of them answers 400 (``precondition_tags``).
ETAG_LIST_PATTERN = r'^[ \t]*(\*|(W/)?"[!#-~]*"([ \t]*,[ \t]*(W/)?"[!#-~]*")*)[ \t]*$'
_ETAG_LIST = re.compile(ETAG_LIST_PATTERN)
IF_MATCH = OpenApiParameter(
    "If-Match",
    {"type": "string", "pattern": ETAG_LIST_PATTERN},
    OpenApiParameter.HEADER,
    description='The version you hold, as its ETag (e.g. `"3"`); 412 if it is not current',
)
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    {"type": "string", "pattern": ETAG_LIST_PATTERN},
    OpenApiParameter.HEADER,
    description="`*`: create only — 412 if the record exists; an ETag: 412 if it is current",
)
IF_NONE_MATCH_READ = OpenApiParameter(
    "If-None-Match",
    {"type": "string", "pattern": ETAG_LIST_PATTERN},
    OpenApiParameter.HEADER,
    description="The ETag you hold: 304 (no body) if it is still current",
)
NOT_MODIFIED = OpenApiResponse(description="Not modified: the ETag you sent is current")
# What a list's cursor is made of (URL-safe base64 without padding, from the previous page's
# ``next``); anything else answers 400 like a cursor the server did not issue.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]*$"
LIST_PARAMETERS = [
    OpenApiParameter(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        description=f"Page size (1–{MAX_LIMIT}, default {DEFAULT_LIMIT})",
    ),
    OpenApiParameter(
        "cursor",
        {"type": "string", "pattern": CURSOR_PATTERN},
        description="From the previous page's `next` (opaque: only the server makes one)",
    ),
]


def ordering_parameter(fields: dict[str, type], default: str) -> OpenApiParameter:
    """``?ordering=``: one of the list's fields, ``-`` before it for descending."""
    values = [value for name in sorted(fields) for value in (name, f"-{name}")]
    return OpenApiParameter(
        "ordering",
        {"type": "string", "enum": values, "default": default},
        description="Order by a field (then id); `-` before it for descending",
    )


def etag(version: int) -> str:
    return f'"{version}"'


def precondition_tags(request, name: str) -> str | None:
    """The ``If-Match``/``If-None-Match`` header ``name`` if given, refused with a 400 unless it is
    ``*`` or a list of entity tags: a malformed precondition is an error, not a mismatch (412)."""
    header = request.headers.get(name)
    if header is not None and not _ETAG_LIST.match(header):
        raise ApiError(
            400,
            "validation_error",
            "The request is not valid; see fields.",
            fields={name: ['Give * or entity tags such as "3" (a record\'s ETag).']},
        )
    return header


def _matches(header: str, version: int | None) -> bool:
    tags = [t.strip().removeprefix("W/").strip('"') for t in header.split(",")]
    if version is None:
        return False
    return "*" in tags or str(version) in tags


def _paged(serializer_class) -> type[serializers.Serializer]:
    """The shape of one page of a list — one object, not an array of them: a list action's
    response is otherwise taken for a list of its serializer."""
    page = type(
        f"Paginated{serializer_class.__name__.removesuffix('Serializer')}List",
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )
    return extend_schema_serializer(many=False)(page)


class ClearanceMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if partner_of(request) is not None:
            # The history keeps people; a partner's writes say so in their change reason.
            request._request.user = AnonymousUser()

    @cached_property
    def clearance(self) -> Clearance:
        return clearance_for_request(self.request)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "clearance": self.clearance}


class ReadOnlyResourceViewSet(KnownParametersMixin, ClearanceMixin, viewsets.GenericViewSet):
    resource: resources.Resource
    filter_backends = [DjangoFilterBackend, SearchFilter]
    permission_classes = [ApiPermission]
    lookup_value_regex = UUID_RE
    ordering_fields: dict[str, type] = {
        "updated_at": dt.datetime,
        "created_at": dt.datetime,
    }
    default_ordering = "-updated_at"
    # The model field a page's cursor carries as ``id`` (``pk`` where the model has no ``id``).
    pager_id_field = "id"

    def get_queryset(self):
        return self.resource.base_queryset(self.clearance)

    def ordering(self) -> str:
        ordering = self.request.query_params.get("ordering") or self.default_ordering
        if ordering.lstrip("-") not in self.ordering_fields:
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={
                    "ordering": [
                        f"One of {', '.join(sorted(self.ordering_fields))}, with - for descending."
                    ]
                },
            )
        return ordering

    def list(self, request, *args, **kwargs):
        self.reject_unknown_parameters()
        queryset = self.filter_queryset(self.get_queryset())
        pager = KeysetPagination(
            request, self.ordering(), self.ordering_fields, id_field=self.pager_id_field
        )
        return pager.response(self.resource.rows(pager.paginate(queryset)))

    def _row(self, pk) -> dict | None:
        rows = self.resource.rows(self.get_queryset().filter(pk=pk).order_by())
        return rows[0] if rows else None

    def retrieve(self, request, pk=None, *args, **kwargs):
        row = self._row(pk)
        if row is None:
            raise exceptions.NotFound()
        if_none_match = precondition_tags(request, "If-None-Match")
        if if_none_match and _matches(if_none_match, row["version"]):
            return Response(
                status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(row["version"])}
            )
        return Response(row, headers={"ETag": etag(row["version"])})


class ResourceViewSet(ReadOnlyResourceViewSet):
    """Read, create (POST), upsert (PUT), patch, delete and batch-upsert one record type."""

    write_actions = {"batch": ("add", "change")}
    #: Read with a batch's stored records (what ``situation_id_of`` follows), not locked.
    lock_related: tuple[str, ...] = ()

    @property
    def write_model(self):
        return self.resource.model

    # --- helpers -------------------------------------------------------------------------

    def situation_id_of(self, record) -> uuid.UUID | None:
        return None

    def _by(self):
        return None if partner_of(self.request) else self.request.user

    def _reason(self) -> str:
        partner = partner_of(self.request)
        return f"API: partner {partner.name}" if partner else "API"

    def _may_change(self, record) -> None:
        """A partner may write a record it created (it is the source). Another partner may
        write only content of a record whose situation is on its AMBER/AMBER+STRICT list and
        whose source accepts contributions (``_check_label_kept`` keeps the rest the
        source's)."""
        partner = partner_of(self.request)
        if partner is None or self._is_source(record):
            return
        if not self._contributions_accepted(self.situation_id_of(record)):
            raise ApiError(
                403,
                "permission_denied",
                "A partner may change only the records it created, or the content of those on "
                "its sharing list whose source accepts contributions.",
            )

    def _is_source(self, record) -> bool:
        partner = partner_of(self.request)
        return partner is not None and self._created_by(self.resource.type, record.pk) == partner.pk

    def _created_by(self, type_: str, pk) -> int | None:
        """The partner that created the record (a batch reads them all at once: ``_preload``)."""
        batch = self._batch
        if batch is not None and (type_, pk) in batch.creators:
            return batch.creators[(type_, pk)]
        return feed.created_by(type_, pk)

    def _accepting(self, situation_ids) -> set:
        """Those of ``situation_ids`` on the caller's list whose source accepts contributions."""
        return set(
            restrict_to_clearance(
                Situation.objects.filter(
                    pk__in=situation_ids, sharing__in=LISTED_SHARING_LEVELS
                ).filter(accepting_contributions()),
                self.clearance,
            ).values_list("pk", flat=True)
        )

    def _contributions_accepted(self, situation_id) -> bool:
        if situation_id is None:
            return False
        batch = self._batch
        if batch is not None and situation_id in batch.asked_accepting:
            return situation_id in batch.accepting
        return bool(self._accepting([situation_id]))

    def _may_add_to(self, situation) -> None:
        """A partner adds a child record (a sign, an engagement…) to a situation it created, or
        to one on its list whose source accepts contributions."""
        partner = partner_of(self.request)
        if partner is None or situation is None:
            return
        if self._created_by(resources.SITUATIONS.type, situation.pk) == partner.pk:
            return
        if not self._contributions_accepted(situation.pk):
            raise ApiError(
                403,
                "permission_denied",
                "A partner may add records only to situations it created, or to those on its "
                "sharing list whose source accepts contributions.",
            )

    def _check_label_kept(self, record, values: dict, relations: dict) -> None:
        """TLP 2.0: only the source (or a desk officer) changes a record's label, its sharing
        list or the situation it belongs to."""
        if partner_of(self.request) is None or record is None or self._is_source(record):
            return
        changed = [
            name
            for name in SOURCE_ONLY_FIELDS
            if name in values and values[name] != getattr(record, name)
        ]
        if "shared_with" in relations and {a.pk for a in relations["shared_with"]} != set(
            self._stored_links(record, "shared_with")
        ):
            changed.append("shared_with")
        if changed:
            raise ApiError(
                403,
                "permission_denied",
                "Under the Traffic Light Protocol only the source of a record changes its "
                "label, its sharing list or its situation.",
                fields={name: ["Only the record's source may change it."] for name in changed},
            )

    def _stored_links(self, record, name: str) -> set:
        batch = self._batch
        if batch is not None and record.pk in batch.links.get(name, {}):
            return batch.links[name][record.pk]
        return set(getattr(record, name).values_list("pk", flat=True))

    def _locked(self, pk):
        """The stored record under a row lock, or None; 404 when the caller may not see it."""
        batch = self._batch
        if batch is not None:  # locked with the whole batch (``_preload``)
            record = batch.stored.get(pk)
            if record is not None and pk not in batch.visible:
                raise HiddenRecord()
            if record is None and self._retired(batch.last_versions.get(pk, 0)):
                raise HiddenRecord()
            return record
        model = self.resource.model
        record = model._default_manager.select_for_update().filter(pk=pk).first()
        if record is not None and not self.get_queryset().filter(pk=pk).exists():
            raise HiddenRecord()
        if record is None and self._retired(feed.last_version(self.resource.type, pk)):
            raise HiddenRecord()
        return record

    def _retired(self, last_version: int) -> bool:
        """A deleted id is not created again by a partner. A record whose label was tightened
        past a partner reached its feed as a delete; were a deleted id open to a new create, a
        PUT would tell the partner which of its "deleted" records still exist. Desk officers,
        from whom nothing is hidden, may bring an id back (its versions go on)."""
        return last_version > 0 and partner_of(self.request) is not None

    def _put_target(self, pk, data):
        """The record a PUT (or a batch item) replaces, or None to create it. An id the caller
        may not see answers exactly as an unknown one would until the create itself: a stale
        If-Match (412), an invalid body (400), a refused create (403); only a write that would
        have created it answers 404."""
        try:
            return self._locked(pk)
        except HiddenRecord:
            if self._batch is None:  # a batch's items carry no preconditions (see ``batch``)
                self._check_if_match(None)
            self._save(data, pk=pk, record=None, partial=False, dry_run=True)
            raise

    def _check_if_match(self, record) -> None:
        """``If-Match``: write only over the version named. ``If-None-Match`` on a write: not over
        the versions named — ``*`` means create only (RFC 9110, 13.1.2)."""
        version = record.version if record is not None else None
        header = precondition_tags(self.request, "If-Match")
        if header is not None and not _matches(header, version):
            raise PreconditionFailed(version)
        header = precondition_tags(self.request, "If-None-Match")
        if header is not None and _matches(header, version):
            raise PreconditionFailed(version)

    def _save(self, data, *, pk, record, partial: bool, dry_run: bool = False):
        """Validate and write ``data``. ``dry_run``: only the checks a write to a new record
        makes before writing, for an id the caller may not see (it then answers as unknown)."""
        plan = self._plan(data, pk=pk, record=record, partial=partial)
        if dry_run:
            return None
        first_version = feed.last_version(self.resource.type, pk) + 1 if record is None else 1
        result = services.upsert_record(
            self.resource.model,
            plan.values,
            instance=record,
            pk=pk,
            relations=plan.relations,
            partner_roles=plan.roles,
            by=self._by(),
            reason=self._reason(),
            first_version=first_version,
        )
        if result.status == "created":
            partner = partner_of(self.request)
            if partner is not None:
                feed.set_created_by(self.resource.type, [result.record.pk], partner.pk)
        if not self.get_queryset().filter(pk=result.record.pk).exists():
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={"sharing": [LOST_SIGHT]},
            )
        return result

    def _plan(self, data, *, pk, record, partial: bool) -> services.BatchItem:
        """Every check of a write (shape, permissions, the serializer, TLP 2.0 on writes) and
        the values to write: no write. In a batch, without a query of its own (``_preload``)."""
        if not isinstance(data, dict):
            raise exceptions.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        if "id" in data and pk is not None and str(data["id"]).replace("-", "").lower() != (pk.hex):
            raise exceptions.ValidationError({"id": ["Does not match the id in the URL."]})
        if record is not None:
            self._may_change(record)
        elif partner_of(self.request) is None and not self.request.user.has_perms(
            [f"{self.resource.model._meta.app_label}.add_{self.resource.model._meta.model_name}"]
        ):
            raise exceptions.PermissionDenied()
        if self._batch is not None:
            # One serializer for the whole batch: building one per item (its fields deep-copied,
            # the country choices among them) cost more than everything else together.
            serializer = self._batch.validator
            for cached in ("_validated_data", "_errors", "_data"):
                serializer.__dict__.pop(cached, None)
            serializer.instance, serializer.initial_data = record, data
            serializer.partial = partial
        else:
            serializer = self.get_serializer(record, data=data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        relations = {name: values.pop(name) for name in M2M_FIELDS if name in values}
        roles = values.pop("partners", None)
        if not partial:
            for name, field in serializer.fields.items():
                if field.read_only or name in serializer.validated_data:
                    continue
                if name in M2M_FIELDS:
                    relations[name] = []
                elif name == "partners":
                    roles = []
                else:
                    values[name] = self.resource.model._meta.get_field(name).get_default()
        self._check_label_kept(record, values, relations)
        if record is None:
            self._may_add_to(values.get("situation"))
        return services.BatchItem(
            pk=pk,
            values=values,
            instance=record,
            relations=relations,
            roles=None if roles is None else [(r["actor"], r["role"]) for r in roles],
        )

    def _write_response(self, result: services.Upsert, created: bool) -> Response:
        row = self._row(result.record.pk)
        return Response(
            row,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"ETag": etag(row["version"])},
        )

    # --- endpoints -----------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        with transaction.atomic():
            if isinstance(request.data, dict) and "id" in request.data:
                raise exceptions.ValidationError(
                    {"id": ["POST creates with a server id; PUT to /<id>/ to choose it."]}
                )
            result = self._save(request.data, pk=uuid.uuid4(), record=None, partial=False)
        return self._write_response(result, created=True)

    def update(self, request, pk=None, *args, **kwargs):
        pk = uuid.UUID(pk)
        with transaction.atomic():
            record = self._put_target(pk, request.data)
            self._check_if_match(record)
            result = self._save(request.data, pk=pk, record=record, partial=False)
        return self._write_response(result, created=result.status == "created")

    def partial_update(self, request, pk=None, *args, **kwargs):
        pk = uuid.UUID(pk)
        with transaction.atomic():
            record = self._locked(pk)
            if record is None:
                raise exceptions.NotFound()
            self._check_if_match(record)
            result = self._save(request.data, pk=pk, record=record, partial=True)
        return self._write_response(result, created=False)

    def destroy(self, request, pk=None, *args, **kwargs):
        pk = uuid.UUID(pk)
        with transaction.atomic():
            record = self._locked(pk)
            if record is None:
                raise exceptions.NotFound()
            self._check_if_match(record)
            if partner_of(request) is not None and not self._is_source(record):
                raise ApiError(
                    403,
                    "permission_denied",
                    "Only the source of a record (the organisation that created it) or a desk "
                    "officer may delete it.",
                )
            services.delete_record(record, by=self._by())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["post"])
    def batch(self, request, *args, **kwargs):
        """Upsert up to ``MAX_BATCH`` records, all or nothing, in a constant number of queries:
        the stored records, the records they name and what the checks need are read for the
        whole batch (``_preload``), each item is checked as one record's write is (``_plan``),
        then all are written set-based (``services.upsert_records``). Every failing item is
        named by its index."""
        for header in ("If-Match", "If-None-Match"):
            if header in request.headers:
                # Checked against no record (a batch names many), it would answer for the hidden
                # items only: refused whole, as a header this request does not take.
                raise ApiError(
                    400,
                    "validation_error",
                    f"A batch takes no {header} header: PUT one record to write over a version.",
                    fields={header: ["Not taken by a batch."]},
                )
        data = request.data
        records = data.get("records") if isinstance(data, dict) else None
        if not isinstance(data, dict) or set(data) != {"records"} or not isinstance(records, list):
            raise exceptions.ValidationError(
                {"records": ['Send {"records": [...]}, a list of records of this type.']}
            )
        if not 1 <= len(records) <= MAX_BATCH:
            raise ApiError(
                400,
                "batch_too_large" if records else "validation_error",
                f"A batch holds 1 to {MAX_BATCH} records.",
                fields={"records": [f"Send 1 to {MAX_BATCH} records."]},
            )
        failures: dict[int, dict] = {}
        with transaction.atomic():
            items = []  # (index, raw id, item, pk, the id was given)
            given: set[uuid.UUID] = set()
            for index, item in enumerate(records):
                raw_id = item.get("id") if isinstance(item, dict) else None
                try:
                    pk = uuid.UUID(str(raw_id)) if raw_id is not None else uuid.uuid4()
                except ValueError:
                    failures[index] = _failure(
                        index, raw_id, "validation_error", fields={"id": ["Must be a valid UUID."]}
                    )
                    continue
                if raw_id is not None and pk in given:
                    failures[index] = _failure(
                        index,
                        raw_id,
                        "validation_error",
                        fields={"id": ["This id is already in the batch: send a record once."]},
                    )
                    continue
                if raw_id is not None:
                    given.add(pk)
                items.append((index, raw_id, item, pk, raw_id is not None))
            self._batch = self._preload(items)
            plans, indices = [], []
            for index, raw_id, item, pk, has_id in items:
                try:
                    record = self._put_target(pk, item) if has_id else None
                    plan = self._plan(item, pk=pk, record=record, partial=False)
                except Exception as error:
                    failures[index] = _item_failure(index, raw_id, error)
                    continue
                if record is None:
                    plan.first_version = self._batch.last_versions.get(pk, 0) + 1
                plans.append(plan)
                indices.append((index, raw_id))
            if plans:  # every item the unique values of the others may refuse, named too
                validated = {
                    index: (plan.pk, {**plan.values, **plan.relations})
                    for (index, _), plan in zip(indices, plans, strict=True)
                }
                raw_ids = dict(indices)
                for index, fields in unique_failures(self._batch.prototype, validated).items():
                    failures[index] = _failure(
                        index, raw_ids[index], "validation_error", fields=fields
                    )
            results = []
            if not failures:
                partner = partner_of(request)
                try:
                    written = services.upsert_records(
                        self.resource.model,
                        plans,
                        by=self._by(),
                        reason=self._reason(),
                        created_by_id=partner.pk if partner is not None else None,
                    )
                except services.BatchInvalid as invalid:
                    for position, error in invalid.errors.items():
                        index, raw_id = indices[position]
                        failures[index] = _item_failure(index, raw_id, error)
                    written = []
            if not failures:
                visible = set(
                    self.get_queryset()
                    .filter(pk__in=[result.record.pk for result in written])
                    .values_list("pk", flat=True)
                )
                for (index, raw_id), result in zip(indices, written, strict=True):
                    if result.record.pk not in visible:
                        failures[index] = _failure(
                            index, raw_id, "validation_error", fields={"sharing": [LOST_SIGHT]}
                        )
                    results.append(
                        {
                            "index": index,
                            "id": result.record.pk,
                            "status": result.status,
                            "version": result.record.version,
                        }
                    )
            if failures:
                transaction.set_rollback(True)
        if failures:
            raise ApiError(
                400,
                "batch_rejected",
                f"{len(failures)} of {len(records)} records are not valid; nothing was written.",
                records=[failures[index] for index in sorted(failures)],
            )
        return Response({"results": results})

    _batch: BatchLookups | None = None

    def _preload(self, items) -> BatchLookups:
        """What checking and writing the whole batch reads, in a constant number of queries:
        the stored records under a row lock (in key order), which of them the caller sees, who
        created each and the version a deleted one had (the feed), their sharing lists, the
        situations accepting the caller's contributions, and every record the items link to."""
        model = self.resource.model
        pks = [pk for _, _, _, pk, has_id in items if has_id]
        locked = model._default_manager.select_for_update(of=("self",))
        stored = {
            r.pk: r
            for r in locked.select_related(*self.lock_related).filter(pk__in=pks).order_by("pk")
        }
        visible = set(self.get_queryset().filter(pk__in=list(stored)).values_list("pk", flat=True))
        raw_situations = {
            key
            for _, _, item, _, _ in items
            if isinstance(item, dict)
            and (key := preload_key(Situation, "pk", item.get("situation"))) is not None
        }
        stored_situations = {self.situation_id_of(r) for r in stored.values()} - {None}
        feed_rows = FeedRecord.objects.filter(
            Q(type=self.resource.type, object_id__in=pks)
            | Q(type=resources.SITUATIONS.type, object_id__in=raw_situations | stored_situations)
        ).values_list("type", "object_id", "created_by_id", "version")
        creators, last_versions = {}, {}
        for type_, object_id, created_by_id, version in feed_rows:
            creators[(type_, object_id)] = created_by_id
            if type_ == self.resource.type:
                last_versions[object_id] = version
        for pk in pks:
            creators.setdefault((self.resource.type, pk), None)
        for pk in raw_situations | stored_situations:
            creators.setdefault((resources.SITUATIONS.type, pk), None)
        links = {}
        if partner_of(self.request) is not None and "shared_with" in {
            f.name for f in model._meta.many_to_many
        }:
            through = model.shared_with.through
            links["shared_with"] = {pk: set() for pk in stored}
            for owner, actor in through.objects.filter(situation_id__in=list(stored)).values_list(
                "situation_id", "actor_id"
            ):
                links["shared_with"][owner].add(actor)
        asked = raw_situations | stored_situations
        accepting = self._accepting(asked) if partner_of(self.request) and asked else set()
        prototype = self.get_serializer(data={})
        relations = preload(prototype, [item for _, _, item, _, _ in items])
        for preloaded in relations.values():
            if preloaded.model is model:
                # A link to a record of the batch itself (an actor's parent sent beside it): its
                # row is written in the same statement, the key checked at commit.
                for pk in pks:
                    preloaded.rows.setdefault(pk, stored.get(pk) or model(pk=pk))
        validator = self.get_serializer(data={})
        use_preloaded(validator, relations)
        return BatchLookups(
            stored=stored,
            visible=visible,
            creators=creators,
            last_versions=last_versions,
            links=links,
            asked_accepting=asked,
            accepting=accepting,
            relations=relations,
            prototype=prototype,
            validator=validator,
        )


@dataclass
class BatchLookups:
    """What a batch read up front for all its items (``ResourceViewSet._preload``)."""

    stored: dict
    visible: set
    creators: dict
    last_versions: dict
    links: dict
    asked_accepting: set
    accepting: set
    relations: dict
    prototype: serializers.Serializer
    validator: serializers.Serializer


def _failure(index: int, raw_id, code: str, **extra) -> dict:
    return {"index": index, "id": raw_id, "code": code, **extra}


def _item_failure(index: int, raw_id, error: Exception) -> dict:
    """One item's failure in the batch error's ``records``, as its own write would answer."""
    if isinstance(error, exceptions.ValidationError):
        return _failure(index, raw_id, "validation_error", fields=validation_fields(error.detail))
    if isinstance(error, exceptions.NotFound):
        return _failure(index, raw_id, "not_found")
    if isinstance(error, ApiError):
        return _failure(index, raw_id, error.error_code, **error.extra)
    if isinstance(error, exceptions.PermissionDenied):
        return _failure(index, raw_id, "permission_denied")
    if isinstance(error, DjangoValidationError):
        return _failure(
            index,
            raw_id,
            "validation_error",
            fields=validation_fields(
                error.message_dict
                if hasattr(error, "error_dict")
                else {"non_field_errors": error.messages}
            ),
        )
    raise error


def _schema(serializer_class, name: str):
    """OpenAPI description of a resource's endpoints (a class decorator: the list's ordering
    values are the view set's)."""

    def decorate(viewset):
        return _schema_view(serializer_class, name, viewset)(viewset)

    return decorate


def _schema_view(serializer_class, name: str, viewset):
    write = {201: serializer_class, 200: serializer_class, **ERRORS}
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {name}",
            parameters=[
                *LIST_PARAMETERS,
                ordering_parameter(viewset.ordering_fields, viewset.default_ordering),
            ],
            responses={200: _paged(serializer_class), **ERRORS},
        ),
        retrieve=extend_schema(
            summary=f"One of the {name}",
            parameters=[IF_NONE_MATCH_READ],
            responses={200: serializer_class, 304: NOT_MODIFIED, **ERRORS},
        ),
        create=extend_schema(summary=f"Create (server id) — {name}", responses=write),
        update=extend_schema(
            summary=f"Create with your id, or replace — {name}",
            parameters=[IF_MATCH, IF_NONE_MATCH],
            responses={**write, 412: OpenApiResponse(s.ErrorSerializer, description="Stale")},
        ),
        partial_update=extend_schema(
            summary=f"Change some fields — {name}",
            parameters=[IF_MATCH],
            responses={**write, 412: OpenApiResponse(s.ErrorSerializer, description="Stale")},
        ),
        destroy=extend_schema(
            summary=f"Delete — {name}",
            parameters=[IF_MATCH],
            responses={204: None, **ERRORS, 409: s.ErrorSerializer, 412: s.ErrorSerializer},
        ),
        batch=extend_schema(
            summary=f"Upsert up to {MAX_BATCH} {name} in one transaction (all or nothing)",
            request=inline_serializer(
                name=f"{serializer_class.__name__.removesuffix('Serializer')}Batch",
                fields={"records": serializer_class(many=True)},
            ),
            responses={200: s.BatchResponseSerializer, **ERRORS},
        ),
    )


@_schema(s.SituationSerializer, "situations")
class SituationViewSet(ResourceViewSet):
    resource = resources.SITUATIONS
    serializer_class = s.SituationSerializer
    filterset_class = SituationFilter
    search_fields = ("title", "summary", "slug")
    ordering_fields = {
        **ReadOnlyResourceViewSet.ordering_fields,
        "title": str,
        "risk_level": int,
        "status": str,
    }

    def situation_id_of(self, record):
        return record.pk


@_schema(s.IndicatorSerializer, "warning indicators")
class IndicatorViewSet(ResourceViewSet):
    resource = resources.INDICATORS
    serializer_class = s.IndicatorSerializer
    filterset_class = IndicatorFilter
    search_fields = ("description", "source")
    ordering_fields = {
        **ReadOnlyResourceViewSet.ordering_fields,
        "observed_on": dt.date,
        "severity": int,
    }

    def situation_id_of(self, record):
        return record.situation_id


@_schema(s.ActorSerializer, "actors")
class ActorViewSet(ResourceViewSet):
    resource = resources.ACTORS
    serializer_class = s.ActorSerializer
    filterset_class = ActorFilter
    search_fields = ("name", "acronym", "description")
    ordering_fields = {**ReadOnlyResourceViewSet.ordering_fields, "name": str}


@_schema(s.EngagementSerializer, "engagements")
class EngagementViewSet(ResourceViewSet):
    resource = resources.ENGAGEMENTS
    serializer_class = s.EngagementSerializer
    filterset_class = EngagementFilter
    search_fields = ("title", "objective")
    ordering_fields = {
        **ReadOnlyResourceViewSet.ordering_fields,
        "started_on": dt.date,
        "title": str,
    }

    def situation_id_of(self, record):
        return record.situation_id


@_schema(s.BriefingSerializer, "briefings (decision makers alerted)")
class BriefingViewSet(ResourceViewSet):
    resource = resources.BRIEFINGS
    serializer_class = s.BriefingSerializer
    filterset_class = BriefingFilter
    search_fields = ("summary",)
    ordering_fields = {**ReadOnlyResourceViewSet.ordering_fields, "briefed_on": dt.date}

    def situation_id_of(self, record):
        return record.situation_id


@_schema(s.AssessmentSerializer, "assessments")
class AssessmentViewSet(ResourceViewSet):
    resource = resources.ASSESSMENTS
    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilter
    search_fields = ("evidence",)
    ordering_fields = {**ReadOnlyResourceViewSet.ordering_fields, "rating": int}
    lock_related = ("engagement",)

    def situation_id_of(self, record):
        return record.engagement.situation_id


def _read_schema(serializer_class, name: str):
    """OpenAPI description of a read-only resource's endpoints (a class decorator: the list's
    ordering values are the view set's)."""

    def decorate(viewset):
        return extend_schema_view(
            list=extend_schema(
                summary=f"List {name}",
                parameters=[
                    *LIST_PARAMETERS,
                    ordering_parameter(viewset.ordering_fields, viewset.default_ordering),
                ],
                responses={200: _paged(serializer_class), **ERRORS},
            ),
            retrieve=extend_schema(
                summary=f"One of the {name}", responses={200: serializer_class, **ERRORS}
            ),
        )(viewset)

    return decorate


@_read_schema(s.ReviewSerializer, "early action reviews")
class ReviewViewSet(ReadOnlyResourceViewSet):
    """Early action reviews, read-only (desk officers write them in the admin), under the
    sharing level of the situation reviewed."""

    resource = resources.REVIEWS
    serializer_class = s.ReviewSerializer
    filterset_class = ReviewFilter
    search_fields = ("summary",)
    ordering_fields = {**ReadOnlyResourceViewSet.ordering_fields, "held_on": dt.date}


@_read_schema(s.FindingSerializer, "review findings (bottlenecks and enablers)")
class FindingViewSet(ReadOnlyResourceViewSet):
    resource = resources.FINDINGS
    serializer_class = s.FindingSerializer
    filterset_class = FindingFilter
    search_fields = ("text",)


@_read_schema(s.FollowUpSerializer, "follow-up actions of reviews")
class FollowUpViewSet(ReadOnlyResourceViewSet):
    resource = resources.FOLLOW_UPS
    serializer_class = s.FollowUpSerializer
    filterset_class = FollowUpFilter
    search_fields = ("action", "owner_name")
    ordering_fields = {**ReadOnlyResourceViewSet.ordering_fields, "due_on": dt.date}


@_read_schema(s.IntervalSerializer, "warning-to-action figures of situations")
class IntervalViewSet(ReadOnlyResourceViewSet):
    """Each situation's warning-to-action interval and milestones (S/2011/552, para. 47), as the
    recompute stored them, under the situation's sharing level. Read-only: derived from the signs
    and engagements; its own version, ETag and feed entries (type ``interval``) follow each change
    of a figure, a day's growth of an open interval included."""

    resource = resources.INTERVALS
    serializer_class = s.IntervalSerializer
    filterset_class = IntervalFilter
    search_fields: tuple[str, ...] = ()
    filter_backends = [DjangoFilterBackend]
    ordering_fields = {"changed_at": dt.datetime, "days_max": int}
    default_ordering = "-changed_at"
    pager_id_field = "pk"


@extend_schema_view(
    list=extend_schema(
        summary="The six elements for success",
        responses={200: s.SuccessElementSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One element for success",
        parameters=[
            OpenApiParameter(
                "id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The element's id (a UUID), or its code (e.g. `early-warning`)",
            )
        ],
        responses={200: s.SuccessElementSerializer, **ERRORS},
    ),
)
class SuccessElementViewSet(ClearanceMixin, viewsets.GenericViewSet):
    """Reference data (S/2011/552, section IV), read-only, identified by its ``id`` (a UUID) or,
    as before, by its ``code`` (e.g. ``early-warning``)."""

    permission_classes = [ApiPermission]
    serializer_class = s.SuccessElementSerializer
    queryset = SuccessElement.objects.order_by("order")
    lookup_value_regex = rf"{UUID_RE}|[a-z-]+"

    def list(self, request, *args, **kwargs):
        return Response(resources.SUCCESS_ELEMENT.rows(self.get_queryset()))

    def retrieve(self, request, pk=None, *args, **kwargs):
        try:
            lookup = {"uuid": uuid.UUID(pk)}
        except ValueError:
            lookup = {"code": pk}
        rows = resources.SUCCESS_ELEMENT.rows(self.get_queryset().filter(**lookup))
        if not rows:
            raise exceptions.NotFound()
        return Response(rows[0], headers={"ETag": etag(rows[0]["version"])})


@extend_schema_view(
    list=extend_schema(
        summary="Source documents",
        parameters=LIST_PARAMETERS,
        responses={200: _paged(s.DocumentSerializer), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="A source document with its paragraphs",
        responses={200: s.DocumentDetailSerializer, **ERRORS},
    ),
)
class DocumentViewSet(KnownParametersMixin, ClearanceMixin, viewsets.GenericViewSet):
    """Source reports and their numbered paragraphs (read-only; ``citations`` name paragraph ids).

    A document, and each of its paragraphs, is named by its public UUID ``id``."""

    permission_classes = [ApiPermission]
    serializer_class = s.DocumentSerializer
    queryset = Document.objects.all()
    lookup_value_regex = UUID_RE
    filter_backends = [SearchFilter]
    search_fields = ("symbol", "title")

    def list(self, request, *args, **kwargs):
        self.reject_unknown_parameters()
        queryset = self.filter_queryset(self.get_queryset())
        pager = KeysetPagination(request, "symbol", {"symbol": str}, id_field="uuid")
        return pager.response(resources.DOCUMENT.rows(pager.paginate(queryset)))

    def retrieve(self, request, pk=None, *args, **kwargs):
        rows = resources.DOCUMENT_DETAIL.rows(Document.objects.filter(uuid=uuid.UUID(pk)))
        if not rows:
            raise exceptions.NotFound()
        row = rows[0]
        return Response(row, headers={"ETag": etag(row["version"])})


CHANGES_PARAMETERS = {"since", "limit"}
MAX_POSITION = 2**63 - 1


class ChangesView(ClearanceMixin, APIView):
    """The change feed: every create, update and delete visible to you, in commit order.

    Store ``cursor`` and pass it as ``since`` to resume: nothing is missed or repeated. A record
    whose sharing is tightened beyond your clearance appears as a ``delete``.
    """

    permission_classes = [ApiPermission]

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        # DRF keeps the response on the view, and the view and its request refer to each other:
        # a page of megabytes would then wait for the garbage collector, and a server paging
        # through the feed would grow by hundreds of megabytes. The server frees it once sent.
        self.response = None
        return response

    @extend_schema(
        summary="Change feed",
        parameters=[
            OpenApiParameter(
                "since",
                {"type": "integer", "minimum": 0, "maximum": MAX_POSITION, "default": 0},
                description="Cursor of the last page; 0 or absent: from the start",
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": 5000, "default": 100},
                description="Changes per page (1–5000, default 100)",
            ),
        ],
        responses={200: s.ChangePageSerializer, **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        unknown = sorted(set(request.query_params) - CHANGES_PARAMETERS)
        if unknown:
            message = f"Unknown parameter; the feed takes {', '.join(sorted(CHANGES_PARAMETERS))}."
            raise ApiError(
                400,
                "validation_error",
                "The request is not valid; see fields.",
                fields={name: [message] for name in unknown},
            )
        raw = request.query_params.get("since", "0")
        # Digits only (int() would take " 5", "+5", "1_0"); a position is a PostgreSQL bigint.
        since = int(raw) if re.fullmatch(r"[0-9]{1,19}", raw) else -1
        if not 0 <= since <= MAX_POSITION:
            raise ApiError(
                400,
                "invalid_cursor",
                "The cursor is not valid.",
                fields={"since": ["Use the cursor of a previous page, or 0."]},
            )
        limit = parse_limit(request.query_params.get("limit"), default=100, maximum=5000)
        page = changes.read_page(self.clearance, since, limit)
        # The records' data arrive as JSON text built by the database: written out as is.
        return HttpResponse(page.json_bytes(), content_type="application/json")
