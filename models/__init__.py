"""SQLAlchemy models (one module per aggregate) and the migration history."""

from models.alerts import Alert, AlertTerm
from models.base import Base
from models.conversation import Conversation
from models.demand_tables import PublishedDemandEvent, StagedDemandEvent
from models.directory_history import ServiceHistory
from models.handoffs import Handoff, HandoffKey, HandoffMessage
from models.inbox import ProcessedMessage
from models.protected_tables import ProtectedTable
from models.services import DirectoryVersion, Service
from models.staff import AuditLog, LoginThrottle, StaffUser
from models.unique import DailyKey, DailySenderDigest, DailyUniqueSender
from models.upkeep import Upkeep

__all__ = [
    "Alert",
    "AlertTerm",
    "AuditLog",
    "Base",
    "Conversation",
    "DailyKey",
    "DailySenderDigest",
    "DailyUniqueSender",
    "PublishedDemandEvent",
    "DirectoryVersion",
    "Handoff",
    "HandoffKey",
    "HandoffMessage",
    "LoginThrottle",
    "ProcessedMessage",
    "ProtectedTable",
    "Service",
    "ServiceHistory",
    "StaffUser",
    "StagedDemandEvent",
    "Upkeep",
]
