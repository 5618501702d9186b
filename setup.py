"""indb_ml: machine learning inside PostgreSQL.

One package serves two interpreters: the client's Python (psycopg 3, the
``indb-ml`` command) and the server's PL/Python, which imports the same
modules from the system Python that plpython3u was built for.
"""

from setuptools import find_packages, setup

setup(
    name="indb_ml",
    version="0.2.0",
    description="Machine learning inside PostgreSQL (MADlib-compatible SQL API)",
    packages=find_packages(include=["indb_ml", "indb_ml.*"]),
    package_data={"indb_ml": ["data/*.csv"]},
    python_requires=">=3.9",
    install_requires=["numpy>=1.22,<3"],
    extras_require={
        # Bounded ranges: a new upstream major must not break main unnoticed.
        # What the server's Python needs (installed by `make setup`).
        "server": ["numpy>=2,<3", "pyarrow>=14,<30", "scipy>=1.10,<2"],
        # What the client and the command line need.
        # (table results are pandas DataFrames; TableResult.to_arrow() makes an Arrow table).
        "client": ["psycopg[binary]>=3.1,<4", "SQLAlchemy>=2,<3", "pandas>=2,<4", "pyarrow>=14,<30", "tqdm>=4.60,<5"],
        # The client's pictures (indb_ml.client.plots), imported only when a plot is drawn.
        "plots": ["matplotlib>=3.7,<4"],
        "test": [
            "pytest>=8,<10",
            "pytest-postgresql>=10,<11",
            "statsmodels>=0.14,<0.16",
            "scikit-learn>=1.5,<2",
            "networkx>=3.2,<4",
            "pandas>=2,<4",
            "scipy>=1.10,<2",
            "ruff>=0.17,<0.18",
            "hypothesis>=6.100,<7",
        ],
        # make docs: the documentation site (pinned: the build runs with warnings as errors).
        "docs": ["mkdocs==1.6.1", "mkdocs-material==9.8.2"],
    },
    entry_points={"console_scripts": ["indb-ml=indb_ml.cli.main:main"]},
)
