"""Operations of the training domain (services take plain values and `now`, raise DomainError, never commit)."""
