"""Every enumeration of the domain, named as S/2011/552 names it.

Ordinal scales (severity, risk, assessment rating) are integers so the database can compare them
("severity at or above high"); the rest are text.
"""

from django.db import models


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
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Region(models.TextChoices):
    """UN M49 regions."""

    AFRICA = "africa", "Africa"
    AMERICAS = "americas", "Americas"
    ASIA = "asia", "Asia"
    EUROPE = "europe", "Europe"
    OCEANIA = "oceania", "Oceania"


class Subregion(models.TextChoices):
    """UN M49 subregions (those the report's situations fall in, and their neighbours)."""

    NORTHERN_AFRICA = "northern-africa", "Northern Africa"
    WESTERN_AFRICA = "western-africa", "Western Africa"
    MIDDLE_AFRICA = "middle-africa", "Middle Africa"
    EASTERN_AFRICA = "eastern-africa", "Eastern Africa"
    SOUTHERN_AFRICA = "southern-africa", "Southern Africa"
    CENTRAL_AMERICA = "central-america", "Central America"
    CARIBBEAN = "caribbean", "Caribbean"
    SOUTH_AMERICA = "south-america", "South America"
    NORTHERN_AMERICA = "northern-america", "Northern America"
    CENTRAL_ASIA = "central-asia", "Central Asia"
    SOUTHERN_ASIA = "southern-asia", "Southern Asia"
    WESTERN_ASIA = "western-asia", "Western Asia"
    EASTERN_ASIA = "eastern-asia", "Eastern Asia"
    SOUTH_EASTERN_ASIA = "south-eastern-asia", "South-eastern Asia"
    EASTERN_EUROPE = "eastern-europe", "Eastern Europe"
    SOUTHERN_EUROPE = "southern-europe", "Southern Europe"
    WESTERN_EUROPE = "western-europe", "Western Europe"
    NORTHERN_EUROPE = "northern-europe", "Northern Europe"
    MELANESIA = "melanesia", "Melanesia"
    POLYNESIA = "polynesia", "Polynesia"
    MICRONESIA = "micronesia", "Micronesia"


class CrisisType(models.TextChoices):
    CONSTITUTIONAL_CRISIS = "constitutional-crisis", "Constitutional crisis"
    UNCONSTITUTIONAL_CHANGE = (
        "unconstitutional-change",
        "Unconstitutional change of government",
    )
    ELECTION_RELATED_VIOLENCE = "election-related-violence", "Election-related violence"
    INTER_ETHNIC_VIOLENCE = "inter-ethnic-violence", "Inter-ethnic violence"
    BORDER_TERRITORIAL_DISPUTE = "border-territorial-dispute", "Border or territorial dispute"
    REGIONAL_CONFLICT = "regional-conflict", "Regional conflict"
    POPULAR_UNREST = "popular-unrest", "Popular unrest"
    TRANSNATIONAL_ORGANISED_CRIME = (
        "transnational-organised-crime",
        "Transnational organised crime",
    )
    POLITICAL_CRISIS = "political-crisis", "Political crisis"
    INTER_STATE_TENSION = "inter-state-tension", "Inter-State tension"
    SELF_DETERMINATION = "self-determination", "Self-determination process"
    ARMED_CONFLICT = "armed-conflict", "Armed conflict"
    RELAPSE_RISK = "relapse-risk", "Risk of relapse after conflict"


class ConflictStage(models.TextChoices):
    """Where a situation sits on the conflict spectrum (para. 1)."""

    DISPUTE_ARISING = "dispute-arising", "Preventing a dispute from arising"
    ESCALATION = "escalation", "Preventing a dispute from escalating into conflict"
    SPREAD = "spread", "Limiting the spread of conflict"
    RELAPSE = "relapse", "Preventing relapse into violence"


