"""Domain logic: what coordinators, partners and investigators ask, answered from the store."""
