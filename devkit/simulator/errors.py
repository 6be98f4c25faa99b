"""Service errors as the simulator raises them; each protocol module renders them on the wire."""

from __future__ import annotations

from typing import Any

# Errors that say the request itself was unacceptable (counted as "rejected" in the stats).
REJECTION_CODES = frozenset(
    {
        "ValidationException",
        "SerializationException",
        "UnknownOperationException",
        "MissingAuthenticationTokenException",
    }
)


class ApiError(Exception):
    """An error response. `fields` are extra members of the error body (Q Business requires
    `resourceId`/`resourceType` on some, `reason`/`fields` on validation errors); a protocol
    emits only the ones its model declares. `status` overrides the model for errors the model
    does not describe (unknown operation, missing authentication)."""

    def __init__(
        self, code: str, message: str, *, status: int | None = None, **fields: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields

    @property
    def is_rejection(self) -> bool:
        return self.code in REJECTION_CODES


def validation_error(message: str, members: list[tuple[str, str]] | None = None) -> ApiError:
    """A ValidationException; `members` are (member name, problem) pairs for Q Business's
    `fields`, whose `reason` says the fields failed validation, and Bedrock's `fieldList`."""
    named = [{"name": name, "message": problem} for name, problem in members or []]
    return ApiError(
        "ValidationException",
        message,
        reason="FIELD_VALIDATION_FAILED" if members else "CANNOT_PARSE",
        fields=named,
        fieldList=named,
    )


def unknown_operation(what: str, status: int) -> ApiError:
    return ApiError(
        "UnknownOperationException",
        f"The simulator does not serve {what}",
        status=status,
    )


def missing_authentication(status: int) -> ApiError:
    # What the AWS front ends answer to a request without a SigV4 Authorization header.
    return ApiError(
        "MissingAuthenticationTokenException", "Missing Authentication Token", status=status
    )
