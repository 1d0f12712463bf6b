"""Quiz fixtures live in tests/conftest.py (``make_quiz`` and the autouse fixture that puts
content quizzes back as loaded after each test), so browser and journey tests can use them too.
"""
