"""video wall: cameras' sub stream, field of view and range; a case photo's camera and stream time

Revision ID: e8b4c6a1f253
Revises: 5d1e7c3b9a40
Create Date: 2026-12-02 14:20:00
"""
from alembic import op
import sqlalchemy as sa
import server_stub.db.types


revision = 'e8b4c6a1f253'
down_revision = '5d1e7c3b9a40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sub_stream_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('fov_deg', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('range_m', sa.Float(), nullable=True))
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('camera_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('stream_time', server_stub.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('case_photos', schema=None) as batch_op:
        batch_op.drop_column('stream_time')
        batch_op.drop_column('camera_id')
    with op.batch_alter_table('cameras', schema=None) as batch_op:
        batch_op.drop_column('range_m')
        batch_op.drop_column('fov_deg')
        batch_op.drop_column('sub_stream_url')
