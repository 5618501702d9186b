"""The model catalog (versions, lineage, deployment) and incremental refresh of models."""
