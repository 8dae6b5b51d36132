"""factory-boy factories for every model; the only place test data is built.

The desk officers' records (situations, warning signs, actors, engagements, their partners,
assessments) are created through ``cases.services``, as the admin and the API create them: a
factory-made record has its history, its change in the feed and its situation's recompute queued
after commit, exactly as the application's own writes do.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from alerts.services import save_alert_rule
from cases import choices, services
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
from cases.roles import DESK_OFFICER, REVIEWER
from feed.bulk import record_children
from feed.choices import RecordType


class ServiceFactory(factory.django.DjangoModelFactory):
    """Creates the record through its model's save service (``SAVED_BY``). Many-to-many links
    the service sets (``LINKS``: a situation's sharing list) are given to it, not to the model."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        for name in LINKS.get(model_class, ()):
            kwargs.pop(name, None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        links = {name: kwargs.pop(name, None) for name in LINKS.get(model_class, ())}
        record = model_class(*args, **kwargs)
        SAVED_BY[model_class](record, **{k: v for k, v in links.items() if v is not None})
        return record


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct-horse-battery-staple")
    is_staff = False


class DeskOfficerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=DESK_OFFICER))


class ReviewerFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create:
            self.groups.add(Group.objects.get(name=REVIEWER))


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"S/2099/{n}")
    title = "A report"
    subject_terms = factory.LazyFunction(lambda: ["PREVENTIVE DIPLOMACY"])


class ParagraphFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paragraph

    document = factory.SubFactory(DocumentFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = factory.Faker("paragraph")


class ActorFactory(ServiceFactory):
    class Meta:
        model = Actor

    name = factory.Sequence(lambda n: f"Organisation {n}")
    acronym = factory.Sequence(lambda n: f"ORG{n}")
    kind = choices.ActorKind.REGIONAL_ORGANISATION


class SituationFactory(ServiceFactory):
    class Meta:
        model = Situation

    title = factory.Sequence(lambda n: f"Situation {n}")
    slug = factory.Sequence(lambda n: f"situation-{n}")
    countries = factory.LazyFunction(lambda: ["GN"])
    region = choices.Region.AFRICA
    subregion = choices.Subregion.WESTERN_AFRICA
    crisis_type = choices.CrisisType.CONSTITUTIONAL_CRISIS
    status = choices.SituationStatus.MONITORING
    risk_level = choices.RiskLevel.MEDIUM
    sharing = choices.SharingLevel.GREEN
    shared_with = None  # the actors on the sharing list, set by the service


class WarningIndicatorFactory(ServiceFactory):
    class Meta:
        model = WarningIndicator

    situation = factory.SubFactory(SituationFactory)
    category = choices.IndicatorCategory.POLITICAL_TENSION
    severity = choices.Severity.HIGH
    description = factory.Faker("sentence")
    observed_on = dt.date(2010, 6, 10)
    observed_precision = choices.DatePrecision.DAY


class EngagementFactory(ServiceFactory):
    class Meta:
        model = Engagement

    situation = factory.SubFactory(SituationFactory)
    title = factory.Sequence(lambda n: f"Engagement {n}")
    instrument = choices.Instrument.GOOD_OFFICES
    track = choices.Track.TRACK_I
    lead_actor = factory.SubFactory(ActorFactory)
    started_on = dt.date(2010, 6, 20)
    started_precision = choices.DatePrecision.DAY
    outcome = choices.Outcome.ONGOING


class EngagementPartnerFactory(ServiceFactory):
    class Meta:
        model = EngagementPartner

    engagement = factory.SubFactory(EngagementFactory)
    actor = factory.SubFactory(ActorFactory)
    role = choices.PartnerRole.SUPPORTING


def success_element(code: str = choices.SuccessElementCode.EARLY_WARNING) -> SuccessElement:
    """The six elements are created by a migration; tests look them up, never invent them."""
    return SuccessElement.objects.get(code=code)


class AssessmentFactory(ServiceFactory):
    class Meta:
        model = Assessment

    engagement = factory.SubFactory(EngagementFactory)
    element = factory.LazyFunction(success_element)
    rating = choices.AssessmentRating.ADEQUATE
    evidence = factory.Faker("sentence")


class BriefingFactory(ServiceFactory):
    """A decision maker alerted (the notification milestone)."""

    class Meta:
        model = Briefing

    situation = factory.SubFactory(SituationFactory)
    kind = choices.BriefingKind.NOTE_TO_SECRETARY_GENERAL
    briefed_on = dt.date(2010, 6, 16)
    briefed_precision = choices.DatePrecision.DAY
    summary = factory.Faker("sentence")


class ReviewFactory(ServiceFactory):
    """An early action review held after the first response."""

    class Meta:
        model = EarlyActionReview

    situation = factory.SubFactory(SituationFactory)
    held_on = dt.date(2011, 3, 1)
    trigger = choices.ReviewTrigger.FIRST_RESPONSE
    summary = factory.Faker("sentence")


class FindingFactory(ServiceFactory):
    class Meta:
        model = ReviewFinding

    review = factory.SubFactory(ReviewFactory)
    kind = choices.FindingKind.BOTTLENECK
    element = factory.LazyFunction(success_element)
    text = factory.Faker("sentence")


class FollowUpFactory(ServiceFactory):
    class Meta:
        model = FollowUpAction

    review = factory.SubFactory(ReviewFactory)
    action = factory.Sequence(lambda n: f"Follow-up {n}")
    owner_name = "Regional desk"
    due_on = dt.date(2011, 4, 1)
    status = choices.FollowUpStatus.OPEN


SAVED_BY = {
    Actor: services.save_actor,
    Situation: services.save_situation,
    WarningIndicator: services.save_indicator,
    Engagement: services.save_engagement,
    EngagementPartner: services.save_engagement_partner,
    Assessment: services.save_assessment,
    Briefing: services.save_briefing,
    EarlyActionReview: services.save_review,
    ReviewFinding: services.save_finding,
    FollowUpAction: services.save_follow_up,
}
LINKS = {Situation: ("shared_with",)}


# --- alerts ---------------------------------------------------------------------------------


class AlertRuleFactory(factory.django.DjangoModelFactory):
    """A no-action rule by default; the six default rules come from a migration. Created through
    the alerts' service, which queues the rules' evaluation after commit as the admin's save does."""

    class Meta:
        model = "alerts.AlertRule"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return save_alert_rule(model_class(*args, **kwargs))

    name = factory.Sequence(lambda n: f"Rule {n}")
    kind = "no-action"
    min_severity = choices.Severity.HIGH
    days = 14
    level = choices.Severity.HIGH
    regions = factory.LazyFunction(list)
    crisis_types = factory.LazyFunction(list)


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert as the job would raise it (tests of the job itself run the job instead)."""

    class Meta:
        model = "alerts.Alert"

    rule = factory.SubFactory(AlertRuleFactory)
    situation = factory.SubFactory(SituationFactory)
    subject_key = factory.LazyAttribute(lambda a: f"situation:{a.situation.pk.hex}")
    level = factory.SelfAttribute("rule.level")
    measure = 20
    opened_at = factory.LazyFunction(timezone.now)
    measured_at = factory.SelfAttribute("opened_at")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        alert = super()._create(model_class, *args, **kwargs)
        # Recorded in the change feed as the rules record the alerts they raise.
        record_children(RecordType.ALERT, model_class.objects.filter(pk=alert.pk), id_field="uuid")
        return alert


class DeskAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.DeskAssignment"

    user = factory.SubFactory(DeskOfficerFactory)
    region = choices.Region.AFRICA


class WebhookSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.WebhookSubscription"

    name = factory.Sequence(lambda n: f"Partner system {n}")
    actor = factory.SubFactory(ActorFactory)
    url = "http://127.0.0.1:9/hook"


# --- partners (REST API) ---


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Partner"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Partner system {n}")
    actor = factory.SubFactory(ActorFactory)


def partner_token(partner=None, scopes=("read", "write"), **kwargs):
    """A token for ``partner`` (a new one if None); returns (token, key)."""
    from partners.models import PartnerToken

    return PartnerToken.issue(partner or PartnerFactory(), list(scopes), **kwargs)


class UndatedEngagementFactory(EngagementFactory):
    """An engagement whose source gives no start date (``started_on`` empty)."""

    title = factory.Sequence(lambda n: f"Undated engagement {n}")
    started_on = None
    outcome = choices.Outcome.NOT_STATED


def partner_member(user, partner=None):
    """Make ``user`` a member of ``partner`` (a new partner organisation if None)."""
    from partners.models import PartnerMember

    return PartnerMember.objects.create(user=user, partner=partner or PartnerFactory())
