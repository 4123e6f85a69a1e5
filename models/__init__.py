"""SQLAlchemy models (one module per aggregate) and the migration history."""

from models.base import Base
from models.conversation import Conversation
from models.demand import DemandEvent
from models.directory import Service
from models.inbox import ProcessedMessage

__all__ = ["Base", "Conversation", "DemandEvent", "ProcessedMessage", "Service"]
