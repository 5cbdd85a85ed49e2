"""The feed behind the one output stream: what the device is given, in order, and which
script sample is heard when (the real stream is in test_player's end-to-end tests)."""

from __future__ import annotations

import threading
import time

import pytest

from voicecoach.play import stream
from voicecoach.play.stream import Feed, StreamError

RATE = 1000


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def pcm(*values: int) -> bytes:
    return b"".join(v.to_bytes(2, "little", signed=True) for v in values)


def pull(feed: Feed, frames: int, delay: float = 0.0) -> bytes:
    buffer = bytearray(b"\xff" * 2 * frames)
    feed.pull(buffer, frames, delay)
    return bytes(buffer)


def test_the_device_gets_the_segments_in_order_then_silence() -> None:
    feed = Feed(RATE)
    feed.put(pcm(1, 2, 3), 0)
    feed.put(pcm(4, 5), 3)
    assert feed.queued() == 5
    assert pull(feed, 2) == pcm(1, 2)
    assert pull(feed, 4) == pcm(3, 4, 5, 0)
    assert feed.sent() == 5 and feed.queued() == 0
    assert feed.underruns == 0  # nothing more was expected


def test_an_empty_feed_while_more_is_expected_is_an_underrun() -> None:
    feed = Feed(RATE)
    feed.expect(True)
    feed.put(pcm(1), 0)
    assert pull(feed, 3) == pcm(1, 0, 0)
    assert feed.underruns == 1
    feed.expect(False)
    pull(feed, 3)
    assert feed.underruns == 1


QUIET = round(stream.QUIET_RUN * RATE)
"""Zero samples that make a silence."""


def silence(samples: int) -> bytes:
    return bytes(2 * samples)


def test_what_an_underrun_cost_is_won_back_in_the_next_silence() -> None:
    """Three samples of silence the device played while starved are left out of the next
    silence, so the cue after it is heard where the export has it again; the sound before
    that silence, quiet edges and single zero samples included, is played whole."""
    clock = Clock()
    feed = Feed(RATE, clock)
    feed.expect(True)
    feed.put(pcm(7, 8), 0)
    assert pull(feed, 5) == pcm(7, 8, 0, 0, 0)  # starved for three samples
    assert (feed.starved, feed.recovered) == (3, 0)
    sound = pcm(1, 0, 256, 1)  # a quiet tail, with one sample that is zero
    gap = 2 * QUIET
    feed.put(sound + silence(gap) + pcm(9, 9), 2)
    played = pull(feed, 4 + gap - 3 + 2)
    assert played == sound + silence(gap - 3) + pcm(9, 9)
    assert (feed.starved, feed.recovered) == (3, 3)
    assert feed.queued() == 0
    assert feed.sent() == 2 + 4 + gap + 2
    clock.now += 10.0
    assert feed.heard() == feed.sent()  # where the session is: its end


def test_nothing_is_won_back_from_sound_a_short_pause_or_after_a_cut() -> None:
    feed = Feed(RATE)
    feed.expect(True)
    assert pull(feed, 2) == pcm(0, 0)
    short = pcm(5) + silence(QUIET // 2) + pcm(5)
    feed.put(short, 0)
    assert pull(feed, QUIET // 2 + 2) == short  # too short a pause to be a silence
    feed.cut()
    feed.expect(True)
    feed.put(silence(QUIET) + pcm(4), 3)
    assert pull(feed, QUIET + 1) == silence(QUIET) + pcm(4)  # a cut starts afresh
    assert feed.recovered == 0


def test_a_stall_too_long_to_win_back_leaves_the_session_late_as_a_whole() -> None:
    feed = Feed(RATE)
    feed.expect(True)
    stall = round(stream.WIN_BACK * RATE) + 1
    pull(feed, stall)
    feed.put(silence(QUIET) + pcm(3), 0)
    assert pull(feed, QUIET + 1) == silence(QUIET) + pcm(3)  # its silences keep their length
    assert (feed.starved, feed.behind, feed.recovered) == (stall, stall, 0)


def test_an_underrun_bigger_than_one_silence_is_won_back_over_several() -> None:
    feed = Feed(RATE)
    feed.expect(True)
    pull(feed, 3 * QUIET // 2)
    feed.put(silence(QUIET) + pcm(3) + silence(QUIET) + pcm(6), 0)
    assert pull(feed, QUIET // 2 + 2) == pcm(3) + silence(QUIET // 2) + pcm(6)
    assert (feed.starved, feed.recovered) == (3 * QUIET // 2, 3 * QUIET // 2)


def test_heard_follows_the_device_latency_and_stops_where_the_sound_does() -> None:
    clock = Clock()
    feed = Feed(RATE, clock)
    feed.put(pcm(*[1] * 100), -10)  # ten samples of lead-in before script sample 0
    feed.put(pcm(*[2] * 50), 500, moves=False)  # a chime standing for position 500
    assert feed.heard() == 0
    pull(feed, 100, delay=0.2)  # heard from 50.2 s
    assert feed.heard() == 0  # still in the device's buffer
    clock.now = 50.2 + 0.05
    assert feed.heard() == 40
    clock.now = 60.0  # long after: no more than the device was given
    assert feed.heard() == 90
    pull(feed, 50, delay=0.2)
    clock.now = 60.25
    assert feed.heard() == 500


def test_a_cut_drops_what_is_queued_and_stale_puts() -> None:
    feed = Feed(RATE)
    generation = feed.generation
    feed.put(pcm(1, 2, 3, 4), 0, generation=generation)
    pull(feed, 1)
    assert feed.cut() == 1  # the sound stops after script sample 0
    assert feed.queued() == 0
    assert not feed.put(pcm(9), 4, generation=generation)  # a render that was cancelled
    assert feed.put(pcm(7), 1, generation=feed.generation)
    assert pull(feed, 2) == pcm(7, 0)


def test_put_waits_for_room_but_not_forever() -> None:
    feed = Feed(RATE)
    ahead = round(stream.AHEAD * RATE)
    assert feed.put(bytes(2 * ahead), 0)
    began = time.monotonic()
    assert not feed.put(pcm(1), ahead, timeout=0.2)
    assert 0.15 <= time.monotonic() - began < 2.0
    # Room made by the device lets a waiting put through.
    waiting = threading.Thread(target=lambda: feed.put(pcm(1), ahead, timeout=5.0))
    waiting.start()
    time.sleep(0.05)
    pull(feed, 10)
    waiting.join(5.0)
    assert not waiting.is_alive()
    assert feed.queued() == ahead - 10 + 1


def test_a_job_that_hangs_is_given_up_on() -> None:
    began = time.monotonic()
    with pytest.raises(StreamError, match="did not answer"):
        stream._bounded(lambda: time.sleep(5), 0.2, "testing")
    assert time.monotonic() - began < 2.0
    assert stream._bounded(lambda: 7, 1.0, "testing") == 7


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("Error querying device -1", "cannot open the sound device (no sound output device"),
        (
            "Error opening RawOutputStream: Device unavailable [PaErrorCode -9985]: Device or "
            "resource busy",
            "the sound device is busy",
        ),
        ("Error opening RawOutputStream: Invalid sample rate", "cannot open the sound device ("),
    ],
)
def test_portaudio_errors_read_as_a_user_would_say_them(message: str, said: str) -> None:
    assert stream._problem(message).startswith(said)
