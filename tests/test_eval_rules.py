"""benchmarks/eval_rules.py: its scoring (recall, false positives per call, acceptable mistakes,
flat/lively pairs, refused calls) and the time compression it builds fast calls with."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from script_module import load_script

er = load_script("benchmarks/eval_rules.py")


def _t(kind, agent="03", split="train", intended=(), acceptable=(), moments=()):
    return {"kind": kind, "agent": agent, "split": split, "language": "de", "intended": list(intended),
            "acceptable": list(acceptable), "moments": list(moments)}


def _f(mistake, start_s=None, end_s=None):
    return {"mistake": mistake, "rule_id": f"M{mistake}_X", "start_s": start_s, "end_s": end_s, "evidence": {}}


def test_score_counts_recall_false_positives_and_leaves_acceptable_mistakes_out():
    truth = {"a": _t("interrupt", intended=[3], moments=[{"mistake": 3, "start_s": 10.0, "end_s": 11.0}]),
             "b": _t("flat", intended=[1], acceptable=[2]),
             "c": _t("clean"), "d": _t("clean", split="heldout")}
    found = {"a": {"judged": [_f(3, 10.2, 11.1), _f(7)]}, "b": {"judged": [_f(2)]}, "c": {"judged": [_f(3), _f(3)]},
             "d": {"judged": [_f(1)]}}
    s = er.score(found, truth, mode="judged", split="train")
    assert (s[3].positives, s[3].hits, s[3].at_moment) == (1, 1, 1)
    assert (s[3].negatives, s[3].fp_findings, s[3].fp_calls) == (2, 2, 1)  # b and c; c has two findings
    assert s[1].recall == 0.0 and s[1].positives == 1  # b: mistake 1 intended, not found
    assert s[2].negatives == 2 and s[2].fp_findings == 0  # b's mistake 2 is acceptable: neither way
    assert s[7].fp_per_call == pytest.approx(1 / 3)
    assert er.score(found, truth, mode="judged", split="heldout")[1].fp_findings == 1


def test_flat_pairs_need_the_flat_call_flagged_and_the_lively_one_not():
    truth = {"f1": _t("flat", intended=[1]), "f2": _t("flat", intended=[1]), "c1": _t("clean"), "c2": _t("clean"),
             "g": _t("flat", agent="08", intended=[1])}
    found = {"f1": {"judged": [_f(1)]}, "f2": {"judged": []}, "c1": {"judged": []}, "c2": {"judged": [_f(1)]},
             "g": {"judged": [_f(1)]}}
    assert er.flat_pairs(found, truth, split="train") == (1, 4)  # f1-c1 only; speaker 08 has no lively call


def test_refused_calls_are_read_from_failures_csv(tmp_path):
    assert er.refused_calls(tmp_path) == {}
    (tmp_path / "failures.csv").write_text('path,call_id,reason\n/x/s.wav,s,"s.wav: silent, use --layout mono"\n', encoding="utf-8")
    assert er.refused_calls(tmp_path) == {"s": "s.wav: silent, use --layout mono"}


def test_assessment_table_lists_refused_calls_and_the_largest_repeat_share():
    from types import SimpleNamespace as NS

    def rec(cid, words, assessable=True, reasons=()):
        ws = [NS(text=w) for w in words.split()]
        return NS(call_id=cid, assessment=NS(assessable=assessable, reasons=reasons), words_of=lambda party: ws)

    loop = "the group is moving " * 4
    records = [rec("a", "guten Tag was kann ich für Sie tun"),
               rec("b", "ja gut " + loop[:60] + "danke schön und einen schönen Tag noch bis bald auf Wiederhören"),
               rec("c", loop, False, ("the recogniser looped",)), rec("d", "hallo")]
    truth = {"a": _t("clean"), "b": _t("clean"), "c": _t("clean"), "d": _t("clean", split="heldout")}
    lines = er.assessment_table(records, truth).splitlines()
    assert lines[2] == "| train | 3 | 1: c (the recogniser looped) | 48 % (b) |", lines[2]  # 12 of 25 words
    assert lines[3] == "| heldout | 1 | 0 | 0 % (d) |"


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed")
def test_stretch_shortens_speech_and_keeps_its_pitch():
    t = np.arange(int(1.0 * er.SR)) / er.SR
    x = 0.3 * np.sin(2 * np.pi * 180.0 * t) * (1 + 0.5 * np.sin(2 * np.pi * 3 * t))
    y = er.stretch(x, 1.3)
    assert len(y) / len(x) == pytest.approx(1 / 1.3, rel=0.03)
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y))))
    peak_hz = np.argmax(spec) * er.SR / len(y)
    assert peak_hz == pytest.approx(180.0, rel=0.02)
