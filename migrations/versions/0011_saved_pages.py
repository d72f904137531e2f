"""saved pages

Which pages of a response were saved at least once (what progress counts as done) was read
from the audit log on every page view: one row per save, however many saves. It gets its
own table, ``saved_pages``, one row per saved page, written with the page's first save.

Upgrading fills it from the audit log (the first save of each page of each respondent);
downgrading drops it, and the audit log still holds every save.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    saved_pages = op.create_table('saved_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=100), nullable=False),
    sa.Column('item', sa.String(length=50), nullable=False),
    sa.Column('first_saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondents.id'], name=op.f('fk_saved_pages_respondent_id_respondents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_pages')),
    sa.UniqueConstraint('respondent_id', 'section', 'item', name=op.f('uq_saved_pages_respondent_id_section_item'))
    )
    # The audit log's saves, one row per page: the same JSON paths on both backends.
    audit = sa.table('audit_events', sa.column('respondent_id', sa.Integer),
                     sa.column('action', sa.String), sa.column('at', sa.DateTime(timezone=True)),
                     sa.column('detail', sa.JSON))
    section = audit.c.detail['section'].as_string()
    item = sa.func.coalesce(audit.c.detail['item'].as_string(), '')
    first_saves = (
        sa.select(audit.c.respondent_id, section, item, sa.func.min(audit.c.at))
        .where(audit.c.action == 'save', audit.c.respondent_id.is_not(None), section.is_not(None))
        .group_by(audit.c.respondent_id, section, item)
    )
    op.execute(saved_pages.insert().from_select(
        ['respondent_id', 'section', 'item', 'first_saved_at'], first_saves))


def downgrade():
    op.drop_table('saved_pages')
