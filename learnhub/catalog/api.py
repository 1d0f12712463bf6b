"""JSON API of the catalogue: published courses with their modules, and one module as a
learner sees it, its quiz's settings included.

The quiz part comes from the quizzes feature through the hook in
``learnhub.catalog.presentation`` (catalog never imports quizzes, which sits above it): quizzes
registers how a module's current quiz is found and which schema shows it, as it registers its
part of the content loader. URLs and responses are those the quizzes API served before.
"""

from __future__ import annotations

from flask.views import MethodView
from flask_login import login_required
from flask_smorest import Blueprint

from learnhub.catalog import services as catalog
from learnhub.catalog.presentation import course_list, module_view
from learnhub.catalog.schemas import CourseSchema, ModuleSchema

blp = Blueprint("catalog", __name__, description="Courses and modules")


@blp.route("/courses")
class Courses(MethodView):
    @login_required
    @blp.response(200, CourseSchema(many=True))
    def get(self):
        """Published courses with their modules and current quiz ids."""
        return course_list()


@blp.route("/modules/<int:module_id>")
class ModuleItem(MethodView):
    @login_required
    @blp.response(200, ModuleSchema)
    def get(self, module_id: int):
        """A module: lesson HTML, outcomes and its quiz's settings (never its questions)."""
        return module_view(catalog.get_module(module_id))
