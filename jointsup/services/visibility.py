"""What of a person or a complaint a caller may read: masking on top of the policy module."""

from __future__ import annotations

import hashlib
import re

from jointsup.services.policy import Principal, mask_name, sees_personal_data

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def person_name(principal: Principal, name: str | None) -> str | None:
    """A person's name as the caller may see it (张三丰 → 张** for partners)."""
    if name is None or sees_personal_data(principal):
        return name
    return mask_name(name)


def person_id(principal: Principal, value: str | None) -> str | None:
    """A person id (internal id or `h:` hash) as the caller may see it: masked for partners."""
    if value is None or sees_personal_data(principal):
        return value
    return value[:2] + "*" * max(len(value) - 2, 1)


def opaque_person_key(principal: Principal, key: str) -> str:
    """The key a person's global id carries: the real one, or for partners a digest of it.

    A partner's Person ids are stable but not resolvable, so the id cannot leak what the
    masked fields hide.
    """
    if sees_personal_data(principal):
        return key
    return "~" + hashlib.sha256(key.encode()).hexdigest()[:20]


def free_text(principal: Principal, text: str | None) -> str | None:
    """Complaint text with mobile and identity numbers masked for callers without the right."""
    if text is None or sees_personal_data(principal):
        return text
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
