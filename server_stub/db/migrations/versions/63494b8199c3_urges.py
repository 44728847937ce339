"""urges: a leader's 催办 / 督办 of a case, the department it went to and that department's reply

Revision ID: 63494b8199c3
Revises: e8b4c6a1f253
Create Date: 2026-12-02 14:07:42
"""
from alembic import op
import sqlalchemy as sa
import server_stub.db.types


revision = '63494b8199c3'
down_revision = 'e8b4c6a1f253'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('urges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('reply_due', sa.Date(), nullable=True),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=100), nullable=True),
    sa.Column('at', server_stub.db.types.UTCDateTime(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('reply_by_id', sa.Integer(), nullable=True),
    sa.Column('reply_by_name', sa.String(length=100), nullable=True),
    sa.Column('reply_at', server_stub.db.types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], ),
    sa.ForeignKeyConstraint(['event_id'], ['case_events.id'], ),
    sa.ForeignKeyConstraint(['reply_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_urges_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_urges_department_at', ['department_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('urges', schema=None) as batch_op:
        batch_op.drop_index('ix_urges_department_at')
        batch_op.drop_index(batch_op.f('ix_urges_case_id'))

    op.drop_table('urges')
