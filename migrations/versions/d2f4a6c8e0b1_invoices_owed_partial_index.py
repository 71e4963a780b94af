"""Invoices: the balances read from a partial index of the invoices still owed (ix_invoices_owed), which replaces
the index of every invoice's balance columns (ix_invoices_balance)

Revision ID: d2f4a6c8e0b1
Revises: c7e9a2b4d6f8
Create Date: 2026-12-07 20:10:00
"""
import sqlalchemy as sa
from alembic import op


revision = 'd2f4a6c8e0b1'
down_revision = 'c7e9a2b4d6f8'
branch_labels = None
depends_on = None

COLUMNS = ['status', 'kind', 'organisation_id', 'due_date', 'total_incl_cents', 'credited_cents', 'paid_cents']
OWED_WHERE = "total_incl_cents - credited_cents - paid_cents > 0"


def upgrade() -> None:
    op.create_index('ix_invoices_owed', 'invoices', COLUMNS, unique=False,
                    sqlite_where=sa.text(OWED_WHERE), postgresql_where=sa.text(OWED_WHERE))
    op.drop_index('ix_invoices_balance', table_name='invoices')


def downgrade() -> None:
    op.create_index('ix_invoices_balance', 'invoices', COLUMNS, unique=False)
    op.drop_index('ix_invoices_owed', table_name='invoices')
