"""policyx pipeline: ingest, normalize, segment, resolve, compare, export."""

__version__ = "0.1.0"
