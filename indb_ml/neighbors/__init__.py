"""k-nearest neighbours over pgvector."""
