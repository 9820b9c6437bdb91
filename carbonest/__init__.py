"""carbonest: energy, carbon and water of machine-learning work, with the provenance of every number."""

__version__ = "0.1.0"
