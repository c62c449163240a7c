"""The phrase screen of the rules: one joined expression finds a turn exactly when one of the list does."""

from __future__ import annotations

import re

from callcheck.rules.common import any_of, compile_phrases, load_phrases


def test_the_screen_matches_exactly_where_one_of_the_phrases_does():
    phrases = load_phrases("de")
    texts = ["guten tag hier ist sonja müller was kann ich für sie tun", "das weiß ich nicht", "ähm also ja",
             "vielen dank für ihren anruf auf wiederhören", "keine ahnung das ist nicht mein problem", ""]
    for kind, patterns in phrases.patterns.items():
        screen = any_of(tuple(patterns))
        if not patterns:
            assert screen is None
            continue
        assert screen is not None, kind
        for t in texts:
            assert (screen.search(t) is not None) == any(p.search(t) for p in patterns), (kind, t)


def test_lists_that_cannot_be_joined_get_no_screen():
    assert any_of(compile_phrases([r"(a)\1", "b"], "test")) is None  # a group reference
    assert any_of((re.compile("a"), re.compile("b", re.IGNORECASE))) is None  # different flags
    assert any_of(()) is None
