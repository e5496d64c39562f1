"""Files written once per installation: several processes starting together on a fresh
var/ all end up with the first writer's content, never a torn or a second key."""

import multiprocessing
import os
import stat

from edudx.core.files import write_once


def _race(path, barrier, index, results):
    barrier.wait()
    results.put(write_once(path, lambda: f"key-{index}".encode() * 1000))


def test_first_writer_wins_across_processes(tmp_path):
    path = tmp_path / "secret_key"
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(6), ctx.Queue()
    workers = [ctx.Process(target=_race, args=(path, barrier, i, results)) for i in range(6)]
    for w in workers:
        w.start()
    seen = {results.get(timeout=30) for _ in workers}
    for w in workers:
        w.join(timeout=30)
    assert len(seen) == 1
    (content,) = seen
    assert content == path.read_bytes()
    assert content in {f"key-{i}".encode() * 1000 for i in range(6)}
    assert os.listdir(tmp_path) == ["secret_key"]  # no temporary file left behind
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_existing_file_is_read_not_replaced(tmp_path):
    path = tmp_path / "passphrase"
    assert write_once(path, lambda: b"first") == b"first"
    assert write_once(path, lambda: b"second") == b"first"
    calls = []
    write_once(path, lambda: calls.append(1) or b"third")
    assert calls == []  # nothing generated once the file exists
