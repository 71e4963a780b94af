"""ECB rates per semester (late interest); the Chorus Pro references of an organisation

Revision ID: d4e7a1b9c2f3
Revises: c256095cf7ff
Create Date: 2026-12-07 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import coopnum.core.db


revision = 'd4e7a1b9c2f3'
down_revision = 'c256095cf7ff'
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chorus_service_code', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('chorus_engagement_number', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True))
        batch_op.add_column(sa.Column('chorus_engagement_required', sa.Boolean(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('chorus_engagement_required')
        batch_op.drop_column('chorus_engagement_number')
        batch_op.drop_column('chorus_service_code')
    op.drop_table('ecb_rates')
