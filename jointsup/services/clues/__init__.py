"""The clue lifecycle and partner isolation (线索移送、协查、反馈); see docs/clues.md."""

from jointsup.services.clues.config import ClueConfig, default_config, parse_config
from jointsup.services.clues.lifecycle import IllegalTransition, Move, State, allowed_moves
from jointsup.services.clues.ops import Call, apply, today
from jointsup.services.clues.reads import Overdue, load_visible, overdue, shared_clues, trail
from jointsup.services.clues.register import NewClue, linker_for, register

__all__ = ["Call", "ClueConfig", "IllegalTransition", "Move", "NewClue", "Overdue", "State",
           "allowed_moves", "apply", "default_config", "linker_for", "load_visible", "overdue",
           "parse_config", "register", "shared_clues", "today", "trail"]
