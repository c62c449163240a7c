"""The review loop: agents acknowledge or dispute findings, supervisors and trainers judge them,
and the per-rule agreement (the rules' precision on real calls) with a 90 % interval.

Reviews are append-only rows keyed by the finding's stable id and carrying the fingerprint of the
finding as it was judged. The latest review of each kind counts. A review whose fingerprint is not
the finding's current one is *stale* (the finding changed in a re-analysis): it stays visible,
flagged, and no longer counts in the agreement until someone reviews the new finding.

Agreement of a rule = confirmed / judged, judged = confirmed + rejected (``unsure`` is counted but
not judged), over findings present now, using each finding's latest judge verdict. The 90 %
interval is the **Jeffreys** interval: the 5th and 95th percentiles of Beta(x + ½, n − x + ½),
with the lower end 0 when x = 0 and the upper end 1 when x = n (Brown, Cai & DasGupta 2001,
"Interval estimation for a binomial proportion", Statistical Science 16(2)). It keeps close to
the nominal coverage for the small counts of a review programme, where the Wald interval fails and
Clopper-Pearson is needlessly wide.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from callcheck.report.stats import jeffreys_interval  # one definition, shared with the reports
from callcheck.serve import db
from callcheck.serve.access import AGENT_VERDICTS, JUDGE_VERDICTS
from callcheck.serve.auth import User

__all__ = ["jeffreys_interval", "add_review", "reviews_by_finding", "finding_state", "agreement", "RuleAgreement"]


def add_review(engine: Engine, user: User, finding: Mapping[str, Any], verdict: str, comment: str) -> dict[str, Any]:
    """Store one review of ``finding`` (a row of the findings index) and return it as JSON."""
    row = {"finding_id": finding["finding_id"], "call_id": finding["call_id"], "rule_id": finding.get("rule_id"),
           "user_id": user.id, "reviewer": user.username, "role": user.role, "verdict": verdict,
           "comment": comment, "fingerprint": finding["fingerprint"], "created_at": db.now_iso()}
    with engine.begin() as conn:
        rid = conn.execute(insert(db.reviews).values(**row)).inserted_primary_key[0]  # type: ignore[index]  # a one-row INSERT has its key
    return dict(row, id=rid, stale=False)


def reviews_by_finding(conn: Connection, finding_ids: Sequence[str] | None = None, *,
                       call_ids: Sequence[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Reviews (oldest first) grouped by finding id, for the given findings or calls."""
    q = select(db.reviews).order_by(db.reviews.c.id)
    if finding_ids is not None:
        q = q.where(db.reviews.c.finding_id.in_(list(finding_ids)))
    if call_ids is not None:
        q = q.where(db.reviews.c.call_id.in_(list(call_ids)))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(q):
        out[r.finding_id].append(dict(r._mapping))
    return out


def finding_state(reviews: Iterable[Mapping[str, Any]], fingerprint: str | None) -> dict[str, Any]:
    """The current judgement and agent response of one finding, and whether older reviews are stale.

    ``fingerprint`` None means the finding no longer exists (every review is then stale).
    """
    judgement = response = None
    stale = 0
    judges: dict[str, str] = {}
    for r in reviews:
        if fingerprint is None or r["fingerprint"] != fingerprint:
            stale += 1
            continue
        if r["verdict"] in JUDGE_VERDICTS:
            judgement = r
            judges[r["reviewer"]] = r["verdict"]
        elif r["verdict"] in AGENT_VERDICTS:
            response = r
    return {"judgement": None if judgement is None else judgement["verdict"],
            "judged_by": None if judgement is None else judgement["reviewer"],
            "response": None if response is None else response["verdict"],
            "stale_reviews": stale, "judges": judges}


@dataclass(frozen=True)
class RuleAgreement:
    """Agreement of one rule with the judges."""

    rule_id: str
    mistake: int | None
    findings: int
    confirmed: int
    rejected: int
    unsure: int
    acknowledged: int
    disputed: int
    disputes_upheld: int
    stale: int
    multi_judged: int
    judges_agree: int

    @property
    def judged(self) -> int:
        return self.confirmed + self.rejected

    @property
    def agreement(self) -> float | None:
        return self.confirmed / self.judged if self.judged else None

    @property
    def interval90(self) -> tuple[float, float] | None:
        return jeffreys_interval(self.confirmed, self.judged)

    def to_json(self) -> dict[str, Any]:
        iv = self.interval90
        return {"rule_id": self.rule_id, "mistake": self.mistake, "findings": self.findings, "judged": self.judged,
                "confirmed": self.confirmed, "rejected": self.rejected, "unsure": self.unsure,
                "acknowledged": self.acknowledged, "disputed": self.disputed, "disputes_upheld": self.disputes_upheld,
                "stale": self.stale, "agreement": None if self.agreement is None else round(self.agreement, 4),
                "interval90": None if iv is None else [round(iv[0], 4), round(iv[1], 4)],
                "multi_judged": self.multi_judged, "judges_agree": self.judges_agree}


def agreement(engine: Engine) -> list[RuleAgreement]:
    """Per-rule agreement over every finding in the index (a team aggregate: no names, no calls)."""
    from callcheck.rules import RULE_IDS

    with engine.connect() as conn:
        fs = conn.execute(select(db.findings.c.finding_id, db.findings.c.rule_id, db.findings.c.mistake,
                                 db.findings.c.fingerprint)).all()
        revs = reviews_by_finding(conn)
    counts: dict[str, dict[str, int]] = {rid: defaultdict(int) for rid in RULE_IDS.values()}
    mistake_of = {rid: m for m, rid in RULE_IDS.items()}
    for f in fs:
        rid = f.rule_id or "?"
        mistake_of.setdefault(rid, f.mistake)
        c = counts.setdefault(rid, defaultdict(int))
        c["findings"] += 1
        st = finding_state(revs.get(f.finding_id, ()), f.fingerprint)
        if st["judgement"] == "confirm":
            c["confirmed"] += 1
        elif st["judgement"] == "reject":
            c["rejected"] += 1
        elif st["judgement"] == "unsure":
            c["unsure"] += 1
        if st["response"] == "acknowledge":
            c["acknowledged"] += 1
        elif st["response"] == "dispute":
            c["disputed"] += 1
            if st["judgement"] == "reject":
                c["disputes_upheld"] += 1
        if st["stale_reviews"] and st["judgement"] is None and st["response"] is None:
            c["stale"] += 1
        if len(st["judges"]) >= 2:
            c["multi_judged"] += 1
            c["judges_agree"] += len(set(st["judges"].values())) == 1
    return [RuleAgreement(rid, mistake_of.get(rid), *(int(c.get(k, 0)) for k in (
        "findings", "confirmed", "rejected", "unsure", "acknowledged", "disputed", "disputes_upheld", "stale",
        "multi_judged", "judges_agree"))) for rid, c in sorted(counts.items(), key=lambda kv: (mistake_of.get(kv[0]) or 99, kv[0]))]
