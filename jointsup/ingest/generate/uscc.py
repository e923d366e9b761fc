"""Unified social credit codes (统一社会信用代码, GB 32100) that are valid, unique and plausible."""

from __future__ import annotations

from math import gcd

from stdnum.cn import uscc as stdnum_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: digits and letters without I O S V Z
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# Entities registered after the 2015 reform got organisation codes starting MA; older ones kept
# their numeric GB 11714 code.
REFORM_DATE = "2015-10-01"
_MA_SPACE = len(ALPHABET) ** 6
_DIGIT_SPACE = 10**8


def org_check_char(body: str) -> str:
    """GB 11714 check character over the 8-character organisation code body."""
    total = sum(_char_value(ch) * weight for ch, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _char_value(ch: str) -> int:
    return int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10


def build(kind: str, region_code: str, org_body: str) -> str:
    """'9' + entity kind + region + organisation code (with its check) + stdnum's check."""
    first17 = "9" + kind + region_code + org_body + org_check_char(org_body)
    return first17 + stdnum_uscc.calc_check_digit(first17)


class OrgCodes:
    """Distinct organisation-code bodies: an affine bijection of a counter looks random."""

    def __init__(self, offset_digits: int, offset_ma: int) -> None:
        """Offsets come from the seed so different seeds give different codes."""
        self._digits = _Bijection(_DIGIT_SPACE, 48_271_007, offset_digits)
        self._ma = _Bijection(_MA_SPACE, 100_000_007, offset_ma)

    def body(self, established: str, numeric_allowed: bool = True) -> str:
        """A numeric body for entities older than the reform, an MA body for newer ones."""
        if numeric_allowed and established < REFORM_DATE:
            return f"{self._digits.next():08d}"
        value = self._ma.next()
        chars = []
        for _ in range(6):
            value, digit = divmod(value, len(ALPHABET))
            chars.append(ALPHABET[digit])
        return "MA" + "".join(reversed(chars))


class _Bijection:
    """i ↦ (a·i + b) mod m, a permutation of range(m) when gcd(a, m) = 1."""

    def __init__(self, modulus: int, multiplier: int, offset: int) -> None:
        if gcd(multiplier, modulus) != 1:
            raise ValueError("multiplier must be coprime with the modulus")
        self._m, self._a, self._b = modulus, multiplier, offset % modulus
        self._i = 0

    def next(self) -> int:
        if self._i >= self._m:
            raise OverflowError("code space exhausted")
        value = (self._a * self._i + self._b) % self._m
        self._i += 1
        return value


class PersonIds:
    """Distinct person ids `P` + 10 digits in scrambled order."""

    def __init__(self, offset: int) -> None:
        """`offset` comes from the seed."""
        self._ids = _Bijection(10**10, 6_364_136_223, offset)

    def next(self) -> str:
        """The next unused id."""
        return f"P{self._ids.next():010d}"


def is_valid(code: str) -> bool:
    """stdnum's verdict (format and check character)."""
    return bool(stdnum_uscc.is_valid(code))
