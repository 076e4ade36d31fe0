"""What a caller asked, as fixed topic ids: the representative marks them after a call
(the console's number keys 1-8, in this order), the widget posts the help topic a
resident opened. Only these ids are ever counted: never a word the caller said."""

from __future__ import annotations

from collections.abc import Collection

# The console's marks, in the order of its number keys (1 = where_to_vote ... 8 = other).
QUESTION_TOPICS = (
    "where_to_vote",
    "early_voting_hours",
    "photo_id",
    "registration",
    "mail_ballot",
    "moved",
    "accessibility",
    "other",
)
MAX_TOPICS = 16  # one post: every mark and every help topic at once fits well within


def valid_topic(topic: str, help_ids: Collection[str]) -> bool:
    """A topic that may be counted: a question topic, or the id of a help topic (the
    Board's answers, loaded per deployment: ``help_ids``)."""
    return topic in QUESTION_TOPICS or topic in help_ids


def allowed_topics(help_ids: Collection[str]) -> list[str]:
    """Every countable id, the question topics first (then the help ids, sorted), for an
    error's ``allowed`` and the API description."""
    return [*QUESTION_TOPICS, *sorted(h for h in help_ids if h not in QUESTION_TOPICS)]
