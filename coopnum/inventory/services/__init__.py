"""Operations of the inventory domain (services take plain values and `now`, raise DomainError, never commit)."""
