from .actors import Actor
from .base import TrackedModel
from .briefings import Briefing
from .documents import Document, Paragraph
from .engagements import Assessment, Engagement, EngagementPartner, SuccessElement
from .situations import Situation, WarningIndicator

__all__ = [
    "Actor",
    "Assessment",
    "Briefing",
    "Document",
    "Engagement",
    "EngagementPartner",
    "Paragraph",
    "Situation",
    "SuccessElement",
    "TrackedModel",
    "WarningIndicator",
]
