"""The phrase screen of the rules: one joined expression finds a turn exactly when one of the list does."""

from __future__ import annotations

import re

from callcheck.rules.common import any_of, compile_phrases, load_phrases


def test_the_screen_matches_exactly_where_one_of_the_phrases_does():
    texts = ["guten tag hier ist sonja müller was kann ich für sie tun", "das weiß ich nicht", "ähm also ja",
             "vielen dank für ihren anruf auf wiederhören", "keine ahnung das ist nicht mein problem", "",
             "das tut mir leider nicht leid", "tut mir leid", "xtut mir leid", "tut mir leids", "ja ja ja ja",
             "i understand i understand your frustration", "that's not my problem", "thank you for calling",
             "ich verstehe sie ich'verstehe", "sie müssen sie müssten", "as i said as i already told you"]
    for lang in ("de", "en"):
        for kind, patterns in load_phrases(lang).patterns.items():
            screen = any_of(tuple(patterns))
            if not patterns:
                assert screen is None
                continue
            assert screen is not None, kind
            for t in texts:
                assert (screen.search(t) is not None) == any(p.search(t) for p in patterns), (lang, kind, t)
    # an entry that is not one expression by itself keeps each alternative's own boundaries
    odd = compile_phrases(["a)|(?:b", "c"], "test")
    screen = any_of(odd)
    assert screen is not None
    for t in ["xb", "a", "xa", "c d", "xc"]:
        assert (screen.search(t) is not None) == any(p.search(t) for p in odd), t


def test_lists_that_cannot_be_joined_get_no_screen():
    assert any_of(compile_phrases([r"(a)\1", "b"], "test")) is None  # a group reference
    assert any_of((re.compile("a"), re.compile("b", re.IGNORECASE))) is None  # different flags
    assert any_of(()) is None


def test_team_threshold_is_the_written_percentile_and_the_verdict_uses_it():
    """The team comparison compares with the percentile rounded to what the evidence writes, so a
    team that grows by a call (the percentile moves in its fourth decimal) changes no verdict, and
    the shown ``value > threshold`` is the comparison that was made."""
    import numpy as np

    from callcheck.rules import LoggedBaselines, baselines_from_values

    rows = [(f"c{i}", "a", {"agent.monotony": 0.1 + 0.0007 * i}) for i in range(1000)]
    b = baselines_from_values(rows)
    exact = float(np.percentile([0.1 + 0.0007 * i for i in range(1000)], 90))
    thr = b.team_threshold("agent.monotony", 90.0)
    assert thr == 0.729 and exact > thr  # 0.72937
    between = (exact + thr) / 2  # beyond the written threshold, not beyond the exact percentile: beyond
    assert b.beyond_percentile("agent.monotony", 90.0, between, 1.0)
    assert not b.beyond_percentile("agent.monotony", 90.0, thr, 1.0)
    # one call more moves the exact percentile, not the written threshold: the logged lookup still holds
    lb = LoggedBaselines(b)
    lb.team_threshold("agent.monotony", 90.0)
    grown = baselines_from_values([*rows, ("c-new", "a", {"agent.monotony": 0.5})])
    assert grown.team_percentile("agent.monotony", 90.0) != b.team_percentile("agent.monotony", 90.0)
    for key, value in lb.log.items():
        assert LoggedBaselines.replay(grown, key) == value
