"""A compact, deterministic membership filter that keeps names, addresses and phones unique."""

from __future__ import annotations

import hashlib


class SeenFilter:
    """A Bloom filter: false positives only cause a redraw, so output stays deterministic and lean.

    A Python set of a million addresses would cost hundreds of megabytes; this costs ~2 MB.
    """

    def __init__(self, capacity: int, bits_per_item: int = 16, hashes: int = 4) -> None:
        """Size the filter for `capacity` items."""
        self._bits = max(1 << 16, capacity * bits_per_item)
        self._array = bytearray(self._bits // 8 + 1)
        self._hashes = hashes

    def _positions(self, text: str) -> list[int]:
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=8 * self._hashes).digest()
        return [int.from_bytes(digest[i * 8:(i + 1) * 8], "little") % self._bits
                for i in range(self._hashes)]

    def __contains__(self, text: object) -> bool:
        """True when `text` was (probably) added before."""
        if not isinstance(text, str):
            return False
        return all(self._array[p >> 3] & (1 << (p & 7)) for p in self._positions(text))

    def add(self, text: str) -> bool:
        """Add `text`; False when it was (probably) present already."""
        fresh = False
        for p in self._positions(text):
            mask = 1 << (p & 7)
            if not self._array[p >> 3] & mask:
                fresh = True
                self._array[p >> 3] |= mask
        return fresh
