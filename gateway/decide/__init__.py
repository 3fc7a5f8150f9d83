"""Decisions the gateway makes or records on events: today, answers to load tenders."""

from gateway.decide.tenders import (
    DECISION_MAPPING,
    DECISIONS_CHANNEL,
    DecisionError,
    TenderRules,
    decision_document,
    decision_hook,
    tenders_hook,
)

__all__ = ["DECISIONS_CHANNEL", "DECISION_MAPPING", "DecisionError", "TenderRules", "decision_document",
           "decision_hook", "tenders_hook"]
