"""One module per kind of input file; `DATASETS` lists them in dependency order."""
