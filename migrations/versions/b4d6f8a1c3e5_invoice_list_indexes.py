"""Invoices: the lists' order and the balances (summary, dashboard, ageing, overdue) read from indexes; the index on
(status, due_date) goes

Revision ID: b4d6f8a1c3e5
Revises: e8b2c4d6f1a3
Create Date: 2026-12-07 17:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b4d6f8a1c3e5'
down_revision = 'e8b2c4d6f1a3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_invoices_list_order', 'invoices',
                    ['status', sa.text('issue_date DESC'), sa.text('id DESC')], unique=False)
    op.create_index('ix_invoices_balance', 'invoices',
                    ['status', 'kind', 'organisation_id', 'due_date', 'total_incl_cents', 'credited_cents',
                     'paid_cents'], unique=False)
    op.drop_index('ix_invoices_status_due_date', table_name='invoices')


def downgrade() -> None:
    op.create_index('ix_invoices_status_due_date', 'invoices', ['status', 'due_date'], unique=False)
    op.drop_index('ix_invoices_balance', table_name='invoices')
    op.drop_index('ix_invoices_list_order', table_name='invoices')
