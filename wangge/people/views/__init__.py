"""The registry's pages, one module per page group: the registry home and visits due
(`registry`), a grid's places (`grids`), a house (`houses`), a person (`persons`) and the log
of reveals (`audit`)."""
