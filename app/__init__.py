"""OpenCityCommand: the command-centre client for digital urban management (数字城管).

This package must stay importable without Qt: the server imports `app.domain`.
"""
__version__ = "0.1.0"
