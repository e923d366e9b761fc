"""Who may see and do what: the one policy module every resolver asks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jointsup.errors import JointsupError


class Role(StrEnum):
    """The kinds of API user."""

    COORDINATOR = "coordinator"
    INVESTIGATOR = "investigator"
    PARTNER = "partner"
    ADMIN = "admin"


class Forbidden(JointsupError):
    """The caller is authenticated but not allowed this."""

    code = "FORBIDDEN"


class Unauthenticated(JointsupError):
    """No valid bearer token."""

    code = "UNAUTHENTICATED"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request."""

    token_id: str
    role: Role
    region: str | None = None
    department: str | None = None


def sees_personal_data(principal: Principal) -> bool:
    """Whether people's names and ids are shown unmasked (domain.md: shared only when needed)."""
    return principal.role in (Role.COORDINATOR, Role.INVESTIGATOR, Role.ADMIN)


def require_role(principal: Principal, *roles: Role) -> None:
    """Raise Forbidden unless the caller holds one of `roles` (admins hold every role)."""
    if principal.role is not Role.ADMIN and principal.role not in roles:
        raise Forbidden(f"this needs the role {' or '.join(roles)}")


def mask_name(name: str) -> str:
    """张三丰 → 张**: the family name stays, the rest is masked."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def require_internal(principal: Principal) -> None:
    """Supervision planning, jurisdictions and clues are for the region's own agencies.

    Registration data is public (国家企业信用信息公示系统) and partners may read it, masked;
    what a partner may see of clues is only what was shared with it (the clue exchange).
    """
    require_role(principal, Role.COORDINATOR, Role.INVESTIGATOR)
