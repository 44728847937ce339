"""The reference case server of OpenCityCommand (FastAPI + SQLAlchemy 2)."""
