"""GraphQL object types: thin views of store nodes; every relation goes through a DataLoader."""

from __future__ import annotations

from typing import Any

from jointsup.model import Node as StoreNode
from jointsup.resolvers.types.activity import Clue, CreditRating, Inspection, ListEntry, RiskAlert
from jointsup.resolvers.types.applicability import (
    AffectedItem,
    ApplicableItem,
    DepartmentDuty,
    ResponsibleDepartment,
    SupervisedItem,
)
from jointsup.resolvers.types.catalog import (
    CheckImplementation,
    Department,
    SupervisionItem,
    legal_basis,
)
from jointsup.resolvers.types.common import ROLE_OF_TYPE, ROLE_RELS, Ctx, NodeInterface
from jointsup.resolvers.types.enterprise import (
    Enterprise,
    JointSupervision,
    enterprise_by_uscc,
    joint_supervision,
)
from jointsup.resolvers.types.geo import (
    Industry,
    Region,
    industry_chain,
    industry_parent_code,
    region_chain,
)
from jointsup.resolvers.types.law import Article, Law
from jointsup.resolvers.types.people import EnterpriseRole, Person, PersonRole

NODE_TYPES: dict[str, Any] = {
    "Enterprise": Enterprise, "Person": Person, "Department": Department,
    "SupervisionItem": SupervisionItem, "CheckImplementation": CheckImplementation, "Law": Law,
    "Article": Article, "Region": Region, "Industry": Industry, "Inspection": Inspection,
    "Clue": Clue, "RiskAlert": RiskAlert,
}


def wrap(node: StoreNode) -> NodeInterface | None:
    """The GraphQL object of a store node, or None when its label is not exposed."""
    cls = NODE_TYPES.get(node.label)
    return cls(raw=node) if cls else None


__all__ = [
    "NODE_TYPES", "ROLE_OF_TYPE", "ROLE_RELS", "AffectedItem", "ApplicableItem", "Article",
    "CheckImplementation", "Clue", "CreditRating", "Ctx", "Department", "DepartmentDuty",
    "Enterprise", "EnterpriseRole", "Industry", "Inspection", "JointSupervision", "Law",
    "ListEntry", "NodeInterface", "Person", "PersonRole", "Region", "ResponsibleDepartment",
    "RiskAlert", "SupervisedItem", "SupervisionItem", "enterprise_by_uscc", "industry_chain",
    "industry_parent_code", "joint_supervision", "legal_basis", "region_chain", "wrap",
]
