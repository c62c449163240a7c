"""Checksums of account and card numbers (pure functions)."""

from __future__ import annotations

import re

#: IBAN length per country (ISO 13616 registry) for the countries a German or English call names most
IBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "LI": 21, "LU": 20, "NL": 18, "BE": 16, "FR": 27, "IT": 27,
                "ES": 24, "PL": 28, "GB": 22, "IE": 22, "DK": 18, "SE": 24, "NO": 15, "FI": 18, "CZ": 24,
                "PT": 25, "GR": 27, "HU": 28, "SK": 24, "SI": 19, "HR": 21}


def iban_valid(iban: str) -> bool:
    """True when ``iban`` (spaces allowed) passes the ISO 7064 mod-97 check and, for a country in
    :data:`IBAN_LENGTHS`, has that country's length."""
    s = re.sub(r"\s+", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", s):
        return False
    if s[:2] in IBAN_LENGTHS and len(s) != IBAN_LENGTHS[s[:2]]:
        return False
    moved = s[4:] + s[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def iban_check_digits(country: str, bban: str) -> str:
    """The two check digits that make ``country + dd + bban`` a valid IBAN (to build test data)."""
    moved = (bban + country + "00").upper()
    number = "".join(str(int(ch, 36)) for ch in moved)
    return f"{98 - int(number) % 97:02d}"


def luhn_valid(digits: str) -> bool:
    """True when the digit string passes the Luhn (mod-10) check of card numbers (>= 2 digits)."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_check_digit(payload: str) -> str:
    """The digit that, appended to ``payload``, passes the Luhn check (to build test data)."""
    for d in "0123456789":
        if luhn_valid(payload + d):
            return d
    raise ValueError(f"{payload!r} is not a digit string")
