# The firmware's framing and message table against the shared vectors (run by
# tests/hardware/frontpanel/test_firmware.py under MicroPython).
import frame
import messages
from panel import Panel
from store import Store
from vectors import VECTORS, unhex


def test_crc16_reference_values():
    for case in VECTORS["crc16"]:
        assert frame.crc16(unhex(case["data"])) == int(case["crc"], 16), case


def test_cobs_reference_examples_both_ways():
    for case in VECTORS["cobs"]:
        decoded, encoded = unhex(case["decoded"]), unhex(case["encoded"])
        assert frame.stuff(decoded) == encoded, case["decoded"][:16]
        assert frame.unstuff(encoded) == decoded, case["encoded"][:16]


def test_every_frame_decodes_to_its_message_and_fields():
    for case in VECTORS["frames"]:
        wire = unhex(case["wire"])
        problem, type_, seq, payload = frame.unframe(wire[:-1])
        assert problem == 0 and seq == case["seq"], case["name"]
        assert messages.decode(type_, payload) == (case["message"], case["fields"]), case["name"]


def test_every_frame_is_built_from_its_fields():
    by_name = {name: type_ for type_, (name, _) in messages.LAYOUT.items()}
    for case in VECTORS["frames"]:
        type_ = by_name[case["message"]]
        built = frame.frame(type_, case["seq"], messages.encode(type_, case["fields"]))
        assert built.hex() == case["wire"], case["name"]


def test_the_deframer_cuts_a_stream_fed_a_byte_at_a_time():
    stream = b"\x00".join(unhex(case["wire"]) for case in VECTORS["frames"])
    deframer = frame.Deframer()
    frames = []
    for byte in stream:
        frames += deframer.feed(bytes((byte,)))
    assert [f + b"\x00" for f in frames] == [unhex(c["wire"]) for c in VECTORS["frames"]]


def test_corrupt_frames_are_named_as_the_vectors_say():
    for case in VECTORS["corrupt"]:
        (stuffed,) = frame.Deframer().feed(unhex(case["wire"]))
        if stuffed is None:  # overlong: the deframer dropped it
            assert case["error"] == "BAD_FRAME", case["name"]
            continue
        problem, type_, seq, _ = frame.unframe(stuffed)
        assert (messages.NAKS[problem], type_, seq) == (case["error"], case["type"], case["seq"])


def test_corrupt_and_rejected_frames_get_the_nak_of_the_vectors():
    for case in VECTORS["corrupt"] + VECTORS["rejected"]:
        panel = Panel(Store("unused.json"), 0)
        assert panel.receive(unhex(case["wire"]), 0).hex() == case["reply"], case["name"]


def test_rejected_frames_are_refused_for_the_reason_given():
    for case in VECTORS["rejected"]:
        problem, type_, _, payload = frame.unframe(unhex(case["wire"])[:-1])
        assert problem == 0, case["name"]
        try:
            if type_ not in messages.REQUESTS:
                raise messages.Reject(messages.UNKNOWN_TYPE)
            messages.decode(type_, payload)
        except messages.Reject as refusal:
            assert messages.NAKS[refusal.code] == case["nak"], case["name"]
        else:
            raise AssertionError("accepted: " + case["name"])
