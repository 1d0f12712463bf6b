"""JSON API: the caller's own competence profile."""

from __future__ import annotations

from dataclasses import asdict

from flask.views import MethodView
from flask_login import current_user, login_required
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from learnhub.skills.services import competence_profile, frameworks_with_profiles

blp = Blueprint("skills", __name__, description="Competence profiles")


class ProfileRowSchema(Schema):
    code = fields.String()
    name = fields.String()
    target = fields.Integer(allow_none=True)
    attained = fields.Integer()
    gap = fields.Integer(allow_none=True)
    claimed = fields.Integer(allow_none=True)


class FrameworkProfileSchema(Schema):
    framework = fields.String()
    levels = fields.List(fields.String())
    competences = fields.List(fields.Nested(ProfileRowSchema))


@blp.route("/me/competence-profile")
class MyProfile(MethodView):
    @login_required
    @blp.response(200, FrameworkProfileSchema(many=True))
    def get(self):
        """Attained level, target and gap per competence, in each framework's own scale."""
        return [
            {
                "framework": f.slug,
                "levels": [lvl.name for lvl in f.levels],
                "competences": [asdict(r) for r in competence_profile(current_user.employee_id, f)],
            }
            for f in frameworks_with_profiles()
        ]
