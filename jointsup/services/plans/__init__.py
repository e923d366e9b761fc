"""Joint random inspection planning (双随机、一公开 with merged cross-department visits)."""

from jointsup.services.plans.results import OUTCOMES, Outcome, ResultInput, record_result
from jointsup.services.plans.service import (
    CREATED,
    DRAWN,
    RedrawCheck,
    checks_of,
    create_plan,
    draw_plan,
    get_plan,
    redraw,
    spec_of,
    visits_page,
)
from jointsup.services.plans.spec import ALGORITHM, PlanSpec, parse_plan

__all__ = [
    "ALGORITHM", "CREATED", "DRAWN", "OUTCOMES", "Outcome", "PlanSpec", "RedrawCheck",
    "ResultInput",
    "checks_of", "create_plan", "draw_plan", "get_plan", "parse_plan", "record_result", "redraw",
    "spec_of", "visits_page",
]
