"""Demo data: seekers and offers drawn from real French reference data, deterministic by seed."""
