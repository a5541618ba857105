# The board's table of messages: each type's name and the fields of its payload.
#
# One table read both ways (decode() for what the host sends, encode() for what the board
# answers), with fields as plain dicts, the shape vectors.json gives them in.
from micropython import const

PROTOCOL = const(1)
ACK = const(0x80)
NAK = const(0xFF)

HELLO = const(0x01)
PING = const(0x02)
SET_LED = const(0x10)
BUZZ = const(0x11)
TAMPER_READ = const(0x20)
TAMPER_CLEAR = const(0x21)
WATCHDOG_START = const(0x30)
WATCHDOG_STOP = const(0x31)

# NAK codes (BAD_FRAME and BAD_CRC are frame.py's, 1 and 2)
UNKNOWN_TYPE = const(3)
BAD_PAYLOAD = const(4)
TAMPER_OPEN = const(5)

LEDS = ("GUIDANCE", "STATUS")
MODES = ("OFF", "ON", "BLINK")
NAKS = ("", "BAD_FRAME", "BAD_CRC", "UNKNOWN_TYPE", "BAD_PAYLOAD", "TAMPER_OPEN")
FLAGS = ("tamper_latched", "tamper_open", "watchdog_armed", "power_cut")  # bit 0 upwards

# A field is (name, kind, detail): kind "u8"/"u16" with detail (low, high) or None,
# "enum" with the names by value, "bool", "version" ("a.b.c" in 3 bytes) or "status".
STATUS = ("status", "status", None)
TAMPER = (("latched", "bool", None), ("open", "bool", None))
LAYOUT = {
    HELLO: ("HELLO", ()),
    PING: ("PING", ()),
    SET_LED: ("SET_LED", (("led", "enum", LEDS), ("mode", "enum", MODES))),
    BUZZ: ("BUZZ", (("duration_ms", "u16", (0, 5000)),)),
    TAMPER_READ: ("TAMPER_READ", ()),
    TAMPER_CLEAR: ("TAMPER_CLEAR", ()),
    WATCHDOG_START: ("WATCHDOG_START", (("interval_ms", "u16", (50, 60000)),
                                        ("misses", "u8", (1, 255)))),
    WATCHDOG_STOP: ("WATCHDOG_STOP", ()),
    HELLO | ACK: ("HELLO_ACK", (("protocol", "u8", None), ("firmware", "version", None),
                                STATUS)),
    PING | ACK: ("PING_ACK", (STATUS,)),
    SET_LED | ACK: ("SET_LED_ACK", ()),
    BUZZ | ACK: ("BUZZ_ACK", ()),
    TAMPER_READ | ACK: ("TAMPER_READ_ACK", TAMPER),
    TAMPER_CLEAR | ACK: ("TAMPER_CLEAR_ACK", TAMPER),
    WATCHDOG_START | ACK: ("WATCHDOG_START_ACK", ()),
    WATCHDOG_STOP | ACK: ("WATCHDOG_STOP_ACK", ()),
    NAK: ("NAK", (("code", "enum", NAKS), ("request", "u8", None))),
}
SIZES = {"u8": 1, "u16": 2, "enum": 1, "bool": 1, "version": 3, "status": 3}
REQUESTS = (HELLO, PING, SET_LED, BUZZ, TAMPER_READ, TAMPER_CLEAR, WATCHDOG_START,
            WATCHDOG_STOP)


class Reject(Exception):
    """A request the board refuses; code is the NAK code it answers with."""

    def __init__(self, code):
        super().__init__(NAKS[code])
        self.code = code


def decode(type_, payload):
    """(name, fields) of a message of any type (the panel admits only REQUESTS);
    Reject(UNKNOWN_TYPE) or Reject(BAD_PAYLOAD)."""
    if type_ not in LAYOUT:
        raise Reject(UNKNOWN_TYPE)
    name, fields = LAYOUT[type_]
    if sum(SIZES[kind] for _, kind, _ in fields) != len(payload):
        raise Reject(BAD_PAYLOAD)
    values = {}
    at = 0
    for field, kind, detail in fields:
        size = SIZES[kind]
        values[field] = _read(kind, detail, payload[at:at + size])
        at += size
    return name, values


def encode(type_, values):
    """The payload of a message of type_ with these field values."""
    out = bytearray()
    for field, kind, detail in LAYOUT[type_][1]:
        out += _write(kind, detail, values[field])
    return bytes(out)


def _read(kind, detail, raw):
    if kind == "version":
        return f"{raw[0]}.{raw[1]}.{raw[2]}"
    if kind == "status":
        status = {name: bool(raw[0] >> bit & 1) for bit, name in enumerate(FLAGS)}
        status["power_cycles"] = raw[1] << 8 | raw[2]
        return status
    value = raw[0] << 8 | raw[1] if kind == "u16" else raw[0]
    if kind == "enum":
        if value >= len(detail):
            raise Reject(BAD_PAYLOAD)
        return detail[value]
    if kind == "bool":
        if value > 1:
            raise Reject(BAD_PAYLOAD)
        return bool(value)
    if detail is not None and not detail[0] <= value <= detail[1]:
        raise Reject(BAD_PAYLOAD)
    return value


def _write(kind, detail, value):
    if kind == "version":
        return bytes(int(part) for part in value.split("."))
    if kind == "status":
        flags = sum(1 << bit for bit, name in enumerate(FLAGS) if value[name])
        return bytes((flags, value["power_cycles"] >> 8, value["power_cycles"] & 0xFF))
    if kind == "enum":
        return bytes((detail.index(value),))
    if kind == "u16":
        return bytes((value >> 8, value & 0xFF))
    return bytes((int(value),))
