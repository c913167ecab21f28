"""Scale fleets: the demo's statistical model written straight into a store's lake (no CSV).

:func:`tools.data.scale.generator.build_direct` is what ``smartmeter demo-data --direct`` runs.
"""
