"""Credit codes (统一社会信用代码) as people type them: spaced, full-width, lower case, typos."""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc

from jointsup.nlp.gazetteer import Gazetteer, Kind
from jointsup.nlp.result import EnterpriseLink, InvalidCode
from jointsup.nlp.state import State

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# 18 letters/digits, single spaces allowed between them, not inside a longer alphanumeric run.
# The look-behind (nothing alphanumeric before the first character) comes after that character,
# so the pattern starts with a character class and the engine skips the Chinese text between
# candidates instead of trying a look-behind at every position.
_CODE = re.compile(r"[0-9A-Za-z](?<![0-9A-Za-z].)(?: ?[0-9A-Za-z]){17}(?![0-9A-Za-z])")
_USCC_TAIL = frozenset(ALPHABET)  # what uscc.validate accepts after the eight leading digits
_NAMED = (Kind.NAME, Kind.FORMER, Kind.SHORT)
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "V": "U"})


def nearest_code(gaz: Gazetteer, code: str) -> str | None:
    """A registry code one character (or one confusable letter) away from `code`."""
    fixed = code.translate(_CONFUSABLE)
    if fixed in gaz.by_uscc:
        return fixed
    for pos in range(18):
        for ch in ALPHABET:
            if ch != code[pos]:
                candidate = code[:pos] + ch + code[pos + 1:]
                if candidate in gaz.by_uscc:
                    return candidate
    return None


def _valid_uscc(code: str) -> bool:
    """`uscc.is_valid(code)` for 18 upper-case ASCII letters and digits, in half the time:
    `is_valid` strips separators twice (in `validate` and in `calc_check_digit`); here the
    format checks of `validate` are done on the code as it is and stdnum computes the check
    character."""
    return (code[:8].isdigit() and _USCC_TAIL.issuperset(code[8:])
            and uscc.calc_check_digit(code) == code[17])


def _distance(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


def find_codes(state: State, gaz: Gazetteer) -> None:
    """Valid codes become enterprise links; failing ones invalid codes with a suggestion."""
    text = state.norm.text
    for match in _CODE.finditer(text):
        raw = match.group()
        code = raw.replace(" ", "").upper()
        if (code.isdigit() and len(code) == 18 and ric.is_valid(code)) or not code[:2].isalnum():
            continue
        start, end, surface = state.span(match.start(), match.end())
        state.take(match.start(), match.end())
        if _valid_uscc(code):
            known = code in gaz.by_uscc
            state.result.enterprises.append(EnterpriseLink(
                code if known else None, surface, start, end, 1.0 if known else 0.0,
                "credit code " + ("in the registry" if known else "valid but not in the registry"),
                () if known else (code,)))
            continue
        if not any(c.isdigit() for c in code[:8]):
            continue  # an 18-letter word, not a mistyped code
        suggestion = _suggest(state, gaz, code)
        state.result.invalid_codes.append(InvalidCode(surface, start, end, suggestion))
        if suggestion is not None:
            state.result.enterprises.append(EnterpriseLink(
                suggestion, surface, start, end, 0.8,
                f"credit code fails its check; most likely {suggestion}"))


def _suggest(state: State, gaz: Gazetteer, code: str) -> str | None:
    """A business named in the same text with the closest code, else the nearest valid code."""
    named = [e.uscc for e in state.result.enterprises if e.uscc]
    named += [gaz.usccs[i] for h in state.enterprise_hits for i in h.of(*_NAMED)]
    close = sorted({u for u in named if _distance(u, code) <= 3}, key=lambda u: _distance(u, code))
    return close[0] if close else nearest_code(gaz, code)
