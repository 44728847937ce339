"""device secrets: a `devices` table (device id → inspector, hash of the phone's own secret,
revocation); an inspector's current device becomes optional

Devices known before (inspectors.device_id) are carried over without a usable secret: their
positions are refused until an administrator issues one (`python -m server_stub devices add`).

Revision ID: 5d1e7c3b9a40
Revises: a3f9d2c14e67
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import server_stub.db.types


revision = '5d1e7c3b9a40'
down_revision = 'a3f9d2c14e67'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=True),
    sa.Column('created_at', server_stub.db.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', server_stub.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('device_id')
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('inspectors', schema=None) as batch_op:
        batch_op.alter_column('device_id', existing_type=sa.String(length=64), nullable=True)
    # '' matches no sha256: the device stays registered but needs a secret issued
    now = "CURRENT_TIMESTAMP" if op.get_bind().dialect.name == "sqlite" else "timezone('utc', now())"  # naive UTC
    op.execute("INSERT INTO devices (device_id, user_id, secret_hash, label, created_at) "
               f"SELECT device_id, user_id, '', 'registered before device secrets: issue one', {now} "
               "FROM inspectors WHERE device_id IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('inspectors', schema=None) as batch_op:
        batch_op.alter_column('device_id', existing_type=sa.String(length=64), nullable=False)
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_user_id'))
    op.drop_table('devices')
