"""Every enumeration of the domain, named as S/2011/552 names it.

Ordinal scales (severity, risk, assessment rating) are integers so the database can compare them
("severity at or above high"); the rest are text.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SharingLevel(models.TextChoices):
    """Traffic Light Protocol 2.0 (FIRST)."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


# Levels a partner sees without being on the situation's sharing list.
OPEN_SHARING_LEVELS = (SharingLevel.CLEAR, SharingLevel.GREEN)
# Levels a partner sees only when its organisation is on the situation's sharing list.
LISTED_SHARING_LEVELS = (SharingLevel.AMBER, SharingLevel.AMBER_STRICT)


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class Region(models.TextChoices):
    """UN M49 regions."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")


class Subregion(models.TextChoices):
    """UN M49 subregions (those the report's situations fall in, and their neighbours)."""

    NORTHERN_AFRICA = "northern-africa", _("Northern Africa")
    WESTERN_AFRICA = "western-africa", _("Western Africa")
    MIDDLE_AFRICA = "middle-africa", _("Middle Africa")
    EASTERN_AFRICA = "eastern-africa", _("Eastern Africa")
    SOUTHERN_AFRICA = "southern-africa", _("Southern Africa")
    CENTRAL_AMERICA = "central-america", _("Central America")
    CARIBBEAN = "caribbean", _("Caribbean")
    SOUTH_AMERICA = "south-america", _("South America")
    NORTHERN_AMERICA = "northern-america", _("Northern America")
    CENTRAL_ASIA = "central-asia", _("Central Asia")
    SOUTHERN_ASIA = "southern-asia", _("Southern Asia")
    WESTERN_ASIA = "western-asia", _("Western Asia")
    EASTERN_ASIA = "eastern-asia", _("Eastern Asia")
    SOUTH_EASTERN_ASIA = "south-eastern-asia", _("South-eastern Asia")
    EASTERN_EUROPE = "eastern-europe", _("Eastern Europe")
    SOUTHERN_EUROPE = "southern-europe", _("Southern Europe")
    WESTERN_EUROPE = "western-europe", _("Western Europe")
    NORTHERN_EUROPE = "northern-europe", _("Northern Europe")
    MELANESIA = "melanesia", _("Melanesia")
    POLYNESIA = "polynesia", _("Polynesia")
    MICRONESIA = "micronesia", _("Micronesia")


class CrisisType(models.TextChoices):
    CONSTITUTIONAL_CRISIS = "constitutional-crisis", _("Constitutional crisis")
    UNCONSTITUTIONAL_CHANGE = (
        "unconstitutional-change",
        _("Unconstitutional change of government"),
    )
    ELECTION_RELATED_VIOLENCE = "election-related-violence", _("Election-related violence")
    INTER_ETHNIC_VIOLENCE = "inter-ethnic-violence", _("Inter-ethnic violence")
    BORDER_TERRITORIAL_DISPUTE = "border-territorial-dispute", _("Border or territorial dispute")
    REGIONAL_CONFLICT = "regional-conflict", _("Regional conflict")
    POPULAR_UNREST = "popular-unrest", _("Popular unrest")
    TRANSNATIONAL_ORGANISED_CRIME = (
        "transnational-organised-crime",
        _("Transnational organised crime"),
    )
    POLITICAL_CRISIS = "political-crisis", _("Political crisis")
    INTER_STATE_TENSION = "inter-state-tension", _("Inter-State tension")
    SELF_DETERMINATION = "self-determination", _("Self-determination process")
    ARMED_CONFLICT = "armed-conflict", _("Armed conflict")
    RELAPSE_RISK = "relapse-risk", _("Risk of relapse after conflict")


class ConflictStage(models.TextChoices):
    """Where a situation sits on the conflict spectrum (para. 1)."""

    DISPUTE_ARISING = "dispute-arising", _("Preventing a dispute from arising")
    ESCALATION = "escalation", _("Preventing a dispute from escalating into conflict")
    SPREAD = "spread", _("Limiting the spread of conflict")
    RELAPSE = "relapse", _("Preventing relapse into violence")


class SituationStatus(models.TextChoices):
    MONITORING = "monitoring", _("Monitoring")
    ACTIVE_ENGAGEMENT = "active-engagement", _("Active engagement")
    DE_ESCALATED = "de-escalated", _("De-escalated")
    ESCALATED = "escalated", _("Escalated")
    CLOSED = "closed", _("Closed")


# The statuses at which a situation's warning-to-action clock stops (on ``Situation.status_on``).
CLOCK_STOPPING_STATUSES = (SituationStatus.DE_ESCALATED, SituationStatus.CLOSED)


class BriefingKind(models.TextChoices):
    """How a decision maker or the lead actor was alerted to a situation: the *notification*
    milestone. The Department of Political Affairs' "horizon scanning" briefings to the Security
    Council (S/2011/552, para. 12) are one; a note to the Secretary-General the most common."""

    NOTE_TO_SECRETARY_GENERAL = "note-to-sg", _("Note to the Secretary-General")
    SECURITY_COUNCIL = "security-council", _("Briefing to the Security Council")
    LEAD_ACTOR = "lead-actor", _("Briefing to the lead actor")
    REGIONAL_PARTNER = "regional-partner", _("Alert to a regional or subregional organization")
    OTHER = "other", _("Other alert to a decision maker")


class RiskLevel(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")
    CRITICAL = 4, _("Critical")


class IndicatorCategory(models.TextChoices):
    HUMAN_RIGHTS_VIOLATIONS = (
        "human-rights-violations",
        _("Patterns of human rights violations"),
    )
    HATE_SPEECH = "hate-speech", _("Hate speech")
    CONTESTED_ELECTION = "contested-election", _("Contested election")
    UNCONSTITUTIONAL_CHANGE = "unconstitutional-change", _("Unconstitutional change of government")
    CONSTITUTIONAL_IMPASSE = "constitutional-impasse", _("Constitutional or political impasse")
    ARMED_MOBILISATION = "armed-mobilisation", _("Armed mobilisation")
    ARMED_GROUPS = "armed-groups", _("Presence of armed groups")
    ARMS_TRAFFICKING = "arms-trafficking", _("Arms trafficking")
    ORGANISED_CRIME = "organised-crime", _("Organised crime and trafficking")
    POPULAR_UNREST = "popular-unrest", _("Popular unrest")
    INTER_ETHNIC_VIOLENCE = "inter-ethnic-violence", _("Inter-ethnic violence")
    VIOLENT_INCIDENT = "violent-incident", _("Violent incident")
    POLITICAL_TENSION = "political-tension", _("Rising political tension")
    REGIONAL_SPILLOVER = "regional-spillover", _("Risk of regional spillover")
    INTER_STATE_TENSION = "inter-state-tension", _("Tension between States")
    HUMANITARIAN_DETERIORATION = "humanitarian-deterioration", _("Humanitarian deterioration")


class ActorKind(models.TextChoices):
    UN_ORGAN = "un-organ", _("United Nations organ")
    SECRETARIAT = "secretariat", _("Secretariat department or office")
    REGIONAL_OFFICE = "regional-office", _("United Nations regional office")
    POLITICAL_MISSION = "political-mission", _("Political mission")
    PEACEKEEPING_OPERATION = "peacekeeping-operation", _("Peacekeeping operation")
    COUNTRY_TEAM = "country-team", _("Country team / resident coordinator")
    UN_FUND = "un-fund", _("United Nations fund or mechanism")
    REGIONAL_ORGANISATION = "regional-organisation", _("Regional organisation")
    SUBREGIONAL_ORGANISATION = "subregional-organisation", _("Subregional organisation")
    GROUP_OF_FRIENDS = "group-of-friends", _("Group of friends or contact group")
    ENVOY = "envoy", _("Envoy, mediator or panel")
    MEMBER_STATE = "member-state", _("Member State")
    CIVIL_SOCIETY = "civil-society", _("Civil society")
    IFI = "ifi", _("International financial institution")
    PARTY = "party", _("Party to a dispute")
    COMMISSION_OF_INQUIRY = "commission-of-inquiry", _("Commission of inquiry or fact-finding body")
    NATIONAL_INSTITUTION = (
        "national-institution",
        _("National institution or infrastructure for peace"),
    )


class Instrument(models.TextChoices):
    GOOD_OFFICES = "good-offices", _("Good offices")
    SPECIAL_ENVOY = "special-envoy", _("Special envoy")
    MEDIATION = "mediation", _("Mediation")
    MEDIATION_SUPPORT_TEAM = "mediation-support-team", _("Mediation support team")
    FACT_FINDING = "fact-finding", _("Fact-finding mission or commission of inquiry")
    COUNCIL_STATEMENT = (
        "council-statement",
        _("Security Council statement of concern or press communiqué"),
    )
    COUNCIL_MISSION = "council-mission", _("Security Council mission to the field")
    SG_DEMARCHE = "sg-demarche", _("Démarche by the Secretary-General")
    POLITICAL_MISSION = "political-mission", _("Political mission")
    PEACEKEEPING_OPERATION = "peacekeeping-operation", _("Peacekeeping operation")
    REGIONAL_OFFICE_FACILITATION = "regional-office-facilitation", _("Regional office facilitation")
    COUNTRY_TEAM_SUPPORT = "country-team-support", _("Country-team support")
    ELECTORAL_GOOD_OFFICES = "electoral-good-offices", _("Electoral good offices")
    ELECTORAL_ASSISTANCE = "electoral-assistance", _("Electoral and technical assistance")
    GROUP_OF_FRIENDS = "group-of-friends", _("Group of friends or contact group")
    PEACEBUILDING_SUPPORT = "peacebuilding-support", _("Peacebuilding support")
    TARGETED_SANCTIONS = "targeted-sanctions", _("Targeted sanctions")


class Track(models.TextChoices):
    TRACK_I = "I", _("Track I (official)")
    TRACK_II = "II", _("Track II (unofficial)")
    TRACK_III = "III", _("Track III (people-to-people)")


class PartnerRole(models.TextChoices):
    """How the United Nations works with regional actors (para. 51)."""

    LEAD = "lead", _("Lead")
    SUPPORTING = "supporting", _("Supporting")
    BURDEN_SHARING = "burden-sharing", _("Burden-sharing")
    SEQUENTIAL = "sequential", _("Sequential")
    JOINT = "joint", _("Joint")


class Outcome(models.TextChoices):
    ONGOING = "ongoing", _("Ongoing")
    AVERTED = "averted", _("Averted or de-escalated")
    UNRESOLVED = "unresolved", _("Unresolved")
    ESCALATED = "escalated", _("Escalated")
    NOT_STATED = "not-stated", _("Not stated in the source")


class SuccessElementCode(models.TextChoices):
    """The six elements for success of section IV."""

    EARLY_WARNING = "early-warning", _("Early warning")
    FLEXIBILITY = "flexibility", _("Flexibility")
    PARTNERSHIPS = "partnerships", _("Partnerships")
    SUSTAINABILITY = "sustainability", _("Sustainability")
    EVALUATION = "evaluation", _("Evaluation")
    RESOURCES = "resources", _("Resources")


class AssessmentRating(models.IntegerChoices):
    ABSENT = 0, _("0 – absent")
    WEAK = 1, _("1 – weak")
    ADEQUATE = 2, _("2 – adequate")
    STRONG = 3, _("3 – strong")


class ParagraphKind(models.TextChoices):
    PARAGRAPH = "paragraph", _("Numbered paragraph")
    FOOTNOTE = "footnote", _("Footnote")


class ReviewTrigger(models.TextChoices):
    """Why an early action review was held: after a situation's first response, or when a
    warning-to-action target was missed (public health's 7-1-7 after-action review, issue 13)."""

    FIRST_RESPONSE = "first-response", _("After the first response")
    TARGET_MISSED = "target-missed", _("A target was missed")
    OTHER = "other", _("Other")


class FindingKind(models.TextChoices):
    """What a review found, filed under one of the six elements for success."""

    BOTTLENECK = "bottleneck", _("Bottleneck")
    ENABLER = "enabler", _("Enabler")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")
