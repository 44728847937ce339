"""FastAPI routers, one module per area. Routers stay thin: validation in schemas, work in services."""
