"""How long a real CIE takes to answer: a model the virtual card can play (``timing = "cie"``).

The virtual card answers in microseconds; a real one spends most of an operation on the air
at ISO/IEC 14443 speeds and in its crypto coprocessor. Without a model, the kiosk's screens
and the figures of ``bench.journeys`` would show a speed no citizen sees. The profile option
is off (``"instant"``) for the tests and on in the demo's ``realistic`` profile and the bench.

Sources. No public measurement of a CIE 3.0 chip's DH, RSA or PACE times could be found (the
project's search of public pages, issues and documentation, 2026-12-07, found none for CIE or
IAS-ECC products, and the chip specification names no timings); so the compute figures are
**documented estimates**, each with its reasoning, to be replaced by measurements on real
cards (``bench.journeys`` prints the model next to the host's own time so that a measured
card can be compared line by line). The transfer figures follow from the standard.

* Air time, ISO/IEC 14443-2 Type A at 106 kbit/s (the bit rate every reader starts with;
  higher rates need a PPS that many readers skip): one bit is 128/fc = 9.44 µs, a byte is
  nine bits with its parity, so 85 µs; an I-block adds its PCB and CRC (3 bytes). The frame
  delay time from reader to card is 1172/fc = 86 µs (ISO/IEC 14443-3 §6.2.1.1); the reader's
  own turnaround (USB CCID round trip) is estimated at 2 ms per exchange.
* RSA-2048 private operation with the CRT on a smart-card coprocessor (INTERNAL
  AUTHENTICATE with keys 81, 82, 83): **estimate 150 ms**, the middle of the 100-200 ms that
  vendors' marketing figures for 2048-bit CRT signatures on current secure controllers
  commonly give; JCOP measurements of 2009 (Costan, "JCOP Smartcard Performance") only give
  ratios (RSA 4-8x slower than 3DES), not absolute times.
* A 2048-bit modular exponentiation with a 256-bit exponent (the IAS DH with its 256-bit
  subgroup, PACE's mapping and agreement in RFC 5114's 2048/256 group, chip
  authentication): **estimate 75 ms** each, from the RSA figure: each half of a CRT
  signature works modulo 1024 bits (a quarter of the cost per multiplication) with a 1024-bit
  exponent (half the multiplications), so the signature is a quarter of one 2048-bit
  exponentiation with a 2048-bit exponent (about 600 ms), and a 256-bit exponent takes
  256/2048 of that.
* RSA-2048 public operation with a short exponent (the terminal's CVC and EXTERNAL
  AUTHENTICATE signatures, e = 65537 on real cards): **estimate 10 ms**.
* 3DES secure messaging of one APDU: **estimate 2 ms** plus 0.05 ms per 8-byte block, after
  the set-up cost that dominates small blocks (Costan 2009).
* EEPROM write (a PIN counter spent and given back, a new PIN): **estimate 5 ms** per write,
  the usual page-write time of smart-card EEPROM.
* Any other command (a SELECT, a READ BINARY): **estimate 1 ms** of the chip's own work.
"""

from __future__ import annotations

# Air and reader (ISO/IEC 14443-2/-3; the reader's turnaround is an estimate).
BYTE_SECONDS = 9 * 128 / 13.56e6
BLOCK_OVERHEAD_BYTES = 3  # PCB and the two CRC bytes of an I-block
FRAME_DELAY_SECONDS = 1172 / 13.56e6
READER_TURNAROUND_SECONDS = 0.002
FRAME_SIZE = 256  # the FSC the virtual card announces: longer APDUs go in several blocks

# The chip's work (documented estimates, see the module docstring).
RSA_PRIVATE_SECONDS = 0.150
DH_EXPONENTIATION_SECONDS = 0.075
RSA_PUBLIC_SECONDS = 0.010
SM_SECONDS = 0.002
SM_BLOCK_SECONDS = 0.00005
EEPROM_WRITE_SECONDS = 0.005
COMMAND_SECONDS = 0.001

INS_VERIFY, INS_CHANGE, INS_RESET_RETRY = 0x20, 0x24, 0x2C
INS_MSE, INS_PSO, INS_EXTERNAL_AUTH, INS_INTERNAL_AUTH = 0x22, 0x2A, 0x82, 0x88
INS_GENERAL_AUTHENTICATE = 0x86
_KEY_AGREEMENT = (0x41, 0xA6)
DH_VALUE_MIN = 64  # a GENERAL AUTHENTICATE longer than this carries a DH value


def _air(command: bytes, answer: bytes) -> float:
    """Both ways on the air, in I-blocks of at most ``FRAME_SIZE`` bytes, and the reader."""
    blocks = -(-len(command) // FRAME_SIZE) + -(-len(answer) // FRAME_SIZE)
    size = len(command) + len(answer) + blocks * BLOCK_OVERHEAD_BYTES
    return size * BYTE_SECONDS + blocks * FRAME_DELAY_SECONDS + READER_TURNAROUND_SECONDS


def _work(command: bytes, protected: bool) -> float:
    """What the chip computes for ``command``, told by its header (which SM leaves in clear)."""
    ins, p1p2 = command[1], (command[2], command[3])
    with_data = len(command) > 5 and (not protected or command[5] in (0x85, 0x87))
    if ins == INS_MSE and p1p2 == _KEY_AGREEMENT:
        if command[0] & 0x10:  # the first piece of the chained DH value: nothing to do yet
            return COMMAND_SECONDS
        return 3 * DH_EXPONENTIATION_SECONDS  # subgroup check, own key, shared secret
    if ins in (INS_PSO, INS_EXTERNAL_AUTH):
        return RSA_PUBLIC_SECONDS
    if ins == INS_INTERNAL_AUTH:
        return RSA_PRIVATE_SECONDS
    if ins == INS_GENERAL_AUTHENTICATE:  # PACE: steps 2 and 3 carry 256-byte DH values
        return 2 * DH_EXPONENTIATION_SECONDS if len(command) > DH_VALUE_MIN else COMMAND_SECONDS
    if ins in (INS_VERIFY, INS_CHANGE, INS_RESET_RETRY) and with_data:
        return 2 * EEPROM_WRITE_SECONDS  # a try spent, then given back (or the new code)
    return COMMAND_SECONDS


def seconds(command: bytes, answer: bytes) -> float:
    """The modelled time a real CIE takes from ``command`` to ``answer``."""
    protected = len(command) > 0 and bool(command[0] & 0x0C)
    time = _air(command, answer) + _work(command, protected)
    if protected:
        time += SM_SECONDS + (len(command) + len(answer)) // 8 * SM_BLOCK_SECONDS
    return time
