"""deadline and scheduled reminders

A deadline the admin sets on a questionnaire (empty: the one in its file), and on a
mail log the day of the scheduled reminder it belongs to, so the worker sends each
scheduled reminder at most once per respondent. Both columns are nullable: existing
rows keep no deadline of their own and no scheduled day.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: Questionnaire.deadline and MailLog.scheduled_for of intake/models.py.
    # Batch mode copies the table on SQLite (keeping its rows); a plain ALTER on PostgreSQL.
    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))

    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_for', sa.Date(), nullable=True))


def downgrade():
    # Reviewed: drops both columns; the rows stay.
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_column('scheduled_for')

    with op.batch_alter_table('questionnaires', schema=None) as batch_op:
        batch_op.drop_column('deadline')
