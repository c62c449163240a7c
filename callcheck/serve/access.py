"""Who may see and do what: the whole access policy of ``callcheck serve`` in one module.

| role | calls, transcripts, audio | findings and clips | agent names | reviews | coaching | audit log |
|---|---|---|---|---|---|---|
| supervisor | all | all | all | judge (confirm, reject, unsure) | build, record | yes |
| trainer | all | all | all | judge | build, record | no |
| agent | only calls whose ``agent`` is theirs | of their calls | only their own | acknowledge, dispute (own) | their own records | no |

Agents also see the team as aggregates (rates per mistake over all calls, agreement per rule),
never another agent's name, call or transcript. Everything a user may not see answers 404, as if
it did not exist; an action their role lacks on something they can see answers 403.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import false, true
from sqlalchemy.sql.elements import ColumnElement

from callcheck.serve import db
from callcheck.serve.auth import User

__all__ = ["sees_team", "call_scope", "call_filter", "can_see_call", "can_see_agent", "verdicts_for", "can_coach",
           "can_see_audit", "JUDGE_VERDICTS", "AGENT_VERDICTS", "VERDICTS"]

JUDGE_VERDICTS = ("confirm", "reject", "unsure")
AGENT_VERDICTS = ("acknowledge", "dispute")
VERDICTS = JUDGE_VERDICTS + AGENT_VERDICTS


def sees_team(user: User) -> bool:
    """True for roles that see every call and every agent's name."""
    return user.role in ("supervisor", "trainer")


def call_scope(user: User) -> tuple[str, str | None]:
    """``("all", None)``, ``("agent", name)`` (only calls of that agent) or ``("none", None)``."""
    if sees_team(user):
        return "all", None
    if user.role == "agent" and user.agent:
        return "agent", user.agent
    return "none", None


def call_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause on ``calls`` selecting the calls ``user`` may see."""
    kind, agent = call_scope(user)
    if kind == "all":
        return true()
    if kind == "agent":
        return db.calls.c.agent == agent
    return false()


def can_see_call(user: User, call_agent: Any) -> bool:
    if sees_team(user):
        return True
    return user.role == "agent" and bool(user.agent) and call_agent is not None and str(call_agent) == user.agent


def can_see_agent(user: User, agent: str | None) -> bool:
    """May ``user`` open the page of agent ``agent``?"""
    if sees_team(user):
        return True
    return user.role == "agent" and bool(user.agent) and agent == user.agent


def verdicts_for(user: User) -> tuple[str, ...]:
    if sees_team(user):
        return JUDGE_VERDICTS
    if user.role == "agent":
        return AGENT_VERDICTS
    return ()


def can_coach(user: User) -> bool:
    return user.role in ("trainer", "supervisor")


def can_see_audit(user: User) -> bool:
    return user.role == "supervisor"
