"""The call schema's words are checked by a function generated from the schema (a record has
~250 words a minute): its verdict on every record is the compiled validator's."""

from __future__ import annotations

import copy
import math

import fastjsonschema
import pytest

from callcheck.result import _flat_test, _items_check, _validator, load_schema, schema_problem
from callfactory import GOOD_DE, analysed, make_call


def _full_verdict(data: object) -> bool:
    try:
        _validator("call")(data)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


class _Str(str):
    pass


class _Dict(dict):
    pass


BREAKS = [
    ("missing key", lambda w: w.pop("probability")),
    ("speaker not a party", lambda w: w.update(speaker="boss")),
    ("speaker not text", lambda w: w.update(speaker=["agent"])),
    ("text a number", lambda w: w.update(text=5)),
    ("text None", lambda w: w.update(text=None)),
    ("negative start", lambda w: w.update(start_s=-0.01)),
    ("end a string", lambda w: w.update(end_s="1.0")),
    ("probability above 1", lambda w: w.update(probability=1.0001)),
    ("probability below 0", lambda w: w.update(probability=-1)),
    ("probability a bool", lambda w: w.update(probability=True)),
    ("start a bool", lambda w: w.update(start_s=False)),
    ("probability NaN", lambda w: w.update(probability=math.nan)),
    ("start infinite", lambda w: w.update(start_s=math.inf)),
    ("an extra key", lambda w: w.update(extra={"x": 1})),
    ("integer times", lambda w: w.update(start_s=0, end_s=1, probability=1)),
    ("text a str subclass", lambda w: w.update(text=_Str("ja"))),
]


def test_the_generated_words_check_agrees_with_the_schema_on_every_break():
    rec = analysed(make_call(GOOD_DE, call_id="w1", agent="Anna"))
    assert rec["words"] and _items_check("call", "words") is not None
    assert schema_problem(rec) is None and _full_verdict(rec)
    for what, brk in BREAKS:
        for where in (0, len(rec["words"]) - 1):
            bad = copy.deepcopy(rec)
            brk(bad["words"][where])
            fast = schema_problem(bad) is None
            assert fast == _full_verdict(bad), (what, where)
    bad = copy.deepcopy(rec)
    bad["words"][3] = _Dict(bad["words"][3])  # a dict subclass: left to the validator (which takes it)
    assert (schema_problem(bad) is None) == _full_verdict(bad) is True
    bad["words"][3] = ["not", "an", "object"]
    assert schema_problem(bad) is not None and not _full_verdict(bad)
    bad["words"] = "not a list"
    assert schema_problem(bad) is not None and not _full_verdict(bad)
    # the failure is worded as before: the path and the rule
    bad = copy.deepcopy(rec)
    bad["words"][2]["probability"] = 2
    assert "data.words[2].probability must be smaller than or equal to 1" in str(schema_problem(bad))


@pytest.mark.parametrize("prop", [{"type": "string", "minLength": 1}, {"type": "number", "exclusiveMinimum": 0},
                                  {"type": ["number", "null"]}, {"enum": [1, 2]}, {"$ref": "#/x"}, {"type": "boolean"}])
def test_forms_it_does_not_know_are_left_to_the_validator(prop):
    assert _flat_test(prop, "v") is None


def test_every_words_field_of_the_schema_is_one_it_knows():
    """Guard: a change to the words' schema that the generator does not know turns the fast check
    off (None) rather than checking less — so this fails, and says so, when that happens."""
    props = load_schema("call")["properties"]["words"]["items"]["properties"]
    assert set(props) == {"speaker", "text", "start_s", "end_s", "probability"}
    assert _items_check("call", "words") is not None
