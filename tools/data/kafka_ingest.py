"""Live ingestion of the "meter reads" Kafka topic, in batches through the file ingest pipeline.

Loop: poll up to ``batch_messages`` messages (a :class:`~tools.data.sources.KafkaSource`), ingest
them with :func:`tools.data.ingest.ingest_source` (staging, validation, quarantine, dedup and the
crash-safe partition swap, exactly as a ``meter_reads*.jsonl`` file), then commit the batch's
offsets (last offset + 1 per partition) synchronously. Offsets are committed only after the swap:
a crash anywhere before re-delivers the batch, and the dedup (or ``ingest_log``, for a batch
re-delivered whole) counts it as duplicates, so the lake ends as if each message were read once.

Partitions: ``assign`` to explicit partitions (starts at once, from the group's committed offsets
or the earliest message) or ``subscribe`` with the consumer group (rebalances; a join can take
several seconds). The loop stops after ``idle_s`` without messages (``idle_s=None``: never) or
after ``max_batches``.

Fault injection for tests: ``SMARTMETER_INGEST_PAUSE=<stage>:<batch>`` (stage ``staging``,
``validating``, ``committing`` or ``swapping``; batch counted from 1 in this process) makes the
consumer create the file ``$SMARTMETER_INGEST_PAUSE_FILE`` and stop there until it is killed,
so a test can ``kill -9`` it at a known point (``swapping`` is after the commit point, before
the offsets are committed).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tools.data.ingest import FileReport, IngestReport, ingest_source
from tools.data.sources import KafkaMessage, KafkaSource, SourceError
from tools.data.store import Store

log = logging.getLogger(__name__)

PAUSE_ENV = "SMARTMETER_INGEST_PAUSE"
PAUSE_FILE_ENV = "SMARTMETER_INGEST_PAUSE_FILE"


def _kafka() -> Any:
    try:
        import confluent_kafka
    except ImportError as exc:  # the optional extra ``kafka``
        raise SourceError("kafka_unavailable", "kafka", "pip install 'smartmeter[kafka]'") from exc
    return confluent_kafka


def _pause_hook(batch_no: int) -> Callable[[str], None]:
    spec = os.environ.get(PAUSE_ENV, "")
    stage, _, n = spec.partition(":")

    def note(current: str) -> None:
        if spec and current == stage and str(batch_no) == n:
            Path(os.environ.get(PAUSE_FILE_ENV, "ingest.paused")).write_text(f"{stage}:{batch_no}\n")
            while True:  # wait for the kill
                time.sleep(3600)

    return note


def consumer_config(bootstrap: str, group: str) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "enable.auto.commit": False,
        "enable.auto.offset.store": False,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": False,
    }


def poll_batch(consumer: Any, topic: str, max_messages: int, timeout_s: float) -> list[KafkaMessage]:
    """Up to ``max_messages`` messages; returns early once a poll waits ``timeout_s`` for nothing."""
    out: list[KafkaMessage] = []
    while len(out) < max_messages:
        got = consumer.consume(num_messages=min(max_messages - len(out), 10_000), timeout=timeout_s)
        if not got:
            break
        for m in got:
            if m.error():
                log.warning("kafka: %s", m.error())
                continue
            out.append(KafkaMessage(m.topic() or topic, int(m.partition()), int(m.offset()), bytes(m.value() or b"")))
    return out


def consume(
    store: Store,
    bootstrap: str,
    topic: str,
    *,
    group: str = "smartmeter-ingest",
    partitions: Sequence[int] | None = None,
    batch_messages: int = 50_000,
    idle_s: float | None = 10.0,
    poll_timeout_s: float = 1.0,
    max_batches: int | None = None,
    on_batch: Callable[[FileReport, dict[int, int]], None] | None = None,
) -> IngestReport:
    """Consume ``topic`` into the store in batches (see module docstring); the reports of the batches."""
    kafka = _kafka()
    consumer = kafka.Consumer(consumer_config(bootstrap, group))
    t0 = time.perf_counter()
    reports: list[FileReport] = []
    try:
        if partitions is not None:
            consumer.assign([kafka.TopicPartition(topic, int(p)) for p in partitions])
        else:
            consumer.subscribe([topic])
        store.recover()
        last_data = time.monotonic()
        while max_batches is None or len(reports) < max_batches:
            messages = poll_batch(consumer, topic, batch_messages, poll_timeout_s)
            if not messages:
                if idle_s is not None and time.monotonic() - last_data >= idle_s:
                    break
                continue
            last_data = time.monotonic()
            src = KafkaSource(topic, messages)
            rep = ingest_source(store, src, note=_pause_hook(len(reports) + 1))
            offsets = src.next_offsets()
            consumer.commit(
                offsets=[kafka.TopicPartition(topic, p, o) for p, o in sorted(offsets.items())],
                asynchronous=False,
            )
            reports.append(rep)
            store.refresh_views()  # a lake table's first partition turns its empty view into a Parquet one
            if on_batch is not None:
                on_batch(rep, offsets)
    finally:
        consumer.close()
        store.refresh_views()
    return IngestReport.of(reports, (), time.perf_counter() - t0)
