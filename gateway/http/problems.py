"""RFC 9457 problem details: every refusal the HTTP API makes, named once.

Each problem type has a slug; its ``type`` URI is a tag URI (RFC 9457 §3.1.1 suggests one when
the type is not meant to be dereferenced) and its title never varies. The ``detail`` says what
was wrong with *this* request, and ``instance`` names the request path it concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.responses import Response

__all__ = ["PROBLEMS", "PROBLEM_CONTENT_TYPE", "Problem", "ProblemType", "problem_response", "problem_type_uri"]

PROBLEM_CONTENT_TYPE = "application/problem+json"
_TYPE_BASE = "tag:logistics-gateway,2026:problem:"


@dataclass(frozen=True, slots=True)
class ProblemType:
    status: int
    title: str


PROBLEMS: dict[str, ProblemType] = {
    "bad-request": ProblemType(400, "The request is malformed"),
    "channel-ambiguous": ProblemType(400, "More than one channel accepts this content type"),
    "idempotency-key-invalid": ProblemType(400, "The Idempotency-Key header is invalid"),
    "credentials-missing": ProblemType(401, "Credentials are required"),
    "credentials-invalid": ProblemType(401, "The credentials are not valid"),
    "key-expired": ProblemType(401, "The API key has expired"),
    "signature-invalid": ProblemType(401, "The request signature is not valid"),
    "signature-stale": ProblemType(401, "The request signature timestamp is outside the tolerance"),
    "channel-forbidden": ProblemType(403, "The channel is not open to this partner"),
    "message-forbidden": ProblemType(403, "The message belongs to another partner"),
    "admin-disabled": ProblemType(403, "No admin key is configured"),
    "not-found": ProblemType(404, "No such resource"),
    "message-not-found": ProblemType(404, "No such message"),
    "method-not-allowed": ProblemType(405, "Method not allowed"),
    "payload-too-large": ProblemType(413, "The payload is too large"),
    "unsupported-media-type": ProblemType(415, "The content type is not accepted"),
    "malformed-body": ProblemType(422, "The body is not well-formed for its content type"),
    "invalid-request": ProblemType(422, "The request cannot be served as asked"),
    "rate-limited": ProblemType(429, "Too many requests"),
    "internal-error": ProblemType(500, "The gateway failed to handle the request"),
    "hook-not-configured": ProblemType(501, "This operation is not configured on this gateway"),
    "store-unavailable": ProblemType(503, "The message store is not available"),
}


def problem_type_uri(slug: str) -> str:
    return _TYPE_BASE + slug


class Problem(Exception):
    """A refusal to be answered as ``application/problem+json``.

    ``slug`` picks the problem type (status and title) from ``PROBLEMS``; ``extra`` members are
    added to the body (RFC 9457 extension members, e.g. ``accepted`` or ``line``/``column``).
    """

    def __init__(self, slug: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(f"{slug}: {detail}")
        self.slug = slug
        self.kind = PROBLEMS[slug]
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    @property
    def status(self) -> int:
        return self.kind.status


def problem_response(problem: Problem, instance: str) -> Response:
    body = {"type": problem_type_uri(problem.slug), "title": problem.kind.title, "status": problem.kind.status,
            "detail": problem.detail, "instance": instance, **problem.extra}
    return Response(orjson.dumps(body), status_code=problem.kind.status, headers=problem.headers,
                    media_type=PROBLEM_CONTENT_TYPE)
