"""Graph algorithms over a vertex table and an edge table (MADlib's graph module).

Loading and output tables: :mod:`indb_ml.graph.edges`; plan choice (sparse in memory or
relational): :mod:`indb_ml.graph.plan`; algorithms: :mod:`.pagerank`, :mod:`.wcc`,
:mod:`.hits`, :mod:`.degrees`; the relational plan: :mod:`.relational`.
"""
