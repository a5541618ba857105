"""The outbox keeps every event it said it kept, in order, within its bound, and survives a
corrupt file."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.uplink.outbox import CORRUPT_KIND, Outbox, OutboxError

ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from pathlib import Path
from kiosk.uplink.outbox import Outbox
box = Outbox(Path(sys.argv[1]), max_events=1_000_000)
n = 0
while True:
    n += 1
    key = box.put("test.tick", {"n": n})
    print(key, flush=True)
"""


def test_an_event_comes_back_as_it_went_in(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    key = box.put("journey.started", {"journey": "test-pin", "language": "it", "tries": 3,
                                      "online": True, "note": None})
    [event] = box.batch(10)
    assert event.key == key and event.seq == 1 and event.kind == "journey.started"
    assert event.data == {"journey": "test-pin", "language": "it", "tries": 3, "online": True,
                          "note": None}
    assert event.at.tzinfo is not None


def test_batches_are_oldest_first_and_only_acked_keys_leave(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    keys = [box.put("test.tick", {"n": n}) or "" for n in range(5)]
    assert [e.key for e in box.batch(3)] == keys[:3]
    assert box.delete([keys[1], "not-a-key-of-ours"]) == 1
    assert [e.data["n"] for e in box.batch(10)] == [0, 2, 3, 4]
    assert box.depth() == 4


def test_seq_never_goes_back_even_after_deletes_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path, max_events=100)
    keys = [box.put("test.tick", {}) for _ in range(3)]
    box.delete([k for k in keys if k])
    box.close()
    box = Outbox(path, max_events=100)
    box.put("test.tick", {})
    assert [e.seq for e in box.batch(10)] == [4]


def test_a_malformed_event_is_refused_before_it_is_stored(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=100)
    with pytest.raises(OutboxError) as bad_kind:
        box.put("Not A Kind", {})
    with pytest.raises(OutboxError) as nested:
        box.put("test.tick", {"photo": [1, 2, 3]})  # type: ignore[dict-item]
    assert bad_kind.value.code == nested.value.code == "EVENT_INVALID"
    assert box.depth() == 0


def test_full_outbox_keeps_what_it_has_counts_the_dropped_and_raises_the_alarm(
        tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path, max_events=100)
    for n in range(89):
        box.put("test.tick", {"n": n})
    assert not box.status().alarm
    box.put("test.tick", {"n": 89})
    assert box.status().alarm  # 90 %: the clerk hears of it before anything is lost
    for n in range(90, 100):
        assert box.put("test.tick", {"n": n}) is not None
    assert box.put("test.tick", {"n": 100}) is None
    assert box.put("test.tick", {"n": 101}) is None
    box.close()
    status = Outbox(path, max_events=100).status()  # the count survives a restart
    assert (status.depth, status.dropped, status.alarm) == (100, 2, True)
    assert [e.data["n"] for e in Outbox(path, max_events=100).batch(500)] == list(range(100))


def test_two_threads_writing_and_one_draining_lose_nothing(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "outbox.db", max_events=10_000)
    written: list[str] = []
    seen: list[str] = []
    lock = threading.Lock()

    def write(tag: str) -> None:
        for n in range(200):
            key = box.put("test.tick", {"writer": tag, "n": n})
            assert key
            with lock:
                written.append(key)

    writers = [threading.Thread(target=write, args=(t,)) for t in "ab"]
    for thread in writers:
        thread.start()
    while any(t.is_alive() for t in writers) or box.depth():
        batch = box.batch(50)
        assert [e.seq for e in batch] == sorted(e.seq for e in batch)
        seen.extend(e.key for e in batch)
        box.delete(e.key for e in batch)
    for thread in writers:
        thread.join()
    assert sorted(seen) == sorted(written) and len(set(seen)) == 400


@pytest.mark.slow
def test_every_committed_event_survives_sigkill_in_order(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    committed: list[str] = []
    for _round in range(5):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None
        try:
            while len(committed) < (_round + 1) * 150:
                line = writer.stdout.readline()
                assert line, "the writer stopped on its own"
                committed.append(line.strip())
            writer.send_signal(signal.SIGKILL)
        finally:
            writer.kill()
            writer.wait()
        committed.extend(line.strip() for line in writer.stdout if line.strip())
        writer.stdout.close()
    events = Outbox(path, max_events=1_000_000).batch(100_000)
    kept = [e.key for e in events]
    # Every key the writer was told about is there, in the order it was told, and numbered
    # without a gap (a key killed before its print may be there too: it was committed).
    position = {key: i for i, key in enumerate(kept)}
    assert all(key in position for key in committed)
    assert [position[key] for key in committed] == sorted(position[key] for key in committed)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert [e.data["n"] for e in events[:150]] == list(range(1, 151))


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_a_corrupt_file_is_moved_aside_and_a_new_outbox_started(
        tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path, max_events=100)
    for n in range(50):
        box.put("test.tick", {"n": n, "padding": "x" * 60})
    box.close()
    content = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"this is no database " * 100)
    else:
        path.write_bytes(content[:100] + b"\x00" * 50 + content[150:len(content) // 2])
    box = Outbox(path, max_events=100)
    assert "OUTBOX_CORRUPT" in str([getattr(r, "fields", None) for r in caplog.records])
    [event] = box.batch(10)
    assert event.kind == CORRUPT_KIND
    assert len(list(tmp_path.glob("outbox.db.corrupt-*"))) >= 1
    box.put("test.tick", {"n": 1})
    box.close()
    reopened = Outbox(path, max_events=100)  # no second move: the new file is sound
    assert reopened.depth() == 2


def test_the_outbox_file_is_private(tmp_path: Path) -> None:
    Outbox(tmp_path / "uplink" / "outbox.db", max_events=100).put("test.tick", {})
    assert (tmp_path / "uplink").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "uplink" / "outbox.db").stat().st_mode & 0o777 == 0o600


def test_writes_do_not_wait_on_a_reader(tmp_path: Path) -> None:
    """WAL: a long read (the sender's batch) does not block the session's commit."""
    import sqlite3

    path = tmp_path / "outbox.db"
    box = Outbox(path, max_events=100)
    box.put("test.tick", {})
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT * FROM events").fetchall()
    box.put("test.tick", {})  # without WAL: "database is locked" after the busy timeout
    reader.close()
    assert box.depth() == 2
