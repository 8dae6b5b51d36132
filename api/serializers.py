"""Input validation and the documented shape of each resource (the OpenAPI schema reads these).

Each serializer's fields and read-only fields are those of its record's shape (``resources.py``),
which also renders reads (for speed) and the change feed; a serializer declares only what writes
need beyond the model's defaults (querysets, choices, nested input). Unknown fields are rejected,
never silently dropped.
"""

from __future__ import annotations

import uuid

from django.db import models
from django_countries import countries
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from alerts.models import SituationInterval
from cases.choices import DatePrecision
from cases.models import (
    Actor,
    Assessment,
    Briefing,
    Document,
    EarlyActionReview,
    Engagement,
    EngagementPartner,
    FollowUpAction,
    Paragraph,
    ReviewFinding,
    Situation,
    SuccessElement,
    WarningIndicator,
)
from cases.sharing import Clearance, restrict_to_clearance
from feed.choices import RecordType

from . import resources


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A link to another record by id. An empty string is refused, not taken for null as DRF
    does: the schema says a UUID or null, and a client sending ``""`` has a bug to hear about."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "blank": "Must be an id (a UUID), or null.",
    }

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("blank")
        return super().run_validation(data)


class JsonBooleanField(serializers.BooleanField):
    """``true`` or ``false``, as the schema says: DRF's own also takes 0, 1, "yes", "on"…"""

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class JsonCharField(serializers.CharField):
    """A string, as the schema says: DRF's own turns ``0`` or ``true`` into ``"0"``, ``"True"``."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonSlugField(serializers.SlugField):
    """A slug, sent as a string (``0`` was taken for the slug ``"0"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonURLField(serializers.URLField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictMixin:
    """Reject fields the resource does not have; links to records are ids, never ``""``; a
    boolean is ``true`` or ``false``, a text a string."""

    serializer_related_field = StrictPrimaryKeyRelatedField
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: JsonBooleanField,
        models.CharField: JsonCharField,
        models.TextField: JsonCharField,
        models.SlugField: JsonSlugField,
        models.URLField: JsonURLField,
    }

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
            # DRF reads any iterable as a list of links (an object as its keys: ``{}`` as none).
            objects = sorted(
                name
                for name, field in self.fields.items()
                if isinstance(field, serializers.ManyRelatedField)
                and not field.read_only
                and isinstance(data.get(name), dict)
            )
            if objects:
                raise serializers.ValidationError(
                    {name: ["Expected a list of ids."] for name in objects}
                )
        return super().to_internal_value(data)


class TrackedSerializer(StrictMixin, serializers.ModelSerializer):
    """A synced record. ``id``, ``version`` and timestamps may be sent back; they are ignored."""

    @property
    def clearance(self) -> Clearance:
        return self.context.get("clearance") or Clearance.public()

    def visible(self, queryset, situation_path: str):
        return restrict_to_clearance(queryset, self.clearance, situation_path)


class ParagraphField(serializers.SlugRelatedField):
    """A cited paragraph, named by its public UUID (the ``id`` documents show it with)."""

    default_error_messages = {
        **serializers.SlugRelatedField.default_error_messages,
        "invalid": "Must be a paragraph id (a UUID).",
        "does_not_exist": "No paragraph has the id {value}.",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="uuid", queryset=Paragraph.objects.all(), **kwargs)

    def to_internal_value(self, data):
        try:
            uuid.UUID(str(data))
        except ValueError:
            self.fail("invalid")
        return super().to_internal_value(data)


def citations_field() -> serializers.ManyRelatedField:
    return ParagraphField(many=True, required=False)


class CountriesField(serializers.ListField):
    child = serializers.ChoiceField(choices=list(countries))


class IntervalSerializer(serializers.ModelSerializer):
    """A situation's warning-to-action figures, as the recompute stored them (alerts app): bounds
    in days, open if unanswered, the milestones between. Named by the situation's id; a new
    version whenever a figure changes."""

    id = serializers.UUIDField(read_only=True, help_text="The situation's id")
    situation = serializers.UUIDField(read_only=True)

    class Meta:
        model = SituationInterval
        fields = resources.INTERVAL.names
        read_only_fields = fields


class SituationSerializer(TrackedSerializer):
    countries = CountriesField(required=False, default=list)
    shared_with = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Actor.objects.all()
    )
    citations = citations_field()
    as_of = serializers.CharField(
        source="as_of.symbol",
        read_only=True,
        allow_null=True,
        help_text="Symbol of the report the situation is drawn from: its warning-to-action clock "
        "stops at the report's issue date (null: measured to today)",
    )
    as_of_issued_on = serializers.DateField(
        source="as_of.issued_on",
        read_only=True,
        allow_null=True,
        help_text="Issue date of that report (null when not recorded)",
    )

    class Meta:
        model = Situation
        fields = resources.SITUATION.names
        read_only_fields = resources.SITUATION.read_only
        # One message whether the situation holding the slug is visible to the caller or not:
        # "situation with this slug already exists" confirmed hidden situations.
        extra_kwargs = {
            "slug": {
                "validators": [
                    UniqueValidator(
                        queryset=Situation.objects.all(),
                        message="This slug is not available; choose another.",
                    )
                ]
            }
        }


