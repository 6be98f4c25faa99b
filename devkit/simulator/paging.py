"""Opaque, tamper-evident page tokens and the paging of sorted items.

A token names the last item served (its sort key), not an offset, so jobs added between two
pages neither repeat nor vanish from the rest of the listing. It is signed, so an altered or
foreign token is refused as the services refuse one, and bound to the request it continues
(operation, resource, filters): reusing it with other filters is an error too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from bisect import bisect_right
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from devkit.simulator.errors import ApiError, validation_error

Item = TypeVar("Item")
SortKey = tuple[Any, ...]


class TokenCodec:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def encode(self, scope: str, order: str, after: SortKey) -> str:
        payload = json.dumps(
            {"s": _digest(scope), "o": order, "a": list(after)}, separators=(",", ":")
        ).encode()
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, token: str, scope: str, member: str) -> tuple[str, SortKey]:
        """(order, sort key of the last item served); ValidationException if not ours."""
        try:
            payload_text, signature_text = token.split(".")
            payload = _unb64(payload_text)
            valid = hmac.compare_digest(_unb64(signature_text), self._sign(payload))
            document = json.loads(payload) if valid else None
        except (ValueError, binascii.Error):
            document = None
        if not isinstance(document, dict) or document.get("s") != _digest(scope):
            raise invalid_token(member)
        return str(document["o"]), tuple(document["a"])

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:16]


def invalid_token(member: str) -> ApiError:
    return validation_error(
        f"The {member} is invalid or does not belong to this request",
        [(member, "invalid pagination token")],
    )


def page(
    items: Sequence[Item], sort_key: Callable[[Item], SortKey], size: int, after: SortKey | None
) -> tuple[list[Item], SortKey | None]:
    """The `size` items that follow `after` in sort order, and the key to continue from
    (None on the last page)."""
    keyed = sorted(((sort_key(item), item) for item in items), key=itemgetter(0))
    start = 0 if after is None else bisect_right(keyed, after, key=itemgetter(0))
    chunk = keyed[start : start + size]
    more = start + size < len(keyed)
    return [item for _, item in chunk], (chunk[-1][0] if more else None)


def _digest(scope: str) -> str:
    return hashlib.blake2b(scope.encode(), digest_size=8).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
