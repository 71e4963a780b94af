"""General assemblies: convening, convocations, attendance and proxies, resolutions, votes, tally, minutes."""
