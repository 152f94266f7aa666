"""Progress: drawn on a TTY only, throttled, final figures on close."""

from __future__ import annotations

import io

from reconciler.core.progress import Progress


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_silent_when_not_a_tty():
    stream = io.StringIO()
    p = Progress(3, "ingest logs", stream=stream)
    p.advance(1, bytes=10_000_000)
    p.advance(2)
    p.close()
    assert stream.getvalue() == ""
    assert (p.done, p.bytes_done) == (3, 10_000_000)


def test_draws_files_megabytes_and_rate_on_a_tty():
    stream, clock = FakeTTY(), Clock()
    p = Progress(4, "ingest logs", stream=stream, clock=clock, min_interval=1.0)
    clock.now = 102.0
    p.advance(1, bytes=3_000_000)  # first draw: 3 MB in 2 s = 1.5 MB/s
    clock.now = 102.5
    p.advance(1, bytes=1_000_000)  # within min_interval: not drawn
    clock.now = 104.0
    p.advance(1, bytes=4_000_000)  # 8 MB in 4 s = 2.0 MB/s
    assert stream.getvalue() == (
        "\ringest logs: 1/4 files, 3.0 MB, 1.5 MB/s\ringest logs: 3/4 files, 8.0 MB, 2.0 MB/s"
    )
    clock.now = 105.0
    p.advance(1, bytes=2_000_000)  # the last item is always drawn: 10 MB in 5 s
    p.close()
    p.close()  # idempotent
    assert stream.getvalue().endswith(
        "\ringest logs: 4/4 files, 10.0 MB, 2.0 MB/s\ringest logs: 4/4 files, 10.0 MB, 2.0 MB/s\n"
    )


def test_shorter_line_wipes_the_longer_one_and_unknown_total():
    stream, clock = FakeTTY(), Clock()
    with Progress(None, "scan", stream=stream, clock=clock, min_interval=0) as p:
        clock.now = 101.0
        p.advance(1, bytes=1_500_000)
        p.label = "s"
        p.advance(1)
    first = "scan: 1 files, 1.5 MB, 1.5 MB/s"
    second = "s: 2 files, 1.5 MB, 1.5 MB/s"  # no new bytes, still 1 s elapsed
    assert stream.getvalue().split("\r")[1:3] == [first, second + " " * (len(first) - len(second))]
    assert stream.getvalue().endswith("\n")


def test_no_output_when_nothing_advanced():
    stream = FakeTTY()
    Progress(5, "x", stream=stream).close()
    assert stream.getvalue() == ""


def test_unit_total_set_later_and_a_note_after_the_counts():
    stream, clock = FakeTTY(), Clock()
    p = Progress(None, "ingest cloudwatch", unit="windows", stream=stream, clock=clock)
    p.set_total(3)
    p.note("2025-11-03: 1 page, 100 events")  # first draw, before any window is done
    clock.now = 100.05
    p.note("2025-11-03: 2 pages, 200 events")  # within min_interval (0.1 s): not drawn
    clock.now = 100.2
    p.advance(1)
    p.close()
    assert stream.getvalue() == (
        "\ringest cloudwatch: 0/3 windows, 2025-11-03: 1 page, 100 events"
        "\ringest cloudwatch: 1/3 windows, 2025-11-03: 2 pages, 200 events"
        "\ringest cloudwatch: 1/3 windows, 2025-11-03: 2 pages, 200 events\n"
    )


def test_no_progress_accepts_every_call_and_draws_nothing(capsys):
    from reconciler.core.progress import NO_PROGRESS

    NO_PROGRESS.set_total(2)
    NO_PROGRESS.advance(1, bytes=5)
    NO_PROGRESS.note("x")
    assert capsys.readouterr() == ("", "")
