"""Clue exchange between two running instances (issue 6, second half; docs/exchange.md).

Modules: `config` (retry settings), `partners` (who we exchange with), `outbox` (messages written
in the move's own transaction), `deliver` (the worker that posts them), `receive` (the idempotent
receive and its receipt), `events` (the `clueEvents` feed). This package's `__init__` imports
nothing, so `services.clues.ops` can import `outbox` without an import cycle.
"""
