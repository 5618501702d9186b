"""Server-side drivers, called from the extension's thin PL/Python bodies.

Only :mod:`indb_ml.server.session` touches ``plpy``; drivers receive a
:class:`~indb_ml.server.session.Session` and kernels receive numpy arrays.
"""