class IndicatorSerializer(TrackedSerializer):
    situation = serializers.PrimaryKeyRelatedField(queryset=Situation.objects.none())
    citations = citations_field()
    answered_by = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text="Ids of the engagements linked to this sign as its answers; set through each "
        "engagement's responds_to",
    )
    # Null with a null ``reported_on``, so a record read from the API can be written back.
    reported_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        allow_null=True,
        required=False,
        help_text="Precision of reported_on; null when reported_on is null",
    )

    class Meta:
        model = WarningIndicator
        fields = resources.INDICATOR.names
        read_only_fields = resources.INDICATOR.read_only

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].queryset = self.visible(Situation.objects.all(), "")

    def validate_reported_precision(self, value):
        return DatePrecision.DAY if value is None else value


class BriefingSerializer(TrackedSerializer):
    situation = serializers.PrimaryKeyRelatedField(queryset=Situation.objects.none())
    citations = citations_field()

    class Meta:
        model = Briefing
        fields = resources.BRIEFING.names
        read_only_fields = resources.BRIEFING.read_only

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].queryset = self.visible(Situation.objects.all(), "")


class PartnerRoleSerializer(StrictMixin, serializers.ModelSerializer):
    class Meta:
        model = EngagementPartner
        fields = resources.PARTNER_ROLE.names


class EngagementSerializer(TrackedSerializer):
    situation = serializers.PrimaryKeyRelatedField(queryset=Situation.objects.none())
    partners = PartnerRoleSerializer(many=True, required=False)
    citations = citations_field()
    responds_to = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=WarningIndicator.objects.none(),
        help_text="Ids of the warning signs of its situation this engagement answers (a link "
        "wins over dates)",
    )
    # Null with a null ``started_on`` (the source gives no start date), so a record read from
    # the API can be written back as it is.
    started_precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        allow_null=True,
        required=False,
        help_text="Precision of started_on; null when started_on is null (no date given)",
    )

    class Meta:
        model = Engagement
        fields = resources.ENGAGEMENT.names
        read_only_fields = resources.ENGAGEMENT.read_only

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["situation"].queryset = self.visible(Situation.objects.all(), "")
        self.fields["responds_to"].child_relation.queryset = self.visible(
            WarningIndicator.objects.all(), "situation"
        )

    def validate_started_precision(self, value):
        # The model keeps its default precision for an undated engagement.
        return DatePrecision.DAY if value is None else value

    def validate_partners(self, value):
        actors = [item["actor"].pk for item in value]
        if len(actors) != len(set(actors)):
            raise serializers.ValidationError("An actor can take part only once.")
        return value


class AssessmentSerializer(TrackedSerializer):
    engagement = serializers.PrimaryKeyRelatedField(queryset=Engagement.objects.none())
    element = serializers.SlugRelatedField(slug_field="code", queryset=SuccessElement.objects.all())
    citations = citations_field()

    class Meta:
        model = Assessment
        fields = resources.ASSESSMENT.names
        read_only_fields = resources.ASSESSMENT.read_only

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["engagement"].queryset = self.visible(Engagement.objects.all(), "situation")


class ActorSerializer(TrackedSerializer):
    citations = citations_field()

    class Meta:
        model = Actor
        fields = resources.ACTOR.names
        read_only_fields = resources.ACTOR.read_only


# --- Early action reviews: read-only over the API (desk officers write them in the admin) ---


