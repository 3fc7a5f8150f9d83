"""The gateway's HTTP API (Starlette): admit, message history, admin hooks, operations."""

from gateway.http.app import create_app, openapi_document

__all__ = ["create_app", "openapi_document"]
