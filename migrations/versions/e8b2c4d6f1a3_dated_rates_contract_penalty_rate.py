"""Dated rates of several kinds (the ECB rate, the legal interest rate) in one table; the late-penalty rate a
convention sets, frozen on its invoices at issue

Revision ID: e8b2c4d6f1a3
Revises: a7c3e5f1b2d4
Create Date: 2026-12-08 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import coopnum.core.db


revision = 'e8b2c4d6f1a3'
down_revision = 'a7c3e5f1b2d4'
branch_labels = None
depends_on = None

COLUMNS = "valid_from, rate_bp, updated_at, updated_by_id"


def upgrade() -> None:
    op.create_table('dated_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('updated_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_dated_rates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dated_rates')),
    sa.UniqueConstraint('kind', 'valid_from', name=op.f('uq_dated_rates_kind_valid_from'))
    )
    op.execute(f"INSERT INTO dated_rates (kind, {COLUMNS}) SELECT 'ecb', {COLUMNS} FROM ecb_rates")
    op.drop_table('ecb_rates')
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('penalty_rate_bp', sa.Integer(), nullable=True))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('penalty_rate_bp', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('penalty_rate_bp')
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.drop_column('penalty_rate_bp')
    op.create_table('ecb_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('rate_bp', sa.Integer(), nullable=False),
    sa.Column('updated_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_ecb_rates_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ecb_rates')),
    sa.UniqueConstraint('valid_from', name=op.f('uq_ecb_rates_valid_from'))
    )
    op.execute(f"INSERT INTO ecb_rates ({COLUMNS}) SELECT {COLUMNS} FROM dated_rates WHERE kind = 'ecb'")
    op.drop_table('dated_rates')
