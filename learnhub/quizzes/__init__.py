"""Quizzes: versioned quizzes of modules, learners' attempts, scoring, regrading, essay review
and time limits. Questions and question banks are ``learnhub.questionbank``'s (below this
package); the catalogue shows a module's quiz through the hook this package registers in
``presentation.py``. The README's "What is where" lists the modules.
"""
