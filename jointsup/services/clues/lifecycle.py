"""The clue lifecycle (线索流转): states, the moves between them, and who may make each move."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jointsup.errors import InvalidInput, JointsupError


class State(StrEnum):
    """Where a clue is in its handling."""

    REGISTERED = "REGISTERED"  # 登记
    ROUTED = "ROUTED"  # 分流
    TRANSFERRED = "TRANSFERRED"  # 移送
    ACCEPTED = "ACCEPTED"  # 受理
    REFUSED = "REFUSED"  # 不予受理
    ASSISTANCE_REQUESTED = "ASSISTANCE_REQUESTED"  # 协查
    ASSISTANCE_PROVIDED = "ASSISTANCE_PROVIDED"  # 协查回复
    FEEDBACK = "FEEDBACK"  # 反馈
    CLOSED = "CLOSED"  # 办结


class Move(StrEnum):
    """A lifecycle mutation; the GraphQL mutation of the same name makes it."""

    ROUTE = "routeClue"
    TRANSFER = "transferClue"
    ACCEPT = "acceptClue"
    REFUSE = "refuseClue"
    REQUEST_ASSISTANCE = "requestAssistance"
    PROVIDE_ASSISTANCE = "provideAssistance"
    FEEDBACK = "feedBack"
    CLOSE = "closeClue"
    EXTEND = "extendVerification"
    ATTACH_EVIDENCE = "attachEvidence"


S = State
# (state, move) → next state. Shortcuts (docs/clues.md): a clue handled locally goes
# ROUTED → ACCEPTED without a transfer; a clue without merit is closed from REGISTERED or
# ROUTED; a refused transfer goes back to ROUTED (handle it here or route it elsewhere).
TRANSITIONS: dict[tuple[State, Move], State] = {
    (S.REGISTERED, Move.ROUTE): S.ROUTED,
    (S.REGISTERED, Move.CLOSE): S.CLOSED,
    (S.ROUTED, Move.ROUTE): S.ROUTED,
    (S.ROUTED, Move.TRANSFER): S.TRANSFERRED,
    (S.ROUTED, Move.ACCEPT): S.ACCEPTED,
    (S.ROUTED, Move.CLOSE): S.CLOSED,
    (S.TRANSFERRED, Move.ACCEPT): S.ACCEPTED,
    (S.TRANSFERRED, Move.REFUSE): S.REFUSED,
    (S.REFUSED, Move.ROUTE): S.ROUTED,
    (S.REFUSED, Move.CLOSE): S.CLOSED,
    (S.ACCEPTED, Move.REQUEST_ASSISTANCE): S.ASSISTANCE_REQUESTED,
    (S.ACCEPTED, Move.FEEDBACK): S.FEEDBACK,
    (S.ACCEPTED, Move.EXTEND): S.ACCEPTED,
    (S.ASSISTANCE_REQUESTED, Move.PROVIDE_ASSISTANCE): S.ASSISTANCE_PROVIDED,
    (S.ASSISTANCE_REQUESTED, Move.EXTEND): S.ASSISTANCE_REQUESTED,
    (S.ASSISTANCE_PROVIDED, Move.REQUEST_ASSISTANCE): S.ASSISTANCE_REQUESTED,
    (S.ASSISTANCE_PROVIDED, Move.FEEDBACK): S.FEEDBACK,
    (S.ASSISTANCE_PROVIDED, Move.EXTEND): S.ASSISTANCE_PROVIDED,
    (S.FEEDBACK, Move.CLOSE): S.CLOSED,
}
# Evidence may be attached in every state but CLOSED; it does not change the state.
EVIDENCE_STATES = frozenset(State) - {S.CLOSED}
# States in which the verification deadline runs.
VERIFYING = frozenset({S.ACCEPTED, S.ASSISTANCE_REQUESTED, S.ASSISTANCE_PROVIDED})


class IllegalTransition(JointsupError):
    """The move is not allowed from the clue's current state."""

    code = "ILLEGAL_TRANSITION"

    def __init__(self, current: State, move: Move) -> None:
        allowed = allowed_moves(current)
        super().__init__(f"{move} is not allowed: the clue is {current}; allowed: "
                         f"{', '.join(allowed) if allowed else 'none (the clue is closed)'}")
        self.current, self.allowed = current, allowed


@dataclass(frozen=True)
class Step:
    """A legal move and the state it leads to."""

    move: Move
    before: State
    after: State


def allowed_moves(state: State) -> list[str]:
    """The moves legal from `state`, in a stable order."""
    moves = [m for m in Move if (state, m) in TRANSITIONS]
    if state in EVIDENCE_STATES:
        moves.append(Move.ATTACH_EVIDENCE)
    return [m.value for m in moves]


def step(current: str, move: Move) -> Step:
    """The step `move` makes from `current`, or IllegalTransition naming the allowed moves."""
    try:
        state = State(current)
    except ValueError:
        raise InvalidInput(f"the clue's status {current!r} is not a lifecycle state") from None
    if move is Move.ATTACH_EVIDENCE:
        if state not in EVIDENCE_STATES:
            raise IllegalTransition(state, move)
        return Step(move, state, state)
    after = TRANSITIONS.get((state, move))
    if after is None:
        raise IllegalTransition(state, move)
    return Step(move, state, after)
