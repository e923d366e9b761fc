"""Reference data: GB/T 2260 regions, GB/T 4754-2017 industries, laws with their articles."""

from jointsup.ingest.reference.loader import bundled_reference, load_reference, read_reference

__all__ = ["bundled_reference", "load_reference", "read_reference"]
