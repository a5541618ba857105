"""Application identifiers and file identifiers of the CIE (PROTOCOL.md §1.2, §1.3)."""

IAS_AID = bytes.fromhex("A0000000308000000009816001")
CIE_AID = bytes.fromhex("A00000000039")
ICAO_AID = bytes.fromhex("A0000002471001")

MF = bytes.fromhex("3F00")
EF_ATR = bytes.fromhex("2F01")
EF_SN_ICC = bytes.fromhex("D003")
EF_DH = bytes.fromhex("D004")

EF_ID_SERVIZI = bytes.fromhex("1001")
EF_SERIALE = bytes.fromhex("1002")
EF_CERT_CIE = bytes.fromhex("1003")
EF_INT_KPUB = bytes.fromhex("1004")
EF_SERVIZI_INT_KPUB = bytes.fromhex("1005")
EF_SOD = bytes.fromhex("1006")

SFI_ID_SERVIZI = 0x01
NIS_LENGTH = 12
