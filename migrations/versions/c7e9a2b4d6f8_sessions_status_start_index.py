"""Sessions: the index on the status becomes (status, start), to find the sessions still to confirm

Revision ID: c7e9a2b4d6f8
Revises: b4d6f8a1c3e5
Create Date: 2026-12-07 18:05:00
"""
from alembic import op


revision = 'c7e9a2b4d6f8'
down_revision = 'b4d6f8a1c3e5'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sessions_status_start', 'sessions', ['status', 'start'], unique=False)
    op.drop_index('ix_sessions_status', table_name='sessions')


def downgrade() -> None:
    op.create_index('ix_sessions_status', 'sessions', ['status'], unique=False)
    op.drop_index('ix_sessions_status_start', table_name='sessions')
