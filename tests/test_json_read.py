"""The one JSON parser (``callcheck.result.loads``, orjson with json behind it): the values and the
errors of ``json.loads(raw.decode("utf-8"))``."""

from __future__ import annotations

import json

import pytest

from callcheck.result import dumps, loads
from callfactory import GOOD_DE, analysed, make_call


def _json(raw: bytes):
    return json.loads(raw.decode("utf-8"))


def test_a_record_and_odd_values_read_as_json_reads_them():
    rec = analysed(make_call(GOOD_DE, call_id="call-1", agent="Jürgen Größ"))
    rec["source"] = "/recordings/\udcff-not-utf8.wav"  # a file name that is not UTF-8: written as an escape
    for raw in (dumps(rec).encode("utf-8"), dumps(rec, compact=True).encode("utf-8"), b'{"a": 1, "a": 2}',
                b"1e400", b"NaN", b"[-0.0, 0.1, 1.0, 5e-324]", b'"\\u00e4\\ud83d\\ude00"', b" [] "):
        got, want = loads(raw), _json(raw)
        assert repr(got) == repr(want), raw[:40]


@pytest.mark.parametrize("raw", [b"{broken", b"", b"\xef\xbb\xbf{}", b"\xff\xfe{}", b"[1,]", b'{"a": 1} x'])
def test_what_json_refuses_is_refused_with_its_message(raw):
    with pytest.raises((ValueError, UnicodeDecodeError)) as want:
        _json(raw)
    with pytest.raises((ValueError, UnicodeDecodeError)) as got:
        loads(raw)
    assert type(got.value) is type(want.value) and str(got.value) == str(want.value)
