"""Big-screen mode: the read-only view for the hall wall (python -m app --wall)."""
