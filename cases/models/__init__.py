from .actors import Actor
from .base import TrackedModel
from .briefings import Briefing
from .documents import Document, Paragraph
from .engagements import Assessment, Engagement, EngagementPartner, SuccessElement
from .reviews import EarlyActionReview, FollowUpAction, ReviewFinding
from .situations import Situation, WarningIndicator

__all__ = [
    "Actor",
    "Assessment",
    "Briefing",
    "Document",
    "EarlyActionReview",
    "Engagement",
    "EngagementPartner",
    "FollowUpAction",
    "Paragraph",
    "ReviewFinding",
    "Situation",
    "SuccessElement",
    "TrackedModel",
    "WarningIndicator",
]
