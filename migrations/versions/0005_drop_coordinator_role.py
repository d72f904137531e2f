"""drop coordinator role

Every account is a VVSG admin: coordinators sign in through their personal link only,
so users.role and users.respondent_id go, with their constraints. An account with
another role could never sign in; without the column it would become an admin, so
such accounts are deleted first (with their sign-ins).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM users WHERE role <> 'admin'")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_coordinator_has_respondent'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.drop_constraint(op.f('fk_users_respondent_id_respondents'), type_='foreignkey')
        batch_op.drop_column('respondent_id')
        batch_op.drop_column('role')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=20), nullable=False,
                                      server_default='admin'))
        batch_op.add_column(sa.Column('respondent_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_users_respondent_id_respondents'), 'respondents',
                                    ['respondent_id'], ['id'], ondelete='CASCADE')
        batch_op.create_check_constraint(op.f('ck_users_role'),
                                         sa.text("role IN ('admin', 'coordinator')"))
        batch_op.create_check_constraint(op.f('ck_users_coordinator_has_respondent'),
                                         sa.text("role = 'admin' OR respondent_id IS NOT NULL"))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)
