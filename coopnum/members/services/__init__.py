"""Operations of the members domain (plain values in, DomainError out; the caller commits)."""
