"""Price catalogues of the cost estimator (package data) and their loader (:mod:`.catalogue`)."""
