"""Bare extension instances, bound to the app in :func:`learnhub.app.create_app`.

``db`` is defined in :mod:`learnhub.core.db` (core's models need it) and re-exported here.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from learnhub.core.db import db

__all__ = ["api", "csrf", "db", "limiter", "login_manager", "migrate"]

migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
api = Api()
