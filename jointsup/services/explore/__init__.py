"""Investigator exploration: subgraphs, suspected relations, clusters and communities."""
