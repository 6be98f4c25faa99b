"""The only code that talks to the fan-out queue (SQS FIFO): batches in, and how many wait."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sync_auditor.adapters import clients
from sync_auditor.fanout_message import Batch, encode

# SendMessageBatch takes at most 10 entries, and at most 256 KiB of them all together.
_ENTRIES_PER_CALL = 10
_BYTES_PER_CALL = 256 * 1024


class FanOutQueue:
    def __init__(self, queue_url: str, client: Callable[[str], Any] = clients.client) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def _sqs(self) -> Any:
        return self._client("sqs")

    def send(self, batches: Sequence[Batch]) -> int:
        """Enqueue the tick's batches; returns how many were sent. Raises if SQS refused any:
        the plan fails loudly (poller-Errors) rather than leave data sources unpolled."""
        sent = 0
        for chunk in _calls(batches):
            entries = [
                {
                    "Id": str(n),
                    "MessageBody": body,
                    "MessageGroupId": batch.group_id,
                    "MessageDeduplicationId": batch.deduplication_id,
                }
                for n, (batch, body) in enumerate(chunk)
            ]
            response = self._sqs.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
            if failed := response.get("Failed"):
                codes = sorted({entry.get("Code", "?") for entry in failed})
                raise FanOutSendFailed(f"{len(failed)} of {len(chunk)} batches refused: {codes}")
            sent += len(chunk)
        return sent

    def send_remainder(self, batch: Batch) -> None:
        """What a consumer could not reach, back in its shard's group (after what waits there)."""
        self._sqs.send_message(
            QueueUrl=self.queue_url,
            MessageBody=encode(batch),
            MessageGroupId=batch.group_id,
            MessageDeduplicationId=batch.remainder_deduplication_id,
        )

    def waiting(self) -> int:
        """Batches sent and not yet received (SQS's approximate count)."""
        response = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(response["Attributes"]["ApproximateNumberOfMessages"])


def _calls(batches: Sequence[Batch]) -> Iterator[list[tuple[Batch, str]]]:
    """The batches with their bodies, in as few SendMessageBatch calls as SQS's limits allow
    (each body is at most MAX_BODY_BYTES, so each fits a call of its own)."""
    chunk: list[tuple[Batch, str]] = []
    size = 0
    for batch in batches:
        body = encode(batch)
        grows = len(body.encode("utf-8"))
        if chunk and (len(chunk) == _ENTRIES_PER_CALL or size + grows > _BYTES_PER_CALL):
            yield chunk
            chunk, size = [], 0
        chunk.append((batch, body))
        size += grows
    if chunk:
        yield chunk


class FanOutSendFailed(RuntimeError):
    """SQS refused some of a tick's batches."""
