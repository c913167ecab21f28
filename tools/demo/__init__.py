"""The seeded, deterministic demo fleet (:mod:`tools.demo.generator`, in the MDM export formats)
and the storage-cost calibration samples (:mod:`tools.demo.calibration_sample`,
:mod:`tools.demo.calibration`).

Synthetic data only, never imported by the data-access layer (an import contract in
``pyproject.toml``): the generator writes export files that :mod:`tools.data.ingest` reads like
any MDM export.
"""
