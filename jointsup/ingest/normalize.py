"""Pure normalisers for fields of dirty registry and complaint exports."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, ValidationError


class FieldError(Exception):
    """A field's value is unusable; the row is rejected with this reason."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def required(fields: dict[str, str], name: str) -> str:
    """A field's trimmed value, refusing the row when it is empty."""
    value = fields[name].strip()
    if not value:
        raise FieldError(name, "is empty")
    return value


_SPACES = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_TRAILING_STOPS = re.compile(r"[，,。.]+$")
_NON_DIGITS = re.compile(r"\D")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")


def half_width(text: str) -> str:
    """Full-width letters, digits and punctuation to their ASCII forms; invisible marks removed."""
    if text.isascii():  # NFKC leaves ASCII as it is, and no invisible mark is ASCII
        return text
    return unicodedata.normalize("NFKC", text).translate(_INVISIBLE)


def clean_name(text: str) -> str:
    """An enterprise or person name: NFKC, no inner spaces, Chinese brackets kept as （）."""
    name = _SPACES.sub("", half_width(text))
    return name.replace("(", "（").replace(")", "）")


def normalize_address(text: str) -> str:
    """An address in a canonical form, so that one place written two ways is one node."""
    addr = _SPACES.sub("", half_width(text))
    addr = addr.replace("(", "（").replace(")", "）").replace("#", "号")
    return _TRAILING_STOPS.sub("", addr)


def normalize_phone(text: str) -> str:
    """Digits only, without the +86 country prefix; an area code keeps its leading 0."""
    digits = _NON_DIGITS.sub("", half_width(text))
    if digits.startswith("86") and len(digits) in (13, 12, 13):
        digits = digits[2:]
    return digits


def check_phone(field: str, text: str) -> str | None:
    """A plausible Chinese phone number (mobile or landline with area code), or None if empty."""
    if not text:
        return None
    digits = normalize_phone(text)
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    raise FieldError(field, f"{text!r} is not a mobile or landline number")


def parse_uscc(field: str, text: str) -> tuple[str, bool]:
    """A normalised USCC and whether its check character holds; raises on a malformed code."""
    code = text if _USCC_SHAPE.match(text) else _SPACES.sub("", half_width(text)).upper()
    if not code:
        raise FieldError(field, "is empty")
    if _USCC_SHAPE.match(code):
        # The shape is stdnum's own format rule; skipping its re-cleaning of an already clean
        # code halves the cost of the commonest check of a registry load.
        return code, stdnum_uscc.calc_check_digit(code[:17]) == code[17]
    try:
        stdnum_uscc.validate(code)
    except InvalidChecksum:
        return code, False
    except ValidationError as exc:
        raise FieldError(field, f"{text!r} is not a unified social credit code ({exc})") from None
    return code, True


_USCC_SHAPE = re.compile(r"^[0-9]{8}[0-9ABCDEFGHJKLMNPQRTUWXY]{10}$")


def uscc_ref(field: str, text: str) -> str:
    """A normalised USCC that names an enterprise (a person's role, an inspection's target);
    raises on a malformed code. The check character is not recomputed: it is the enterprise
    row's business (a warning there), and the row referring to it must find the enterprise."""
    if _USCC_SHAPE.match(text):
        return text
    return parse_uscc(field, text)[0]


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def parse_date(field: str, text: str, *, required: bool = True) -> str | None:
    """An ISO date from the common written forms (2021-03-05, 2021/3/5, 20210305, 2021年3月5日)."""
    value = half_width(text).strip()
    if not value:
        if required:
            raise FieldError(field, "is empty")
        return None
    value = value.split("T")[0].split(" ")[0]
    for pattern in _DATE_PATTERNS:
        if m := pattern.match(value):
            try:
                return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                break
    raise FieldError(field, f"{text!r} is not a date")


def parse_datetime(field: str, text: str) -> str:
    """An ISO timestamp (date, or date and time) as written; the date part must be valid."""
    value = half_width(text).strip().replace(" ", "T", 1)
    day = parse_date(field, value)
    return value if "T" in value else str(day)


def parse_month(field: str, text: str) -> str:
    """A YYYY-MM month."""
    value = half_width(text).strip().replace("/", "-")
    if (m := re.fullmatch(r"(\d{4})-?(\d{1,2})", value)) and 1 <= int(m[2]) <= 12:
        return f"{m[1]}-{int(m[2]):02d}"
    raise FieldError(field, f"{text!r} is not a YYYY-MM month")


_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f", ""}


def parse_bool(field: str, text: str) -> bool:
    """true/false in the usual spellings (empty is false)."""
    value = half_width(text).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise FieldError(field, f"{text!r} is not true or false")


def parse_ratio(field: str, text: str) -> float | None:
    """A ratio in [0, 1], written 0.6 or 60%; None when empty."""
    value = half_width(text).strip()
    if not value:
        return None
    try:
        ratio = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise FieldError(field, f"{text!r} is not a number") from None
    if not 0 <= ratio <= 1:
        raise FieldError(field, f"{text!r} is not between 0 and 1")
    return round(ratio, 6)


def split_list(text: str, sep: str = "|") -> list[str]:
    """A separated list, trimmed, empties dropped, order and first occurrence kept."""
    return list(dict.fromkeys(p.strip() for p in half_width(text).split(sep) if p.strip()))
