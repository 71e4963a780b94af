"""The territory of an organisation: the INSEE codes of its communes (an EPCI's member communes)

Revision ID: a7c3e5f1b2d4
Revises: d4e7a1b9c2f3
Create Date: 2026-12-07 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e5f1b2d4'
down_revision = 'd4e7a1b9c2f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('territory', sa.Text(), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('territory')
