"""Sessions and loans: their index on the status becomes (status, start) and (status, due_at), to find the sessions
still to confirm and the loans past due

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
    op.create_index('ix_loans_status_due_at', 'loans', ['status', 'due_at'], unique=False)
    op.drop_index('ix_loans_status', table_name='loans')


def downgrade() -> None:
    op.create_index('ix_loans_status', 'loans', ['status'], unique=False)
    op.drop_index('ix_loans_status_due_at', table_name='loans')
    op.create_index('ix_sessions_status', 'sessions', ['status'], unique=False)
    op.drop_index('ix_sessions_status_start', table_name='sessions')
