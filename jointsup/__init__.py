"""jointsup: a knowledge graph for joint market supervision (联合监管) in Sichuan and Chongqing."""

__version__ = "0.1.0"
