"""login lockout: consecutive failed logins and the time an account was locked

Revision ID: a3f9d2c14e67
Revises: 7b1e5c0a9d21
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import server_stub.db.types


revision = 'a3f9d2c14e67'
down_revision = '7b1e5c0a9d21'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_at', server_stub.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_at')
        batch_op.drop_column('failed_logins')
