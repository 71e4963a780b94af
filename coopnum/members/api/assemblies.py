"""API: assemblies, attendance, resolutions, ballots, results, governance settings."""
