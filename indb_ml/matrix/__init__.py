"""Matrices held in tables: MADlib's dense and sparse formats, and our tiles."""
