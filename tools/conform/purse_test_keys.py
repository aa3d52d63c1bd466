#!/usr/bin/env python3
"""Prints the fixed test keys of the purse scenarios (apdu_specs/scenarios/homecard/07-purse.json)
and the home server test key of the channel scenarios (apdu_specs/scenarios/accesscard/00, 07, 08).

The bank's and the shops' P-256 keys there are TEST KEYS, public by design: each scalar is
SHA-256 of a fixed text, so anyone can recompute them and nothing else trusts them. The
scenario registers the points on the card and signs vouchers and cancellations with the
scalars through the runner's sign_purse step (apdu_specs/SCHEMA.md), because the purse ID the
objects must name is chosen by the card at run time. The home server key is DF 31 on the access
card; the channel scenarios sign KEY AGREEMENT with its scalar through the runner's server_hello
step, because the signature covers the card's random point. Needs python3-cryptography.
"""
import hashlib
import json

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import serialization

PARTIES = {
    "bank": "homeproxy conformance test key: bank",
    "shop": "homeproxy conformance test key: shop",
    "other_shop": "homeproxy conformance test key: other shop",
    "home_server": "homeproxy conformance test key: home server",
}

out = {}
for name, text in PARTIES.items():
    scalar = int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")
    key = ec.derive_private_key(scalar, ec.SECP256R1())
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    out[name + "_key"] = scalar.to_bytes(32, "big").hex().upper()
    out[name + "_point"] = point.hex().upper()
print(json.dumps(out, indent=2))
