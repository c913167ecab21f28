"""Reference data and its only loader, one module per topic.

* :mod:`tools.reference.billing` — tariffs, bandeiras, taxes, CIP, SCEE, postos, holidays, rules
  (``data/*.toml``): :func:`load_reference`.
* :mod:`tools.reference.quality` — PRODIST Modulo 8 limits and compensation (``quality_limits.json``).
* :mod:`tools.reference.deadlines` — regulated service deadlines (``deadlines.json``).
* :mod:`tools.reference.places` — official spelling of the municipalities (``data/places.toml``).
* :mod:`tools.reference.prices` — cloud price catalogues of the storage-cost estimator.

Files are read here (importlib.resources, floats as :class:`decimal.Decimal`) and parsed into the
typed values of :mod:`tools.domain`; the domain never opens a file.
"""

from tools.reference.billing import ReferenceData, load_reference, read_file, reference_files

__all__ = ["ReferenceData", "load_reference", "read_file", "reference_files"]
