"""rename organisation to respondent

The registry entry is a respondent everywhere (a later change adds person respondents
and anonymous open-link respondents, which are no organisations): the tables
organisations and organisation_items become respondents and respondent_items, every
organisation_id column becomes respondent_id, and the indexes, constraints (named by
the convention in intake/extensions.py) and PostgreSQL sequences follow. No row changes.

PostgreSQL renames in place. SQLite renames the tables and columns in place (SQLite
rewrites the references in other tables), then rebuilds each table in batch mode to
carry the new constraint names; migrations/env.py turns foreign-key enforcement off
while migrating, so dropping the old copy of a table deletes nothing that refers to it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TABLES = [('organisations', 'respondents'), ('organisation_items', 'respondent_items')]
# Tables with an organisation_id column (named as after the table renames).
COLUMN_TABLES = ['contacts', 'respondent_items', 'invitations', 'mail_log', 'responses',
                 'users', 'audit_events']


def _names(old, new):
    """Every name that changes, as (kind, table, old name, new name); ``old`` and ``new``
    are 'organisation' and 'respondent' or the reverse (for the downgrade)."""
    def o(text):
        return text.replace('{}', old)

    def n(text):
        return text.replace('{}', new)

    return [
        ('index', n('{}s'), o('ix_{}s_questionnaire_id'), n('ix_{}s_questionnaire_id')),
        ('index', 'contacts', o('ix_contacts_{}_id'), n('ix_contacts_{}_id')),
        ('index', 'invitations', o('ix_invitations_{}_id'), n('ix_invitations_{}_id')),
        ('index', 'mail_log', o('ix_mail_log_{}_id'), n('ix_mail_log_{}_id')),
        ('index', n('{}_items'), o('ix_{}_items_catalogue_code'), n('ix_{}_items_catalogue_code')),
        ('index', 'audit_events', o('ix_audit_events_{}_id'), n('ix_audit_events_{}_id')),
        ('primary', n('{}s'), o('pk_{}s'), n('pk_{}s')),
        ('primary', n('{}_items'), o('pk_{}_items'), n('pk_{}_items')),
        ('unique', n('{}s'), o('uq_{}s_questionnaire_id_code'), n('uq_{}s_questionnaire_id_code')),
        ('unique', n('{}s'), o('uq_{}s_questionnaire_id_pseudonym'),
         n('uq_{}s_questionnaire_id_pseudonym')),
        ('unique', n('{}_items'), o('uq_{}_items_{}_id_catalogue_code'),
         n('uq_{}_items_{}_id_catalogue_code')),
        ('unique', 'responses', o('uq_responses_{}_id'), n('uq_responses_{}_id')),
        ('check', n('{}s'), o('ck_{}s_kind'), n('ck_{}s_kind')),
        ('check', 'users', o('ck_users_coordinator_has_{}'), n('ck_users_coordinator_has_{}')),
        ('foreignkey', n('{}s'), o('fk_{}s_questionnaire_id_questionnaires'),
         n('fk_{}s_questionnaire_id_questionnaires')),
        ('foreignkey', 'contacts', o('fk_contacts_{}_id_{}s'), n('fk_contacts_{}_id_{}s')),
        ('foreignkey', n('{}_items'), o('fk_{}_items_{}_id_{}s'), n('fk_{}_items_{}_id_{}s')),
        ('foreignkey', 'invitations', o('fk_invitations_{}_id_{}s'), n('fk_invitations_{}_id_{}s')),
        ('foreignkey', 'mail_log', o('fk_mail_log_{}_id_{}s'), n('fk_mail_log_{}_id_{}s')),
        ('foreignkey', 'responses', o('fk_responses_{}_id_{}s'), n('fk_responses_{}_id_{}s')),
        ('foreignkey', 'users', o('fk_users_{}_id_{}s'), n('fk_users_{}_id_{}s')),
        ('foreignkey', 'audit_events', o('fk_audit_events_{}_id_{}s'),
         n('fk_audit_events_{}_id_{}s')),
    ]


def upgrade():
    _rename('organisation', 'respondent')


def downgrade():
    _rename('respondent', 'organisation')


def _rename(old, new):
    tables = TABLES if old == 'organisation' else [(b, a) for a, b in TABLES]
    column_tables = [t.replace('respondent', new) for t in COLUMN_TABLES]
    names = _names(old, new)
    for old_table, new_table in tables:
        op.rename_table(old_table, new_table)
    for table in column_tables:
        op.alter_column(table, f'{old}_id', new_column_name=f'{new}_id')
    if op.get_bind().dialect.name == 'postgresql':
        _rename_in_place(tables, names)
    else:
        _rebuild_with_new_names(names, new)


def _rename_in_place(tables, names):
    """PostgreSQL: rename sequences, indexes and constraints; nothing is copied."""
    for old_table, new_table in tables:
        op.execute(f'ALTER SEQUENCE {old_table}_id_seq RENAME TO {new_table}_id_seq')
    for kind, table, old_name, new_name in names:
        if kind == 'index':
            op.execute(f'ALTER INDEX {old_name} RENAME TO {new_name}')
        else:  # a primary or unique key renames its index with it
            op.execute(f'ALTER TABLE {table} RENAME CONSTRAINT {old_name} TO {new_name}')


def _rebuild_with_new_names(names, new):
    """SQLite: constraint names live in each table's CREATE statement, so each table is
    rebuilt (batch mode: copy, drop, rename) with the new names; indexes are recreated."""
    inspector = sa.inspect(op.get_bind())
    by_table = {}
    for kind, table, old_name, new_name in names:
        by_table.setdefault(table, []).append((kind, old_name, new_name))
    for table, renames in by_table.items():
        indexes = {i['name']: i for i in inspector.get_indexes(table)}
        uniques = {u['name']: u for u in inspector.get_unique_constraints(table)}
        checks = {c['name']: c for c in inspector.get_check_constraints(table)}
        foreign = {f['name']: f for f in inspector.get_foreign_keys(table)}
        primary = inspector.get_pk_constraint(table)
        with op.batch_alter_table(table, recreate='always') as batch_op:
            for kind, old_name, new_name in renames:
                if kind == 'index':
                    index = indexes[old_name]
                    batch_op.drop_index(op.f(old_name))
                    batch_op.create_index(op.f(new_name), index['column_names'],
                                          unique=bool(index['unique']))
                elif kind == 'primary':
                    assert primary['name'] == old_name, primary
                    batch_op.drop_constraint(op.f(old_name), type_='primary')
                    batch_op.create_primary_key(op.f(new_name), primary['constrained_columns'])
                elif kind == 'unique':
                    batch_op.drop_constraint(op.f(old_name), type_='unique')
                    batch_op.create_unique_constraint(op.f(new_name),
                                                      uniques[old_name]['column_names'])
                elif kind == 'check':
                    batch_op.drop_constraint(op.f(old_name), type_='check')
                    batch_op.create_check_constraint(op.f(new_name),
                                                     sa.text(checks[old_name]['sqltext']))
                else:
                    fk = foreign[old_name]
                    batch_op.drop_constraint(op.f(old_name), type_='foreignkey')
                    batch_op.create_foreign_key(
                        op.f(new_name), fk['referred_table'], fk['constrained_columns'],
                        fk['referred_columns'], ondelete=fk['options'].get('ondelete'),
                    )
