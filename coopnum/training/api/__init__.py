"""The training's JSON API: /api/v1/skills, /api/v1/people/{id}/skills, /api/v1/training-sessions (+ attendance)."""

from coopnum.training.api import sessions, skills  # noqa: F401
