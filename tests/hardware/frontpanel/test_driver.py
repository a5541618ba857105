"""The host's driver: over the virtual board for what the kiosk sees, and over a scripted
link (exact frames out, chosen frames in, as nfcpy's driver tests do) for what the wire may
do to it."""

from __future__ import annotations

import doctest

import pytest

from kiosk.hardware.frontpanel import FrontPanel, LedMode, driver, open_frontpanel
from kiosk.hardware.frontpanel.errors import (
    BadPanelUri,
    BadPayload,
    PanelNotFound,
    PanelProtocolError,
    PanelRejected,
    PanelTimeout,
    TamperStillOpen,
)
from kiosk.hardware.frontpanel.framing import Packet, encode
from kiosk.hardware.frontpanel.messages import (
    Hello,
    HelloAck,
    Led,
    Nak,
    NakCode,
    PanelStatus,
    PingAck,
    SetLedAck,
)
from kiosk.hardware.frontpanel.virtual import VirtualBoard
from tests.hardware.frontpanel.conftest import Clock


class Wire:
    """A link between the driver and a virtual board that can damage or lose frames."""

    def __init__(self, board: VirtualBoard) -> None:
        self.board = board
        self.corrupt_next_request = False
        self.lose_next_reply = False

    def write(self, data: bytes) -> None:
        if self.corrupt_next_request and len(data) > 2:
            data = data[:2] + bytes((data[2] ^ 0x40,)) + data[3:]
            self.corrupt_next_request = False
        self.board.write(data)

    def read(self, timeout: float) -> bytes:
        data = self.board.read(timeout)
        if self.lose_next_reply and data:
            self.lose_next_reply = False
            return b""
        return data

    def close(self) -> None:
        self.board.close()


class ScriptedLink:
    """Answers each write with the next scripted bytes; records what was written."""

    def __init__(self, *answers: bytes) -> None:
        self.answers = list(answers)
        self.written: list[bytes] = []
        self._out = b""

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if data != b"\x00" and self.answers:
            self._out += self.answers.pop(0)

    def read(self, timeout: float) -> bytes:
        out, self._out = self._out, b""
        return out

    def close(self) -> None:
        pass


def test_hello_reports_the_firmware_and_a_latch_from_while_the_pi_was_off(
        board: VirtualBoard) -> None:
    board.open_case()
    board.close_case()
    panel = FrontPanel(board)
    ack = panel.hello()
    assert (ack.firmware, ack.status.tamper_latched, ack.status.tamper_open) == (
        "1.0.0", True, False)
    assert panel.board == ack


def test_lights_and_buzzer_reach_the_board(panel: FrontPanel, board: VirtualBoard) -> None:
    panel.set_guidance(LedMode.ON)
    panel.set_guidance(LedMode.BLINK)
    panel.set_status_led(LedMode.ON)
    panel.buzz(200)
    assert board.leds == {Led.GUIDANCE: LedMode.BLINK, Led.STATUS: LedMode.ON}
    assert board.buzzes == [200]


def test_the_tamper_latch_is_cleared_only_once_the_case_is_shut(
        panel: FrontPanel, board: VirtualBoard) -> None:
    assert not panel.tamper_latched()
    board.open_case()
    assert panel.ping().tamper_open
    with pytest.raises(TamperStillOpen) as refused:
        panel.clear_tamper()
    assert refused.value.details()["code"] == "FRONTPANEL_TAMPER_OPEN"
    board.close_case()
    assert panel.tamper_latched()
    assert panel.clear_tamper().latched is False
    assert not panel.tamper_latched()


def test_the_watchdog_power_cycles_a_pi_that_stopped_pinging(
        panel: FrontPanel, board: VirtualBoard, clock: Clock) -> None:
    panel.watchdog_start(interval_ms=1000, misses=3)
    for _ in range(5):
        clock.now += 2.5
        assert panel.ping() == PanelStatus(watchdog_armed=True)
    clock.now += 3.5
    status = panel.hello().status
    assert (status.power_cycles, status.watchdog_armed) == (1, False)


def test_a_stopped_watchdog_stays_quiet(panel: FrontPanel, board: VirtualBoard,
                                        clock: Clock) -> None:
    panel.watchdog_start(interval_ms=100, misses=1)
    panel.watchdog_stop()
    clock.now += 60
    assert panel.ping().power_cycles == 0


