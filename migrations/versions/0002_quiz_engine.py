"""quiz engine: question banks, attempt layout, essay review, extra time

Revision ID: 0002_quiz_engine
Revises: 8b8a374652e2
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa


import learnhub.core.models


# revision identifiers, used by Alembic.
revision = '0002_quiz_engine'
down_revision = '8b8a374652e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_banks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_banks')),
    sa.UniqueConstraint('name', name=op.f('uq_question_banks_name'))
    )
    op.create_table('question_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['question_banks.id'], name=op.f('fk_question_categories_bank_id_question_banks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_categories')),
    sa.UniqueConstraint('bank_id', 'path', name=op.f('uq_question_categories_bank_id_path'))
    )
    op.create_table('quiz_time_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employee_id', sa.Integer(), nullable=False),
    sa.Column('extra_percent', sa.Integer(), nullable=False),
    sa.Column('no_time_limit', sa.Boolean(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employee_id'], ['employees.id'], name=op.f('fk_quiz_time_adjustments_employee_id_employees')),
    sa.ForeignKeyConstraint(['set_by_id'], ['employees.id'], name=op.f('fk_quiz_time_adjustments_set_by_id_employees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quiz_time_adjustments')),
    sa.UniqueConstraint('employee_id', name=op.f('uq_quiz_time_adjustments_employee_id'))
    )
    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shuffle_questions', sa.Boolean(), server_default=sa.text('false'), nullable=False))
        batch_op.add_column(sa.Column('draw_rules', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('essays_graded', sa.Boolean(), server_default=sa.text('false'), nullable=False))

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('idnumber', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('retired_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.alter_column('quiz_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f('ix_questions_bank_id'), ['bank_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_questions_bank_id_question_banks'), 'question_banks', ['bank_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_questions_category_id_question_categories'), 'question_categories', ['category_id'], ['id'])
        batch_op.create_check_constraint('quiz_or_bank', '(quiz_id IS NULL) <> (bank_id IS NULL)')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regraded_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', learnhub.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_responses_reviewed_by_id_employees'), 'employees', ['reviewed_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_responses_reviewed_by_id_employees'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')

    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('regraded_at')

    op.execute("DELETE FROM questions WHERE quiz_id IS NULL")
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_constraint('quiz_or_bank', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_questions_category_id_question_categories'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_questions_bank_id_question_banks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_questions_bank_id'))
        batch_op.alter_column('quiz_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('retired_at')
        batch_op.drop_column('content_sha256')
        batch_op.drop_column('idnumber')
        batch_op.drop_column('category_id')
        batch_op.drop_column('bank_id')

    with op.batch_alter_table('quizzes', schema=None) as batch_op:
        batch_op.drop_column('essays_graded')
        batch_op.drop_column('draw_rules')
        batch_op.drop_column('shuffle_questions')

    op.drop_table('quiz_time_adjustments')
    op.drop_table('question_categories')
    op.drop_table('question_banks')
