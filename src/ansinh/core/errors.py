"""Named domain errors. The API and the command line turn them into clear messages (Vietnamese first)."""

from __future__ import annotations


class AnsinhError(Exception):
    """Base of every error a user should read: a stable code, a Vietnamese and an English message."""

    code = "error"
    http_status = 400

    def __init__(self, message_vi: str, message_en: str, *, field: str | None = None) -> None:
        super().__init__(f"{message_vi} / {message_en}")
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def as_dict(self) -> dict[str, str]:
        body = {"error": self.code, "message": self.message_vi, "message_en": self.message_en}
        if self.field is not None:
            body["field"] = self.field
        return body


class ConfigError(AnsinhError):
    code = "config_error"
    http_status = 500


class NotFound(AnsinhError):
    code = "not_found"
    http_status = 404


class ValidationFailed(AnsinhError):
    code = "validation_failed"
    http_status = 422


class Conflict(AnsinhError):
    code = "conflict"
    http_status = 409


class AuthenticationFailed(AnsinhError):
    code = "authentication_failed"
    http_status = 401


class PermissionDenied(AnsinhError):
    code = "permission_denied"
    http_status = 403


class IllegalTransition(AnsinhError):
    code = "illegal_transition"
    http_status = 409
