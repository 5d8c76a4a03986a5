"""Prices of hosted models, to turn token counts into cost.

US dollars per million tokens (input, output), standard tier, as the provider published them
in 2025. Prices change: update this table when they do.
The local model costs nothing; an unknown model has no cost (``None``), never a guess. The
Batch API bills half price.
"""

from __future__ import annotations

__all__ = ["PRICES", "call_cost", "priced_calls"]

PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o4-mini": (1.10, 4.40),
}
BATCH_DISCOUNT = 0.5


def _price(model_label: str) -> tuple[float, float] | None:
    backend, _, model = model_label.partition(":")
    if backend == "local":
        return (0.0, 0.0)
    if backend != "openai":
        return None
    # dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs
    for name in sorted(PRICES, key=len, reverse=True):
        if model == name or model.startswith(name + "-20"):
            return PRICES[name]
    return None


def call_cost(
    model_label: str, prompt_tokens: int, completion_tokens: int, *, batch: bool = False
) -> float | None:
    """Dollars for one call to ``model_label`` (``backend:model``), or None if unknown."""
    price = _price(model_label)
    if price is None:
        return None
    cost = (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
    return cost * (BATCH_DISCOUNT if batch else 1.0)


def priced_calls(
    model_label: str, calls: list[tuple[int, int]], *, batch: bool = False
) -> list[tuple[int, int, float | None]]:
    """``(prompt, completion)`` token pairs, each with its cost."""
    return [(p, c, call_cost(model_label, p, c, batch=batch)) for p, c in calls]
