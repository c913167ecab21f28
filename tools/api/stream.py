"""Live ingestion entry points for the edges (CLI): the "meter reads" Kafka topic into a home's store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from tools.data.ingest import FileReport, IngestReport
from tools.data.kafka_ingest import consume
from tools.data.store import Store


def ingest_kafka(
    home: str | Path,
    bootstrap: str,
    topic: str,
    *,
    group: str = "smartmeter-ingest",
    partitions: Sequence[int] | None = None,
    batch_messages: int = 50_000,
    idle_s: float | None = 10.0,
    max_batches: int | None = None,
    on_batch: Callable[[FileReport, dict[int, int]], None] | None = None,
) -> IngestReport:
    """Consume ``topic`` into the store at ``home`` (see :mod:`tools.data.kafka_ingest`)."""
    with Store(home) as store:
        return consume(
            store,
            bootstrap,
            topic,
            group=group,
            partitions=partitions,
            batch_messages=batch_messages,
            idle_s=idle_s,
            max_batches=max_batches,
            on_batch=on_batch,
        )
