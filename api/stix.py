"""STIX 2.1 out (issue 17): what a partner may see, as one bundle MISP and OpenCTI import.

The mapping, and why:

- A **situation** is a ``grouping`` (context ``suspicious-activity``): a set of objects a desk
  judges related, still being worked on. A ``report`` says "published analysis" and needs a
  ``published`` date a situation does not have. MISP's STIX converter (misp-stix) maps an event
  to a report or a grouping and back; OpenCTI imports a Grouping container. Each holds the objects
  its ``object_refs`` name: the situation's signs, engagements, the actors they involve, the
  relationships between them and its places.
- A **warning sign** is a ``note`` on its situation's grouping (``object_refs``), also naming the
  engagements that answer it. Not an ``indicator``: that needs a STIX pattern over cyber
  observables (an IP, a file hash), and an importer would turn it into a detection rule; a report
  of hate speech has none. Not ``observed-data``: its ``object_refs`` must be cyber observables
  (SCOs), which a sign is not. A note carries what a sign is — dated, authored text about
  something — and OpenCTI shows a note on the objects it annotates. The reporter is the note's
  author (``created_by_ref``, ``authors``); category, severity and threshold moment are labels
  (MISP turns labels into tags), the date observed is in the abstract at its precision.
- An **actor** is an ``identity``; its country a ``located-at`` relationship to a ``location``.
- An **engagement** is a ``course-of-action``, ``related-to`` its lead actor and each partner (the
  role in the relationship's description): STIX allows ``related-to`` between any two types,
  and OpenCTI accepts it between any two entities, where a verb of our own would be refused.
- A situation's region, subregion (UN M49 names: STIX's region vocabulary is UN M49) and
  countries are ``location`` objects, so a grouping always names at least one object.

Every object carries one TLP 2.0 marking: the OASIS marking-definition objects of the TLP 2.0
extension (fixed ids), not stix2's ``TLP_WHITE``… (TLP 1.0). A situation's records and the
relationships between them carry its sharing level; actors and places are reference data every
caller sees (TLP:CLEAR).

Ids are stable from one export to the next: a record is ``<type>--<its own UUID>`` (so an object
leads back to ``/api/v1/<resource>/<uuid>/``); a relationship or a place, which has no record of
its own, is a ``uuid5`` in this module's fixed namespace. The spec asks for UUIDv4 and allows
others from a namespace of one's own: the validator warns (103) on each id that is not a UUIDv4
(the seed's records are uuid5s of their keys, as are relationships, places and the bundle). ``created``/``modified`` are the
records'. The bundle's id is a ``uuid5`` of its objects: the same data exports the same bytes.

Confidentiality: every record is read through ``restrict_to_clearance`` (``cases.sharing``), as
every API read is; an actor appears only when a record exported names it. Queries: a fixed
number whatever the number of situations (one per record type).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import defaultdict

import stix2.v21 as stix
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_countries import countries as country_names

from cases.choices import (
    ActorKind,
    ConflictStage,
    CrisisType,
    IndicatorCategory,
    Instrument,
    Outcome,
    PartnerRole,
    Region,
    RiskLevel,
    Severity,
    SharingLevel,
    SituationStatus,
    Subregion,
    Track,
)
from cases.dates import format_partial_date
from cases.models import Actor, Engagement, EngagementPartner, Situation, WarningIndicator
from cases.sharing import Clearance, restrict_to_clearance

#: The media type of a STIX 2.1 bundle (STIX 2.1, section 1.6; TAXII 2.1).
MEDIA_TYPE = "application/stix+json;version=2.1"

# Fixed for ever: the ids of relationships, places and bundles are uuid5s in it.
NAMESPACE = uuid.UUID("3f1d6c4e-2b7a-5c0e-9d1f-552201117003")

# OASIS's TLP 2.0 extension and its five marking definitions (cti-stix-common-objects,
# extension-definition-specifications/tlp-2.0): fixed ids every STIX tool recognises.
TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP_IDS = {
    SharingLevel.CLEAR: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    SharingLevel.GREEN: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    SharingLevel.AMBER: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    SharingLevel.AMBER_STRICT: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    SharingLevel.RED: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP_MARKINGS = {
    level: stix.MarkingDefinition(
        id=TLP_IDS[level],
        created="2022-10-01T00:00:00.000Z",
        name=level.label,
        extensions={
            TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level.value}
        },
    )
    for level in SharingLevel
}

# Places are reference data of no record: one fixed date for their created/modified.
PLACES_CREATED = dt.datetime(2011, 8, 26, tzinfo=dt.UTC)

# STIX's identity classes (identity-class-ov) for the kinds of actor that are not organisations.
IDENTITY_CLASSES = {
    ActorKind.ENVOY: "individual",
    ActorKind.GROUP_OF_FRIENDS: "group",
    ActorKind.PARTY: "group",
}


def changed_since(situations: QuerySet, since: dt.datetime) -> QuerySet:
    """Those of ``situations`` where anything exported changed at or after ``since``: the
    situation, a sign, an engagement, a partner role, or an actor one of them names. A changed
    situation is exported whole, so a record deleted since is gone from its grouping's
    ``object_refs``."""
    signs = WarningIndicator.objects.filter(situation_id=OuterRef("pk"))
    engagements = Engagement.objects.filter(situation_id=OuterRef("pk"))
    roles = EngagementPartner.objects.filter(engagement__situation_id=OuterRef("pk"))
    return situations.filter(
        Q(updated_at__gte=since)
        | Exists(signs.filter(Q(updated_at__gte=since) | Q(reported_by__updated_at__gte=since)))
        | Exists(
            engagements.filter(Q(updated_at__gte=since) | Q(lead_actor__updated_at__gte=since))
        )
        | Exists(roles.filter(Q(updated_at__gte=since) | Q(actor__updated_at__gte=since)))
    )


def export_situations(clearance: Clearance, situations: QuerySet | None = None) -> QuerySet:
    """Those of ``situations`` (all by default) that ``clearance`` may see: the one filter every
    API read goes through."""
    if situations is None:
        situations = Situation.objects.all()
    return restrict_to_clearance(situations, clearance)


def build_bundle(situations: QuerySet) -> str:
    """The STIX 2.1 bundle (JSON text) of ``situations`` — already restricted to what the caller
    may see (``export_situations``) — with their signs, engagements and the actors they name."""
    return _Export(situations).bundle()


class _Export:
    def __init__(self, situations: QuerySet) -> None:
        ids = situations.values("pk")
        self.situations = list(
            situations.order_by("pk").values(
                "id",
                "title",
                "summary",
                "countries",
                "region",
                "subregion",
                "crisis_type",
                "conflict_stage",
                "status",
                "risk_level",
                "sharing",
                "created_at",
                "updated_at",
            )
        )
        self.signs = list(
            WarningIndicator.objects.filter(situation_id__in=ids)
            .order_by("pk")
            .values(
                "id",
                "situation_id",
                "category",
                "severity",
                "description",
                "observed_on",
                "observed_precision",
                "reported_by_id",
                "threshold_moment",
                "source",
                "created_at",
                "updated_at",
            )
        )
        self.engagements = list(
            Engagement.objects.filter(situation_id__in=ids)
            .order_by("pk")
            .values(
                "id",
                "situation_id",
                "title",
                "instrument",
                "track",
                "lead_actor_id",
                "started_on",
                "started_precision",
                "ended_on",
                "ended_precision",
                "objective",
                "outcome",
                "created_at",
                "updated_at",
            )
        )
        self.roles = list(
            EngagementPartner.objects.filter(engagement__situation_id__in=ids)
            .order_by("pk")
            .values("id", "engagement_id", "actor_id", "role", "created_at", "updated_at")
        )
        # Answers within the export only (a sign and its engagement share a situation).
        self.answers: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for engagement_id, sign_id in (
            Engagement.responds_to.through.objects.filter(engagement__situation_id__in=ids)
            .order_by("engagement_id")
            .values_list("engagement_id", "warningindicator_id")
        ):
            self.answers[sign_id].append(engagement_id)
        named = (
            {s["reported_by_id"] for s in self.signs}
            | {e["lead_actor_id"] for e in self.engagements}
            | {r["actor_id"] for r in self.roles}
        ) - {None}
        self.actors = list(
            Actor.objects.filter(pk__in=named)
            .order_by("pk")
            .values(
                "id",
                "name",
                "acronym",
                "kind",
                "country",
                "description",
                "created_at",
                "updated_at",
            )
        )
        self.actor_names = {a["id"]: a["name"] for a in self.actors}

    # --- the objects ---------------------------------------------------------------------

    def bundle(self) -> str:
        objects: dict[str, object] = {}
        levels: set[str] = set()

        def add(obj, level: str) -> str:
            objects[obj.id] = obj
            levels.add(level)
            return obj.id

        by_situation: dict[uuid.UUID, list[str]] = defaultdict(list)
        actor_ids = {a["id"]: add(self._identity(a), SharingLevel.CLEAR) for a in self.actors}
        for actor in self.actors:
            if actor["country"]:
                place = add(self._country(actor["country"]), SharingLevel.CLEAR)
                add(
                    self._relationship(
                        actor_ids[actor["id"]],
                        "located-at",
                        place,
                        key=f"located-at:{actor['id']}:{actor['country']}",
                        created=actor["created_at"],
                        modified=actor["updated_at"],
                        level=SharingLevel.CLEAR,
                    ),
                    SharingLevel.CLEAR,
                )
        sharing = {s["id"]: s["sharing"] for s in self.situations}
        roles: dict[uuid.UUID, list[dict]] = defaultdict(list)
        for role in self.roles:
            roles[role["engagement_id"]].append(role)
        for situation in self.situations:
            refs = by_situation[situation["id"]]
            refs.append(add(self._region(situation["region"]), SharingLevel.CLEAR))
            if situation["subregion"]:
                refs.append(add(self._region(situation["subregion"]), SharingLevel.CLEAR))
            for code in filter(None, situation["countries"].split(",")):
                refs.append(add(self._country(code), SharingLevel.CLEAR))
        for engagement in self.engagements:
            level = sharing[engagement["situation_id"]]
            refs = by_situation[engagement["situation_id"]]
            coa = add(self._course_of_action(engagement, level), level)
            refs.append(coa)
            involved = [(PartnerRole.LEAD, engagement["lead_actor_id"], engagement)]
            involved += [
                (PartnerRole(r["role"]), r["actor_id"], r) for r in roles[engagement["id"]]
            ]
            for role, actor_id, record in involved:
                refs.append(actor_ids[actor_id])
                refs.append(
                    add(
                        self._relationship(
                            coa,
                            "related-to",
                            actor_ids[actor_id],
                            key=f"engagement-actor:{engagement['id']}:{role.value}:{actor_id}",
                            created=record["created_at"],
                            modified=record["updated_at"],
                            level=level,
                            description=f"{role.label}: {self.actor_names[actor_id]}",
                        ),
                        level,
                    )
                )
        for sign in self.signs:
            level = sharing[sign["situation_id"]]
            refs = by_situation[sign["situation_id"]]
            refs.append(add(self._note(sign, level), level))
            if sign["reported_by_id"]:
                refs.append(actor_ids[sign["reported_by_id"]])
        for situation in self.situations:
            level = situation["sharing"]
            add(self._grouping(situation, sorted(set(by_situation[situation["id"]]))), level)

        markings = [TLP_MARKINGS[SharingLevel(level)] for level in SharingLevel if level in levels]
        ordered = [*markings, *(objects[key] for key in sorted(objects))]
        body = ", ".join(obj.serialize() for obj in ordered)
        bundle_id = uuid.uuid5(NAMESPACE, hashlib.sha256(body.encode()).hexdigest())
        return f'{{"type": "bundle", "id": "bundle--{bundle_id}", "objects": [{body}]}}'

    def _grouping(self, situation: dict, refs: list[str]) -> stix.Grouping:
        labels = [
            f"crisis-type:{situation['crisis_type']}",
            f"conflict-stage:{situation['conflict_stage']}",
            f"status:{situation['status']}",
            f"risk-level:{situation['risk_level']}",
        ]
        description = "\n\n".join(
            part
            for part in (
                situation["summary"],
                f"{CrisisType(situation['crisis_type']).label}; "
                f"{ConflictStage(situation['conflict_stage']).label.lower()}; "
                f"status {SituationStatus(situation['status']).label.lower()}; "
                f"risk {RiskLevel(situation['risk_level']).label.lower()}.",
            )
            if part
        )
        return stix.Grouping(
            id=f"grouping--{situation['id']}",
            **_times(situation),
            name=situation["title"],
            description=description,
            context="suspicious-activity",
            object_refs=refs,
            labels=labels,
            object_marking_refs=[TLP_IDS[situation["sharing"]]],
        )

    def _note(self, sign: dict, level: str) -> stix.Note:
        category = IndicatorCategory(sign["category"]).label
        observed = format_partial_date(sign["observed_on"], sign["observed_precision"])
        severity = Severity(sign["severity"]).label.lower()
        abstract = f"{category}, {observed} (severity {severity})"
        if sign["threshold_moment"]:
            abstract += ", a threshold moment"
        labels = [
            f"category:{sign['category']}",
            f"severity:{sign['severity']}",
            f"observed-precision:{sign['observed_precision']}",
        ]
        if sign["threshold_moment"]:
            labels.append("threshold-moment")
        content = sign["description"] or abstract
        if sign["source"]:
            content += f"\n\nSource: {sign['source']}"
        reporter = sign["reported_by_id"]
        extra = {}
        if reporter:
            extra = {
                "created_by_ref": f"identity--{reporter}",
                "authors": [self.actor_names[reporter]],
            }
        answers = [f"course-of-action--{e}" for e in self.answers.get(sign["id"], ())]
        return stix.Note(
            id=f"note--{sign['id']}",
            **_times(sign),
            abstract=abstract,
            content=content,
            object_refs=[f"grouping--{sign['situation_id']}", *answers],
            labels=labels,
            object_marking_refs=[TLP_IDS[level]],
            **extra,
        )

    def _course_of_action(self, engagement: dict, level: str) -> stix.CourseOfAction:
        if engagement["started_on"] is None:
            when = "date not given"
        else:
            when = format_partial_date(engagement["started_on"], engagement["started_precision"])
        if engagement["ended_on"] is not None:
            ended = format_partial_date(engagement["ended_on"], engagement["ended_precision"])
            when = f"{when} to {ended}"
        facts = (
            f"{Instrument(engagement['instrument']).label}, "
            f"{Track(engagement['track']).label}, {when}; "
            f"outcome: {Outcome(engagement['outcome']).label.lower()}."
        )
        return stix.CourseOfAction(
            id=f"course-of-action--{engagement['id']}",
            **_times(engagement),
            name=engagement["title"],
            description="\n\n".join(p for p in (engagement["objective"], facts) if p),
            labels=[
                f"instrument:{engagement['instrument']}",
                f"track:{engagement['track']}",
                f"outcome:{engagement['outcome']}",
            ],
            object_marking_refs=[TLP_IDS[level]],
        )

    def _identity(self, actor: dict) -> stix.Identity:
        name = actor["name"]
        extra = {"description": actor["description"]} if actor["description"] else {}
        return stix.Identity(
            id=f"identity--{actor['id']}",
            **_times(actor),
            name=name,
            identity_class=IDENTITY_CLASSES.get(actor["kind"], "organization"),
            labels=[
                f"kind:{actor['kind']}",
                *([f"acronym:{actor['acronym']}"] * bool(actor["acronym"])),
            ],
            object_marking_refs=[TLP_IDS[SharingLevel.CLEAR]],
            **extra,
        )

    def _region(self, code: str) -> stix.Location:
        label = Region(code).label if code in Region.values else Subregion(code).label
        return stix.Location(
            id=f"location--{uuid.uuid5(NAMESPACE, f'region:{code}')}",
            created=PLACES_CREATED,
            modified=PLACES_CREATED,
            name=label,
            region=code,
            object_marking_refs=[TLP_IDS[SharingLevel.CLEAR]],
        )

    def _country(self, code: str) -> stix.Location:
        return stix.Location(
            id=f"location--{uuid.uuid5(NAMESPACE, f'country:{code}')}",
            created=PLACES_CREATED,
            modified=PLACES_CREATED,
            name=country_names.name(code) or code,
            country=code,
            object_marking_refs=[TLP_IDS[SharingLevel.CLEAR]],
        )

    def _relationship(
        self,
        source: str,
        kind: str,
        target: str,
        *,
        key: str,
        created: dt.datetime,
        modified: dt.datetime,
        level: str,
        description: str = "",
    ) -> stix.Relationship:
        extra = {"description": description} if description else {}
        return stix.Relationship(
            id=f"relationship--{uuid.uuid5(NAMESPACE, key)}",
            **_times({"created_at": created, "updated_at": modified}),
            relationship_type=kind,
            source_ref=source,
            target_ref=target,
            object_marking_refs=[TLP_IDS[level]],
            **extra,
        )


def _times(record: dict) -> dict[str, dt.datetime]:
    """A record's ``created``/``modified``; never modified before created (a row written in bulk
    may carry an older ``updated_at``)."""
    created = record["created_at"]
    return {"created": created, "modified": max(created, record["updated_at"])}
