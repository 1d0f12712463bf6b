"""The catalogue API (/courses, /modules/<id>) shows each module's quiz, which the quizzes
feature lends catalog through learnhub.catalog.presentation.register_module_quiz."""

from __future__ import annotations

from tests.conftest import sign_in
from tests.journeys.helpers import first_module


def test_courses_and_module_carry_the_current_quiz(app, demo):
    module_id, quiz_id = first_module(app)
    client = app.test_client()
    sign_in(client, "employee@example.org")
    courses = client.get("/api/v1/courses").get_json()
    modules = {m["id"]: m for c in courses for m in c["modules"]}
    assert modules[module_id]["quiz_id"] == quiz_id
    module = client.get(f"/api/v1/modules/{module_id}").get_json()
    assert module["quiz"]["id"] == quiz_id
    assert {"pass_mark", "max_attempts", "questions"} <= set(module["quiz"])
    assert "spec" not in str(module["quiz"])


def test_openapi_shows_the_module_quiz_by_its_settings_schema(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    quiz = spec["components"]["schemas"]["Module"]["properties"]["quiz"]
    assert "QuizSettings" in str(quiz)
    assert "pass_mark" in spec["components"]["schemas"]["QuizSettings"]["properties"]
