"""The runtime: devices, quiet imports, the compile cache, the framework loader, the worker."""
