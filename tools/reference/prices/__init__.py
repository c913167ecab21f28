"""Price catalogues of the cost estimator (package data, loaded by tools.api.cost_prices)."""
