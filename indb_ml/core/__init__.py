"""Plumbing shared by every server-side driver: the plpy session (the one quoting path),
relations, feature expressions, groups, parameters, output tables and chunked scans.

Only :mod:`indb_ml.core.session` touches ``plpy``; drivers receive a
:class:`~indb_ml.core.session.Session` and kernels receive numpy arrays.
"""
