"""The rule models, one module each; importing this package registers them all."""

from __future__ import annotations

from jointsup.services.risk.models import (
    acute_harm,
    complaint_surge,
    cross_region,
    licence_shared,
    person_companies,
    prepaid_cluster,
    repeat_violation,
    same_address,
    serious_new_company,
    special_equipment,
    trade_surge,
)

__all__ = ["acute_harm", "complaint_surge", "cross_region", "licence_shared",
           "person_companies", "prepaid_cluster", "repeat_violation", "same_address",
           "serious_new_company", "special_equipment", "trade_surge"]
