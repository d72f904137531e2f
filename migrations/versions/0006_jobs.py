"""jobs

Background jobs (mail batches, later large exports): one row per job with its progress
and outcome, and on every mail log the job that sent it, so a retried job skips whoever
it already logged. Existing mail logs get no job (they were sent inside a request).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    # Reviewed: the jobs table and MailLog.job_id of intake/models.py. A new table needs no
    # batch copy; the new column and its foreign key on mail_log do on SQLite (batch mode
    # copies the table, keeping its rows), and are a plain ALTER on PostgreSQL.
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=50), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=True),
    sa.Column('started_by', sa.String(length=200), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('lock_key', sa.String(length=100), nullable=True),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_status')),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_jobs_questionnaire_id_questionnaires'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('lock_key', name=op.f('uq_jobs_lock_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_questionnaire_id_created_at', ['questionnaire_id', 'created_at'], unique=False)

    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('job_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_mail_log_job_id'), ['job_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_mail_log_job_id_jobs'), 'jobs', ['job_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Reviewed: drops MailLog.job_id (the mail logs stay) and the jobs table.
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_mail_log_job_id_jobs'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_mail_log_job_id'))
        batch_op.drop_column('job_id')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_questionnaire_id_created_at')

    op.drop_table('jobs')
