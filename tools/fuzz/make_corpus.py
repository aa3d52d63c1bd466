#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into tools/fuzz/corpus/<target>/.

Each seed is a meaningful session (select, personalize, verify, generate, sign, chaining,
GET RESPONSE, storage failures, restarts...) in the input language of tools/fuzz/fuzz_session.hpp,
so the fuzzer starts from deep card states instead of having to discover them.
Run again after changing it: python3 tools/fuzz/make_corpus.py
"""
import hashlib
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))

HOME_AID = "F0 48 4F 4D 45 43 41 52 44 01"
ACCESS_AID = "F0 41 43 43 45 53 53 43 41 52 44 01"
FUZZ_AID = "F0 46 55 5A 5A 01"
FUZZ_AID_TWO = "F0 46 55 5A 5A 02"
# The P-256 base point: a valid public key.
P256_G = ("04 6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
          "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5")


def h(text):
    return bytes.fromhex(text.replace(" ", ""))


def apdu(cla, ins, p1, p2, data=b"", le=None, extended=False):
    """ISO 7816-4 5.2 encoding; le=None: no Le, le=256/65536 encoded as 00 / 0000."""
    out = bytes([cla, ins, p1, p2])
    ext = extended or len(data) > 255 or (le is not None and le > 256)
    if data:
        out += (b"\x00" + len(data).to_bytes(2, "big")) if ext else bytes([len(data)])
        out += data
    if le is not None:
        if ext:
            if not data:
                out += b"\x00"
            out += (0 if le == 65536 else le).to_bytes(2, "big")
        else:
            out += bytes([0 if le == 256 else le])
    return out


# Records of the session language (fuzz_session.hpp).
def rec(raw):
    return len(raw).to_bytes(2, "big") + raw


class Control(bytes):
    """A control record (reset, power, clock, storage failures, restart), sent as is."""


RESET, POWER_OFF, POWER_ON, RESTART = (Control(b"\xF0"), Control(b"\xF1"), Control(b"\xF2"),
                                       Control(b"\xF5"))


def clock(tens_of_seconds):
    return Control(b"\xF3" + bytes([tens_of_seconds]))


def fail_stores(succeed_first, failures):
    """Of the next stores, let succeed_first succeed, then fail `failures` of them."""
    return Control(b"\xF4" + bytes([(succeed_first << 4) | failures]))


def session(*parts):
    return b"".join(p if isinstance(p, Control) else rec(p) for p in parts)


def select(aid, p2=0x00, le=256):
    return apdu(0x00, 0xA4, 0x04, p2, h(aid), le if p2 == 0x00 else None)


def get_response(le=256):
    return apdu(0x00, 0xC0, 0x00, 0x00, le=le)


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def parser_seeds():
    seeds = {
        "case1": h("00 44 00 00"),
        "case2s": apdu(0x00, 0xCA, 0xDF, 0x01, le=0x12),
        "case2s_le256": apdu(0x00, 0xCA, 0xDF, 0x01, le=256),
        "case3s": apdu(0x00, 0x20, 0x00, 0x81, b"1234"),
        "case4s": select(HOME_AID),
        "case4s_max": apdu(0x00, 0xDA, 0xDF, 0x21, bytes(255), le=256),
        "case2e": apdu(0x00, 0xC0, 0x00, 0x00, le=1000),
        "case2e_le65536": apdu(0x00, 0xC0, 0x00, 0x00, le=65536),
        "case3e": apdu(0x00, 0xDA, 0xDF, 0x21, bytes(300)),
        "case4e": apdu(0x00, 0x2A, 0x9E, 0x9A, bytes(32), le=65536, extended=True),
        "bad_short_lc": h("00 20 00 81 05 31 32 33 34"),
        "bad_extended_lc0": h("00 20 00 81 00 00 00 31"),
        "bad_three_bytes": h("00 A4"),
        "bad_extended_two": h("00 CA DF 01 00 01"),
    }
    for name, data in seeds.items():
        write("fuzz_apdu_parser", name, data)


def runtime_seeds():
    cnt = lambda ins, p1=0, p2=0, data=b"", le=None, ext=False: apdu(0x80, ins, p1, p2, data, le, ext)
    seeds = {
        "select_fci": session(select(FUZZ_AID)),
        "select_truncated": session(select("F0 46 55 5A"), cnt(0x12, le=4)),
        "select_no_fci": session(select(FUZZ_AID_TWO, p2=0x0C), cnt(0x10), cnt(0x12, le=256)),
        "counter_restart": session(select(FUZZ_AID), cnt(0x10), cnt(0x10), cnt(0x10), RESTART,
                                   select(FUZZ_AID), cnt(0x12, le=256)),
        "wrong_le_6c": session(select(FUZZ_AID), cnt(0x12, le=2), cnt(0x12, le=4)),
        "get_response_chain": session(select(FUZZ_AID), cnt(0x14, 0x01, 0x2C),
                                      get_response(), get_response(), get_response(0x2C)),
        "extended_read": session(select(FUZZ_AID), cnt(0x14, 0xFF, 0xFF, le=65536),
                                 get_response(65536)),
        "no_le_then_read": session(select(FUZZ_AID), cnt(0x14, 0x00, 0x10), get_response(0x10)),
        "note_chained": session(select(FUZZ_AID), apdu(0x90, 0x16, 0, 0, b"A" * 30),
                                apdu(0x80, 0x16, 0, 0, b"B" * 30, le=256), cnt(0x18, le=256)),
        "chain_header_changed": session(select(FUZZ_AID), apdu(0x90, 0x16, 0, 0, b"A" * 10),
                                        apdu(0x80, 0x18, 0, 0, le=256)),
        "chain_too_long": session(select(FUZZ_AID), *[apdu(0x90, 0x16, 0, 0, bytes(200))] * 3,
                                  apdu(0x80, 0x16, 0, 0, bytes(10))),
        "storage_failure": session(select(FUZZ_AID), fail_stores(1, 2), cnt(0x10), cnt(0x10),
                                   cnt(0x10), cnt(0x10), cnt(0x12, le=4)),
        "reset_drops_pending": session(select(FUZZ_AID), cnt(0x14, 0x01, 0x00), RESET,
                                       get_response(), select(FUZZ_AID)),
        "power_cycle": session(select(FUZZ_AID), POWER_OFF, POWER_ON, cnt(0x12, le=4)),
        "class_errors": session(h("FF A4 04 00"), h("01 A4 04 00"), h("04 A4 04 00"),
                                h("40 A4 04 00"), h("20 A4 04 00"), h("00 60 00 00"),
                                h("00 90 00 00"), h("00 A4 04 00 00")),
        "select_errors": session(apdu(0, 0xA4, 0x00, 0x00, h("3F00")),
                                 apdu(0, 0xA4, 0x04, 0x04, h(FUZZ_AID)),
                                 apdu(0, 0xA4, 0x04, 0x00, bytes(17)),
                                 apdu(0, 0xA4, 0x04, 0x00, h("A0 00"))),
        "select_refused": session(select(FUZZ_AID), cnt(0x10), cnt(0x10), cnt(0x10),
                                  select(FUZZ_AID_TWO), select(FUZZ_AID), cnt(0x12, le=4)),
    }
    for name, data in seeds.items():
        write("fuzz_runtime", name, data)


PIN1, PIN2, PUK = b"1234", b"5678", b"12345678"
HASH32 = hashlib.sha256(b"homeproxy").digest()


def home_personalize():
    return [select(HOME_AID), apdu(0, 0x24, 0x01, 0x81, PIN1), apdu(0, 0x24, 0x01, 0x82, PIN2),
            apdu(0, 0x24, 0x01, 0x83, PUK), apdu(0, 0x44, 0, 0)]


def home_unlock():
    return [select(HOME_AID), apdu(0, 0x20, 0, 0x81, PIN1), apdu(0, 0x20, 0, 0x82, PIN2)]


def registry_entry(ident):
    return bytes([0xC0, len(ident)]) + ident + bytes([0xC1, 65]) + h(P256_G)


def certificate(size):
    body = bytes(range(256)) * (size // 256 + 1)
    body = body[:size]
    return b"\x30\x82" + len(body).to_bytes(2, "big") + body


def access_unlock():
    return [select(ACCESS_AID), apdu(0, 0x20, 0, 0x81, PIN1)]


def bio_sample(byte):
    return h("7F2E 22 81 20") + bytes([byte]) * 32


def purse_debit(shop, order, amount):
    """DEBIT data: time_ms u64 || shop id || order_ref id || currency || amount u64."""
    data = (1).to_bytes(8, "big") + bytes([len(shop)]) + shop + bytes([len(order)]) + order
    return apdu(0x80, 0x32, 0, 0, data + b"EUR" + amount.to_bytes(8, "big"), le=256)


def voucher_body():
    """bank id || purse_id[8] || voucher_id[16] || credit_seq u32 || currency || amount u64."""
    return (b"\x04bank" + bytes(8) + bytes(range(16)) + (1).to_bytes(4, "big") + b"EUR" +
            (5000).to_bytes(8, "big"))


def cancellation_body():
    """shop id || purse_id[8] || txn u32 || order_ref id || currency || amount u64."""
    return (b"\x04shop" + bytes(8) + (1).to_bytes(4, "big") + b"\x07order-1" + b"EUR" +
            (1500).to_bytes(8, "big"))


def purse_signed(body):
    """time_ms u64 || u16 len || body || a 70-byte placeholder DER signature."""
    signature = b"\x30\x44\x02\x20" + bytes([1] * 32) + b"\x02\x20" + bytes([2] * 32)
    return (2).to_bytes(8, "big") + len(body).to_bytes(2, "big") + body + signature


def card_seeds():
    BLANK, HOME, ACCESS, BOTH = b"\x00", b"\x01", b"\x02", b"\x03"
    sign = apdu(0, 0x2A, 0x9E, 0x9A, HASH32, le=256)
    cert = certificate(600)
    seeds = {
        "home_personalize": BLANK + session(*home_personalize(), apdu(0, 0xCA, 0xDF, 0x01, le=256)),
        "home_personalize_generate_sign": BLANK + session(
            *home_personalize(), apdu(0, 0x20, 0, 0x81, PIN1), apdu(0, 0x20, 0, 0x82, PIN2),
            apdu(0, 0x47, 0x80, 0x01, le=256), sign, apdu(0, 0x47, 0x81, 0x01, le=256)),
        "home_personalize_failures": BLANK + session(
            select(HOME_AID), fail_stores(0, 1), apdu(0, 0x24, 0x01, 0x81, PIN1),
            apdu(0, 0x24, 0x01, 0x81, PIN1), RESTART, select(HOME_AID),
            apdu(0, 0xCA, 0xDF, 0x01, le=256)),
        "home_sign_ec": HOME + session(*home_unlock(), sign, sign),
        "home_sign_ec_no_le": HOME + session(*home_unlock(),
                                             apdu(0, 0x2A, 0x9E, 0x9A, HASH32), get_response()),
        "home_sign_rsa": HOME + session(*home_unlock(), apdu(0, 0x22, 0x41, 0xB6, h("84 01 02")),
                                        apdu(0, 0x2A, 0x9E, 0x9A, HASH32, le=256)),
        "home_sign_rsa_short_le": HOME + session(*home_unlock(),
                                                 apdu(0, 0x22, 0x41, 0xB6, h("84 01 02")),
                                                 apdu(0, 0x2A, 0x9E, 0x9A, HASH32[:20], le=0x80),
                                                 get_response()),
        "home_read_rsa_public": HOME + session(select(HOME_AID), apdu(0, 0x47, 0x81, 0x02, le=256),
                                               get_response(), apdu(0, 0x47, 0x81, 0x02,
                                                                    le=65536)),
        "home_generate_ec": HOME + session(*home_unlock(), apdu(0, 0x47, 0x80, 0x01, le=256),
                                           apdu(0, 0x47, 0x81, 0x01, le=256)),
        "home_wrong_pins": HOME + session(select(HOME_AID), apdu(0, 0x20, 0, 0x81, b"0000"),
                                          apdu(0, 0x20, 0, 0x81, b"0000"), RESTART,
                                          select(HOME_AID), apdu(0, 0x20, 0, 0x81),
                                          apdu(0, 0x20, 0, 0x81, PIN1)),
        "home_block_and_unblock": HOME + session(
            select(HOME_AID), *[apdu(0, 0x20, 0, 0x81, b"9999")] * 3, apdu(0, 0x20, 0, 0x81, PIN1),
            apdu(0, 0x2C, 0x01, 0x81, PUK), apdu(0, 0x20, 0, 0x81, PIN1)),
        "home_reset_new_pin": HOME + session(select(HOME_AID),
                                             apdu(0, 0x2C, 0x00, 0x82, PUK + b"2468"),
                                             apdu(0, 0x20, 0, 0x81, PIN1),
                                             apdu(0, 0x20, 0, 0x82, b"2468")),
        "home_change_pins_puk": HOME + session(*home_unlock(), apdu(0, 0x24, 0x01, 0x81, b"4321"),
                                               apdu(0, 0x24, 0x01, 0x82, b"87654321"),
                                               apdu(0, 0x24, 0x00, 0x83, PUK + b"87654321")),
        "home_verify_storage_failure": HOME + session(
            select(HOME_AID), fail_stores(0, 1), apdu(0, 0x20, 0, 0x81, b"0000"),
            apdu(0, 0x20, 0, 0x81, b"0000"), fail_stores(1, 1), apdu(0, 0x20, 0, 0x81, PIN1),
            apdu(0, 0xCA, 0xDF, 0x01, le=256)),
        "home_idle_timeout": HOME + session(*home_unlock(), clock(59), sign, clock(60), sign,
                                            apdu(0, 0x20, 0, 0x82)),
        "home_reset_security": HOME + session(*home_unlock(), apdu(0, 0x20, 0xFF, 0x82), sign,
                                              apdu(0, 0x20, 0xFF, 0x81), apdu(0, 0x20, 0, 0x81)),
        "home_registry": HOME + session(
            *home_unlock(), apdu(0x80, 0xE2, 0x01, 0, registry_entry(b"T1")),
            apdu(0x80, 0xE2, 0x01, 0, registry_entry(b"T2")),
            apdu(0x80, 0xE2, 0x01, 0, registry_entry(b"T1")),
            apdu(0x80, 0xE6, 0x01, 0, le=256), apdu(0x80, 0xE8, 0x01, 0, b"T2", le=256),
            apdu(0x80, 0xE4, 0x01, 0, b"T1"), apdu(0x80, 0xE6, 0x01, 0, le=256)),
        "home_registry_failures": HOME + session(
            *home_unlock(), fail_stores(0, 1), apdu(0x80, 0xE2, 0x02, 0, registry_entry(b"S")),
            apdu(0x80, 0xE2, 0x02, 0, registry_entry(b"S")), RESTART, select(HOME_AID),
            apdu(0, 0x20, 0, 0x81, PIN1), apdu(0x80, 0xE6, 0x02, 0, le=256)),
        # The purse: registries, PURSE INIT, status, payments, vouchers and cancellations (with
        # placeholder signatures: the fuzzer cannot forge ECDSA, but reaches every check before
        # it), the log, storage failures and a restart.
        "home_purse": HOME + session(
            *home_unlock(), apdu(0x80, 0xE2, 0x03, 0, registry_entry(b"bank")),
            apdu(0x80, 0xE2, 0x02, 0, registry_entry(b"shop")),
            apdu(0x80, 0x30, 0, 0, b"EUR" + (100000).to_bytes(8, "big"), le=256),
            apdu(0, 0xCA, 0xDF, 0x40, le=256), purse_debit(b"shop", b"order-1", 1500),
            apdu(0x80, 0x34, 0, 0, purse_signed(voucher_body()), le=256),
            apdu(0x80, 0x36, 0, 0, purse_signed(cancellation_body()), le=256),
            apdu(0x80, 0x38, 0, 0, bytes(4), le=256), fail_stores(0, 1),
            apdu(0x80, 0x30, 0, 0, b"EUR" + (5).to_bytes(8, "big"), le=256), RESTART,
            select(HOME_AID), apdu(0, 0x20, 0, 0x81, PIN1), apdu(0x80, 0x38, 0, 0, bytes(4)),
            get_response()),
        "home_certificate_chained": HOME + session(
            *home_unlock(), apdu(0x10, 0xDA, 0xDF, 0x21, cert[:250]),
            apdu(0x10, 0xDA, 0xDF, 0x21, cert[250:500]), apdu(0x00, 0xDA, 0xDF, 0x21, cert[500:]),
            apdu(0, 0xCA, 0xDF, 0x21, le=256), get_response(), get_response(),
            apdu(0, 0xCA, 0xDF, 0x21, le=65536)),
        "home_certificate_extended": HOME + session(
            *home_unlock(), apdu(0, 0xDA, 0xDF, 0x22, certificate(1000)),
            apdu(0, 0xCA, 0xDF, 0x22, le=65536), apdu(0, 0xDA, 0xDF, 0x22, b""),
            apdu(0, 0xCA, 0xDF, 0x22, le=256)),
        "home_reset_midway": HOME + session(*home_unlock(), apdu(0, 0x47, 0x81, 0x02), RESET,
                                            get_response(), POWER_OFF, POWER_ON, sign),
        "home_class_mix": HOME + session(select(HOME_AID), apdu(0x80, 0x20, 0, 0x81, PIN1),
                                         apdu(0x00, 0xE6, 0x01, 0, le=256),
                                         apdu(0x00, 0xB0, 0, 0, le=256)),
        "access_unlock_sign": ACCESS + session(*access_unlock(), sign,
                                               apdu(0, 0x47, 0x81, 0x01, le=256)),
        "access_biometric": ACCESS + session(select(ACCESS_AID),
                                             apdu(0, 0x21, 0, 0x91, bio_sample(0xA5)), sign,
                                             apdu(0, 0x21, 0, 0x91, bio_sample(0x5A)),
                                             apdu(0, 0x21, 0, 0x91, bio_sample(0xA4))),
        "access_lock_idle": ACCESS + session(*access_unlock(), apdu(0, 0x20, 0xFF, 0x81), sign,
                                             apdu(0, 0x20, 0, 0x81, PIN1), clock(60), sign),
        "access_wrong_pin_restart": ACCESS + session(
            select(ACCESS_AID), apdu(0, 0x20, 0, 0x81, b"0000"), fail_stores(0, 1),
            apdu(0, 0x20, 0, 0x81, b"0000"), RESTART, select(ACCESS_AID),
            apdu(0, 0xCA, 0xDF, 0x01, le=256)),
        "access_data_objects": ACCESS + session(
            *access_unlock(), apdu(0, 0xCA, 0xDF, 0x30, le=256), apdu(0, 0xCA, 0xDF, 0x32, le=256),
            apdu(0, 0xCA, 0xDF, 0x33, le=256), apdu(0, 0xDA, 0xDF, 0x32, b"10.0.0.1:443"),
            apdu(0, 0xDA, 0xDF, 0x31, h(P256_G)), apdu(0, 0xCA, 0xDF, 0x31, le=256)),
        "access_personalize": BLANK + session(
            select(ACCESS_AID), apdu(0, 0x24, 0x01, 0x81, PIN1), apdu(0, 0x24, 0x01, 0x83, PUK),
            apdu(0, 0x24, 0x01, 0x91, h("7F2E 25 81 20") + b"\x11" * 32 + h("82 01 08")),
            apdu(0, 0x47, 0x80, 0x01, le=256), apdu(0, 0xDA, 0xDF, 0x30, b"T-1"),
            apdu(0, 0xDA, 0xDF, 0x31, h(P256_G)), apdu(0, 0xDA, 0xDF, 0x32, b"home:1"),
            apdu(0, 0xDA, 0xDF, 0x33, h("800102 81020028 82020010 830102")),
            apdu(0, 0x44, 0, 0), apdu(0, 0xCA, 0xDF, 0x01, le=256)),
        "access_unblock": ACCESS + session(
            select(ACCESS_AID), *[apdu(0, 0x20, 0, 0x81, b"0000")] * 3,
            apdu(0, 0x2C, 0x01, 0x81, PUK), apdu(0, 0x2C, 0x00, 0x81, PUK + b"97531"),
            apdu(0, 0x20, 0, 0x81, b"97531")),
        "both_switch": BOTH + session(*home_unlock(), *access_unlock(), sign, select(HOME_AID),
                                      sign, apdu(0, 0x20, 0, 0x81), select(ACCESS_AID),
                                      apdu(0, 0x20, 0, 0x81)),
        "both_restart": BOTH + session(*home_unlock(), RESTART, *access_unlock(), RESTART,
                                       select(HOME_AID), apdu(0, 0xCA, 0xDF, 0x01, le=256)),
    }
    for name, data in seeds.items():
        write("fuzz_card", name, data)


def main():
    # Only the card targets' folders: the host targets' seeds come from make_seeds.cpp.
    for target in ("fuzz_apdu_parser", "fuzz_runtime", "fuzz_card"):
        shutil.rmtree(os.path.join(HERE, "corpus", target), ignore_errors=True)
    parser_seeds()
    runtime_seeds()
    card_seeds()
    for target in ("fuzz_apdu_parser", "fuzz_runtime", "fuzz_card"):
        count = len(os.listdir(os.path.join(HERE, "corpus", target)))
        print(f"make_corpus: {count} seeds for {target}")


if __name__ == "__main__":
    main()
