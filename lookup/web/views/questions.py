"""``POST /api/v1/questions``: what a caller asked, as topic ids, for the insight counters.

The console posts the representative's marks after a call, the widget the help topic a
resident opened. The body is JSON (so a cross-origin widget's browser sends a CORS
preflight first: ``security.secure``) and holds ids only: nothing a caller said is
accepted, echoed in an error, logged or stored. Counted through the same ``Recorder`` as
the look-ups (the request path only queues an ``Event``); with insights off, a post is
checked and answered all the same, and nothing is counted.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from flask import Blueprint, Response, current_app, request

from lookup.domain.questions import MAX_TOPICS, allowed_topics, valid_topic
from lookup.errors import InvalidParameter
from lookup.insights.events import QUESTION, QUESTION_CHANNELS, Event
from lookup.insights.recorder import Recorder, note_dropped
from lookup.web.context import exchange, state
from lookup.web.params import parse_lang

log = logging.getLogger(__name__)
bp = Blueprint("questions", __name__)


def parse_topics(raw: Any, help_ids: Collection[str]) -> tuple[str, ...]:
    """The topic ids of a post, each once, in the order given."""
    if not isinstance(raw, list) or not raw or not all(isinstance(t, str) for t in raw):
        raise InvalidParameter(
            "topics is not a non-empty list of topic ids", parameter="topics", reason="not_a_list"
        )
    if len(raw) > MAX_TOPICS:
        raise InvalidParameter(
            "too many topics", parameter="topics", reason="too_many", maximum=MAX_TOPICS
        )
    if not all(valid_topic(t, help_ids) for t in raw):
        # The ids allowed, never the text sent: it may be anything a client typed.
        raise InvalidParameter(
            "unknown topic", parameter="topics", reason="unknown", allowed=allowed_topics(help_ids)
        )
    return tuple(dict.fromkeys(raw))


def parse_question_channel(raw: Any) -> str:
    """``rep`` or ``widget``: the two front ends that mark questions (required)."""
    if raw not in QUESTION_CHANNELS:
        raise InvalidParameter(
            "unknown channel", parameter="channel", allowed=list(QUESTION_CHANNELS)
        )
    return str(raw)


@bp.post("/api/v1/questions")
def record_questions() -> Response:
    """Count the topics of one call or one opened answer: 204, or 400 invalid_parameter."""
    body = request.get_json(silent=True)  # None for another content type or bad JSON
    if not isinstance(body, dict):
        raise InvalidParameter("the body is not a JSON object", parameter="body", reason="not_json")
    ex = exchange()
    lang = body.get("lang")
    if lang is not None and not isinstance(lang, str):
        raise InvalidParameter("unknown language", parameter="lang")
    ex.lang = parse_lang(lang)  # first: the errors below speak the caller's language
    channel = parse_question_channel(body.get("channel"))
    ex.channel = channel
    st = state()
    # The help topics this deployment serves (checked at start-up): a resident's opened
    # answer is counted by its id.
    topics = parse_topics(body.get("topics"), st.help_base.ids)
    recorder: Recorder | None = current_app.extensions.get("insights")
    if recorder is not None:  # None: insights are off (LOOKUP_INSIGHTS)
        try:
            event = Event(QUESTION, st.clock(), channel, ex.lang, "ok", topics=topics)
            recorder.record(event)
        except Exception as exc:  # counting never fails an answer
            note_dropped(1)
            log.warning("insights: question not counted (%s)", type(exc).__name__)
    return Response(status=204)