class ReviewSerializer(serializers.ModelSerializer):
    citations = serializers.ListField(
        child=serializers.UUIDField(), read_only=True, help_text="Ids of the paragraphs cited"
    )

    class Meta:
        model = EarlyActionReview
        fields = resources.REVIEW.names
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    situation = serializers.UUIDField(read_only=True, help_text="The review's situation")
    element = serializers.ChoiceField(
        choices=SuccessElement._meta.get_field("code").choices,
        read_only=True,
        help_text="The success element's code",
    )

    class Meta:
        model = ReviewFinding
        fields = resources.FINDING.names
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    situation = serializers.UUIDField(read_only=True, help_text="The review's situation")

    class Meta:
        model = FollowUpAction
        fields = resources.FOLLOW_UP.names
        read_only_fields = fields


class ReferenceSerializer(serializers.ModelSerializer):
    """Reference data: its ``id`` is the public UUID, not the integer key."""

    id = serializers.UUIDField(source="uuid", read_only=True)


class SuccessElementSerializer(ReferenceSerializer):
    class Meta:
        model = SuccessElement
        fields = resources.SUCCESS_ELEMENT.names
        read_only_fields = resources.SUCCESS_ELEMENT.read_only


class ParagraphSerializer(ReferenceSerializer):
    class Meta:
        model = Paragraph
        fields = resources.PARAGRAPH.names
        read_only_fields = resources.PARAGRAPH.read_only


class DocumentSerializer(ReferenceSerializer):
    subject_terms = serializers.ListField(child=serializers.CharField())
    paragraph_count = serializers.IntegerField()

    class Meta:
        model = Document
        fields = resources.DOCUMENT.names
        read_only_fields = resources.DOCUMENT.read_only


class DocumentDetailSerializer(DocumentSerializer):
    paragraphs = ParagraphSerializer(many=True)

    class Meta(DocumentSerializer.Meta):
        fields = resources.DOCUMENT_DETAIL.names


# --- batch, feed and errors (schema only) ---------------------------------------------------


@extend_schema_field({"type": "boolean", "enum": [True]})
class TrueField(serializers.BooleanField):
    """A switch that is only ever sent on."""


class HistoryChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field as the record's resource names it")
    # Any JSON value, null included. Not ``allow_null``: drf-spectacular then writes
    # ``oneOf: [{}, {type: null}]``, which a null matches twice (invalid; found by schemathesis).
    old = serializers.JSONField(
        required=False,
        help_text="Its value before (any JSON value, null included); absent on a creation, or "
        "when the state before is not yours to see",
    )
    new = serializers.JSONField(help_text="Its value after (any JSON value, null included)")


class HistoryAuthorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["desk", "partner", "system"],
        help_text="desk: a desk officer; partner: a partner system through the API; system: "
        "a job or an import",
    )
    name = serializers.CharField(
        allow_null=True,
        help_text="The partner's name; a desk officer's user name only to desk officers",
    )


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it was recorded")
    version = serializers.IntegerField(help_text="The record's version after it")
    type = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    redacted = serializers.BooleanField(
        help_text="Recorded while the record's situation was labelled beyond your clearance: "
        "no author and no changes shown"
    )
    by = HistoryAuthorSerializer(allow_null=True)
    changes = HistoryChangeSerializer(
        many=True, help_text="The fields that changed, old → new (links are not compared)"
    )


class BatchDeleteSerializer(serializers.Serializer):
    """A batch item deleting the record it names (schema only: the view reads the item)."""

    id = serializers.UUIDField(help_text="The record to delete")
    delete = TrueField(help_text="true: delete the record named by id")


class BatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "deleted"])
    version = serializers.IntegerField(
        help_text="The record's version; for a delete, the version its tombstone has in the feed"
    )


class BatchResponseSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "The record as its resource's detail endpoint returns it; null for a delete",
    }
)
class ChangeDataField(serializers.JSONField):
    pass


class ChangeSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=RecordType.values)
    id = serializers.UUIDField()
    op = serializers.ChoiceField(choices=["upsert", "delete"])
    version = serializers.IntegerField()
    data = ChangeDataField()


class ChangePageSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)
    cursor = serializers.CharField(help_text="Pass as `since` to resume after these changes")
    has_more = serializers.BooleanField()


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: validation_error, not_found, …")
    message = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    current_version = serializers.IntegerField(required=False, allow_null=True)
    records = serializers.ListField(child=serializers.DictField(), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorBodySerializer()
