"""test respondents

Authors preview a questionnaire as an imaginary or copied respondent; those respondents
are flagged ``is_test`` and left out of every figure, export and mailing (see
``intake.services.scope``). Every existing respondent is a real one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_test', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade():
    op.execute("DELETE FROM respondents WHERE is_test")
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.drop_column('is_test')
