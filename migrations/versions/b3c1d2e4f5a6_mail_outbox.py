"""mail outbox: every mail written with the action that causes it, sent after the commit by the mail job

Revision ID: b3c1d2e4f5a6
Revises: 6f15452362d7
Create Date: 2026-12-06 22:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import coopnum.core.db


revision = 'b3c1d2e4f5a6'
down_revision = '6f15452362d7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('outbox_mails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('about_type', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('about_id', sa.Integer(), nullable=True),
    sa.Column('recipients', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('reply_to', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('created_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', coopnum.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_outbox_mails_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_mails'))
    )
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_mails_about_id'), ['about_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_mails_status'), ['status'], unique=False)

    op.create_table('outbox_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mail_id', sa.Integer(), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('mimetype', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['mail_id'], ['outbox_mails.id'], name=op.f('fk_outbox_attachments_mail_id_outbox_mails'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attachments'))
    )
    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attachments_mail_id'), ['mail_id'], unique=False)

    with op.batch_alter_table('invoice_sendings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outbox_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invoice_sendings_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_invoice_sendings_outbox_id_outbox_mails'), 'outbox_mails', ['outbox_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('invoice_sendings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoice_sendings_outbox_id_outbox_mails'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invoice_sendings_outbox_id'))
        batch_op.drop_column('outbox_id')

    with op.batch_alter_table('outbox_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attachments_mail_id'))

    op.drop_table('outbox_attachments')
    with op.batch_alter_table('outbox_mails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_mails_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_kind'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_created_at'))
        batch_op.drop_index(batch_op.f('ix_outbox_mails_about_id'))

    op.drop_table('outbox_mails')