class SituationStatus(models.TextChoices):
    MONITORING = "monitoring", "Monitoring"
    ACTIVE_ENGAGEMENT = "active-engagement", "Active engagement"
    DE_ESCALATED = "de-escalated", "De-escalated"
    ESCALATED = "escalated", "Escalated"
    CLOSED = "closed", "Closed"


# The statuses at which a situation's warning-to-action clock stops (on ``Situation.status_on``).
CLOCK_STOPPING_STATUSES = (SituationStatus.DE_ESCALATED, SituationStatus.CLOSED)


class BriefingKind(models.TextChoices):
    """How a decision maker or the lead actor was alerted to a situation: the *notification*
    milestone. The Department of Political Affairs' "horizon scanning" briefings to the Security
    Council (S/2011/552, para. 12) are one; a note to the Secretary-General the most common."""

    NOTE_TO_SECRETARY_GENERAL = "note-to-sg", "Note to the Secretary-General"
    SECURITY_COUNCIL = "security-council", "Briefing to the Security Council"
    LEAD_ACTOR = "lead-actor", "Briefing to the lead actor"
    REGIONAL_PARTNER = "regional-partner", "Alert to a regional or subregional organization"
    OTHER = "other", "Other alert to a decision maker"


class RiskLevel(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class Severity(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    CRITICAL = 4, "Critical"


class IndicatorCategory(models.TextChoices):
    HUMAN_RIGHTS_VIOLATIONS = (
        "human-rights-violations",
        "Patterns of human rights violations",
    )
    HATE_SPEECH = "hate-speech", "Hate speech"
    CONTESTED_ELECTION = "contested-election", "Contested election"
    UNCONSTITUTIONAL_CHANGE = "unconstitutional-change", "Unconstitutional change of government"
    CONSTITUTIONAL_IMPASSE = "constitutional-impasse", "Constitutional or political impasse"
    ARMED_MOBILISATION = "armed-mobilisation", "Armed mobilisation"
    ARMED_GROUPS = "armed-groups", "Presence of armed groups"
    ARMS_TRAFFICKING = "arms-trafficking", "Arms trafficking"
    ORGANISED_CRIME = "organised-crime", "Organised crime and trafficking"
    POPULAR_UNREST = "popular-unrest", "Popular unrest"
    INTER_ETHNIC_VIOLENCE = "inter-ethnic-violence", "Inter-ethnic violence"
    VIOLENT_INCIDENT = "violent-incident", "Violent incident"
    POLITICAL_TENSION = "political-tension", "Rising political tension"
    REGIONAL_SPILLOVER = "regional-spillover", "Risk of regional spillover"
    INTER_STATE_TENSION = "inter-state-tension", "Tension between States"
    HUMANITARIAN_DETERIORATION = "humanitarian-deterioration", "Humanitarian deterioration"


class ActorKind(models.TextChoices):
    UN_ORGAN = "un-organ", "United Nations organ"
    SECRETARIAT = "secretariat", "Secretariat department or office"
    REGIONAL_OFFICE = "regional-office", "United Nations regional office"
    POLITICAL_MISSION = "political-mission", "Political mission"
    PEACEKEEPING_OPERATION = "peacekeeping-operation", "Peacekeeping operation"
    COUNTRY_TEAM = "country-team", "Country team / resident coordinator"
    UN_FUND = "un-fund", "United Nations fund or mechanism"
    REGIONAL_ORGANISATION = "regional-organisation", "Regional organisation"
    SUBREGIONAL_ORGANISATION = "subregional-organisation", "Subregional organisation"
    GROUP_OF_FRIENDS = "group-of-friends", "Group of friends or contact group"
    ENVOY = "envoy", "Envoy, mediator or panel"
    MEMBER_STATE = "member-state", "Member State"
    CIVIL_SOCIETY = "civil-society", "Civil society"
    IFI = "ifi", "International financial institution"
    PARTY = "party", "Party to a dispute"
    COMMISSION_OF_INQUIRY = "commission-of-inquiry", "Commission of inquiry or fact-finding body"
    NATIONAL_INSTITUTION = (
        "national-institution",
        "National institution or infrastructure for peace",
    )


class Instrument(models.TextChoices):
    GOOD_OFFICES = "good-offices", "Good offices"
    SPECIAL_ENVOY = "special-envoy", "Special envoy"
    MEDIATION = "mediation", "Mediation"
    MEDIATION_SUPPORT_TEAM = "mediation-support-team", "Mediation support team"
    FACT_FINDING = "fact-finding", "Fact-finding mission or commission of inquiry"
    COUNCIL_STATEMENT = (
        "council-statement",
        "Security Council statement of concern or press communiqué",
    )
    COUNCIL_MISSION = "council-mission", "Security Council mission to the field"
    SG_DEMARCHE = "sg-demarche", "Démarche by the Secretary-General"
    POLITICAL_MISSION = "political-mission", "Political mission"
    PEACEKEEPING_OPERATION = "peacekeeping-operation", "Peacekeeping operation"
    REGIONAL_OFFICE_FACILITATION = "regional-office-facilitation", "Regional office facilitation"
    COUNTRY_TEAM_SUPPORT = "country-team-support", "Country-team support"
    ELECTORAL_GOOD_OFFICES = "electoral-good-offices", "Electoral good offices"
    ELECTORAL_ASSISTANCE = "electoral-assistance", "Electoral and technical assistance"
    GROUP_OF_FRIENDS = "group-of-friends", "Group of friends or contact group"
    PEACEBUILDING_SUPPORT = "peacebuilding-support", "Peacebuilding support"
    TARGETED_SANCTIONS = "targeted-sanctions", "Targeted sanctions"


class Track(models.TextChoices):
    TRACK_I = "I", "Track I (official)"
    TRACK_II = "II", "Track II (unofficial)"
    TRACK_III = "III", "Track III (people-to-people)"


class PartnerRole(models.TextChoices):
    """How the United Nations works with regional actors (para. 51)."""

    LEAD = "lead", "Lead"
    SUPPORTING = "supporting", "Supporting"
    BURDEN_SHARING = "burden-sharing", "Burden-sharing"
    SEQUENTIAL = "sequential", "Sequential"
    JOINT = "joint", "Joint"


class Outcome(models.TextChoices):
    ONGOING = "ongoing", "Ongoing"
    AVERTED = "averted", "Averted or de-escalated"
    UNRESOLVED = "unresolved", "Unresolved"
    ESCALATED = "escalated", "Escalated"
    NOT_STATED = "not-stated", "Not stated in the source"


class SuccessElementCode(models.TextChoices):
    """The six elements for success of section IV."""

    EARLY_WARNING = "early-warning", "Early warning"
    FLEXIBILITY = "flexibility", "Flexibility"
    PARTNERSHIPS = "partnerships", "Partnerships"
    SUSTAINABILITY = "sustainability", "Sustainability"
    EVALUATION = "evaluation", "Evaluation"
    RESOURCES = "resources", "Resources"


class AssessmentRating(models.IntegerChoices):
    ABSENT = 0, "0 – absent"
    WEAK = 1, "1 – weak"
    ADEQUATE = 2, "2 – adequate"
    STRONG = 3, "3 – strong"


class ParagraphKind(models.TextChoices):
    PARAGRAPH = "paragraph", "Numbered paragraph"
    FOOTNOTE = "footnote", "Footnote"


class ReviewTrigger(models.TextChoices):
    """Why an early action review was held: after a situation's first response, or when a
    warning-to-action target was missed (public health's 7-1-7 after-action review, issue 13)."""

    FIRST_RESPONSE = "first-response", "After the first response"
    TARGET_MISSED = "target-missed", "A target was missed"
    OTHER = "other", "Other"


class FindingKind(models.TextChoices):
    """What a review found, filed under one of the six elements for success."""

    BOTTLENECK = "bottleneck", "Bottleneck"
    ENABLER = "enabler", "Enabler"


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"
