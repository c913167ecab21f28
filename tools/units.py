"""Units and the one rounding policy.

REN 1.000/2021 art. 657: no truncation or rounding while computing; round only what is
shown on the bill, money to 2 decimals (ABNT NBR 5891, taken as round-half-even —
UNCONFIRMED, see docs). Money is always :class:`decimal.Decimal`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")

WH_PER_KWH = 1000
DECIVOLT = Decimal("0.1")  # voltage stored in 0.1 V
CENTIAMP = Decimal("0.01")  # current stored in 0.01 A


def d(x: object) -> Decimal:
    """Decimal from int/str/float without binary-float noise (floats go through repr)."""
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        return Decimal(repr(x))
    return Decimal(str(x))


def money(x: Decimal) -> Decimal:
    """Round a monetary amount for display on a bill line (2 decimals, half-even)."""
    return x.quantize(CENT, rounding=ROUND_HALF_EVEN)


def wh_to_kwh(wh: int | float) -> Decimal:
    return d(wh) / WH_PER_KWH
