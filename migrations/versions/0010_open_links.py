"""open links

A questionnaire whose population has ``open_link`` in ``access`` gets public links
(``open_links``): a random slug, who made it and when, optional opening and closing times,
a cap on submitted responses, and its revocation. Anyone with the link starts an
anonymous respondent (``respondents.open_link_id``) with the hash of a resume code and,
only until its resume link is mailed or the response is submitted, the address it is
mailed to. The mail log gets the kind ``resume`` (its address masked).

Downgrading is refused while an open-link respondent exists: its answers would have to go.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('invitation', 'reminder')"
NEW_KINDS = "kind IN ('invitation', 'reminder', 'resume')"


def upgrade():
    op.create_table('open_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('max_responses', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_open_links_questionnaire_id_questionnaires'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_open_links')),
    sa.UniqueConstraint('slug', name=op.f('uq_open_links_slug'))
    )
    with op.batch_alter_table('open_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_open_links_questionnaire_id'), ['questionnaire_id'], unique=False)

    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resume_code_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('resume_email', sa.String(length=320), nullable=True))
        batch_op.create_index(batch_op.f('ix_respondents_open_link_id'), ['open_link_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_respondents_open_link_id_open_links'), 'open_links', ['open_link_id'], ['id'])

    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mail_log_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mail_log_kind'), NEW_KINDS)


def downgrade():
    bind = op.get_bind()
    anonymous = bind.execute(sa.text(
        'SELECT count(*) FROM respondents WHERE open_link_id IS NOT NULL')).scalar()
    if anonymous:
        raise RuntimeError(
            f'{anonymous} respondents answered through an open link; revision 0009 cannot '
            'keep them apart from the registry. Export and remove them first.')
    with op.batch_alter_table('mail_log', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_mail_log_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_mail_log_kind'), OLD_KINDS)

    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_respondents_open_link_id_open_links'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_respondents_open_link_id'))
        batch_op.drop_column('resume_email')
        batch_op.drop_column('resume_code_hash')
        batch_op.drop_column('open_link_id')

    with op.batch_alter_table('open_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_open_links_questionnaire_id'))

    op.drop_table('open_links')
