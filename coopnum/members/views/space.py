"""The member's own space: shares and certificate, assemblies and convocations, proxies, ballots, minutes."""
