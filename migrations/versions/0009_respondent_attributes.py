"""respondent attributes from the questionnaire's declaration

A questionnaire now declares its population (``respondents:`` in the YAML): its kinds and
typed registry attributes. The kinds and the province are no longer fixed by the schema:
the CHECK on ``kind`` goes (the registry import checks kinds against the declaration),
and ``province`` and ``members`` move into ``attributes``, one JSON object per respondent
keyed by attribute id, as the default population declares them (``province``,
``members``). ``kind`` may be empty: an open-link answer of a population with several
kinds has none.

Downgrading is refused while a respondent has a kind outside the four or no province,
which the old schema could not hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OLD_KINDS = ('centrumstad', 'stad', 'gemeente', 'igs')
BATCH = 1000


def _respondents(*columns):
    return sa.table('respondents', sa.column('id', sa.Integer), *columns)


def upgrade():
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attributes', sa.JSON(), nullable=True))
    bind = op.get_bind()
    old = _respondents(sa.column('province', sa.String), sa.column('members', sa.JSON))
    new = _respondents(sa.column('attributes', sa.JSON))
    rows = bind.execute(sa.select(old.c.id, old.c.province, old.c.members)).all()
    updates = []
    for respondent_id, province, members in rows:
        if isinstance(members, str):  # SQLite hands back JSON as text in some set-ups
            members = json.loads(members)
        attributes = {'province': province}
        if members:
            attributes['members'] = list(members)
        updates.append({'rid': respondent_id, 'attributes': attributes})
    statement = new.update().where(new.c.id == sa.bindparam('rid')).values(
        attributes=sa.bindparam('attributes'))
    for start in range(0, len(updates), BATCH):
        bind.execute(statement, updates[start:start + BATCH])
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.alter_column('attributes', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(op.f('ck_respondents_kind'), type_='check')
        batch_op.alter_column('kind', existing_type=sa.String(length=20),
                              type_=sa.String(length=50), nullable=True)
        batch_op.drop_column('province')
        batch_op.drop_column('members')


def downgrade():
    bind = op.get_bind()
    new = _respondents(sa.column('kind', sa.String), sa.column('attributes', sa.JSON))
    rows = bind.execute(sa.select(new.c.id, new.c.kind, new.c.attributes)).all()
    updates = []
    for respondent_id, kind, attributes in rows:
        if isinstance(attributes, str):
            attributes = json.loads(attributes)
        province = (attributes or {}).get('province')
        if kind not in OLD_KINDS or not isinstance(province, str):
            raise RuntimeError(
                f'respondent {respondent_id} (kind {kind!r}, province {province!r}) cannot be '
                'kept by revision 0008, which knows only the four kinds of local government '
                'with a province; remove such respondents first')
        members = (attributes or {}).get('members') or []
        updates.append({'rid': respondent_id, 'province': province, 'members': members})
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('members', sa.JSON(), nullable=True))
    old = _respondents(sa.column('province', sa.String), sa.column('members', sa.JSON))
    statement = old.update().where(old.c.id == sa.bindparam('rid')).values(
        province=sa.bindparam('province'), members=sa.bindparam('members'))
    for start in range(0, len(updates), BATCH):
        bind.execute(statement, updates[start:start + BATCH])
    with op.batch_alter_table('respondents', schema=None) as batch_op:
        batch_op.alter_column('province', existing_type=sa.String(length=50), nullable=False)
        batch_op.alter_column('members', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('kind', existing_type=sa.String(length=50),
                              type_=sa.String(length=20), nullable=False)
        batch_op.create_check_constraint(
            op.f('ck_respondents_kind'),
            "kind IN ('centrumstad', 'stad', 'gemeente', 'igs')")
        batch_op.drop_column('attributes')
