"""Condense for PySpark: thin wrappers over the JVM stages in the Condense jar (see condense.ml)."""