@pytest.mark.parametrize("mishap", ["corrupt_next_request", "lose_next_reply"])
def test_a_request_damaged_or_unanswered_is_sent_again_and_done_once(
        board: VirtualBoard, mishap: str) -> None:
    wire = Wire(board)
    panel = FrontPanel(wire, timeout=0.05)
    panel.hello()
    setattr(wire, mishap, True)
    panel.buzz(100)
    assert (panel.resends, board.buzzes) == (1, [100])


def test_a_value_out_of_range_is_refused_before_it_is_sent(panel: FrontPanel,
                                                            board: VirtualBoard) -> None:
    with pytest.raises(BadPayload, match=r"duration_ms 60000 outside 0\.\.5000") as refused:
        panel.buzz(60000)
    assert refused.value.code == "FRONTPANEL_BAD_VALUE"
    assert board.requests == [Hello()]


def test_a_board_that_never_answers_times_out_with_a_code(board: VirtualBoard) -> None:
    board.unplug()
    panel = FrontPanel(board, timeout=0.01, retries=1)
    with pytest.raises(PanelTimeout) as timeout:
        panel.hello()
    assert timeout.value.code == "FRONTPANEL_TIMEOUT"
    assert str(timeout.value) == "the front panel gave no answer to HELLO (2 tries, 0.01 s each)"


def test_a_line_that_damages_every_frame_says_so() -> None:
    nak = ack(Nak(NakCode.BAD_CRC, Hello.TYPE), 1)
    with pytest.raises(PanelTimeout, match="gave only BAD_CRC to HELLO"):
        FrontPanel(ScriptedLink(nak, nak, nak)).hello()


def ack(message: HelloAck | PingAck | SetLedAck | Nak, seq: int) -> bytes:
    return encode(Packet(message.TYPE, seq, message.payload()))


def test_the_frames_written_are_the_protocol_s() -> None:
    link = ScriptedLink(ack(HelloAck(firmware="1.0.0"), 1), ack(SetLedAck(), 2))
    panel = FrontPanel(link)
    panel.hello()
    panel.set_guidance(LedMode.BLINK)
    assert [frame.hex() for frame in link.written] == [
        "00", "03010103c89d00", "041002020402b61c00"]  # checked with the firmware's frame()


def test_a_late_reply_to_an_earlier_request_is_dropped() -> None:
    late = ack(HelloAck(firmware="1.0.0"), 200)
    link = ScriptedLink(late + ack(HelloAck(firmware="1.2.3"), 1))
    assert FrontPanel(link).hello().firmware == "1.2.3"


@pytest.mark.parametrize(("answer", "problem"), [
    (ack(HelloAck(protocol=2, firmware="2.0.0"), 1), "protocol 2"),
    (ack(PingAck(), 1), "answered HELLO with PING_ACK"),
    (encode(Packet(0x99, 1)), "unknown type 0x99"),
    (encode(Packet(HelloAck.TYPE, 1, b"\x01")), "bad payload"),
])
def test_an_answer_this_host_cannot_use_is_a_protocol_error(answer: bytes,
                                                            problem: str) -> None:
    with pytest.raises(PanelProtocolError, match=problem) as error:
        FrontPanel(ScriptedLink(answer)).hello()
    assert error.value.code == "FRONTPANEL_PROTOCOL"


def test_a_refusal_carries_the_nak_code() -> None:
    link = ScriptedLink(ack(Nak(NakCode.UNKNOWN_TYPE, Hello.TYPE), 1))
    with pytest.raises(PanelRejected) as refused:
        FrontPanel(link).hello()
    assert refused.value.details() == {"code": "FRONTPANEL_REJECTED", "nak": "UNKNOWN_TYPE",
                                       "message": "the board refused HELLO: UNKNOWN_TYPE"}


def test_the_example_in_the_docstring_runs() -> None:
    assert doctest.testmod(driver, raise_on_error=True).attempted == 4


def test_open_frontpanel_greets_the_board() -> None:
    panel = open_frontpanel("sim")
    assert panel.board is not None and panel.board.protocol == 1
    panel.close()


@pytest.mark.parametrize(("uri", "error", "code"), [
    ("usb:0", BadPanelUri, "FRONTPANEL_BAD_URI"),
    ("serial:/nonexistent/ttyACM9", PanelNotFound, "FRONTPANEL_NOT_FOUND"),
])
def test_a_panel_that_cannot_be_reached_says_why(uri: str, error: type[Exception],
                                                 code: str) -> None:
    with pytest.raises(error) as raised:
        open_frontpanel(uri)
    assert getattr(raised.value, "code", None) == code
