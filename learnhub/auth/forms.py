"""Sign-in form (Flask-WTF: the CSRF token comes with it). Messages say what to do, in the
GOV.UK style ("Enter your work email"); the pages show each above its field and in a summary."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

ENTER_EMAIL = DataRequired(message="Enter your work email")
EMAIL_LENGTH = Length(max=254, message="Your email must be 254 characters or fewer")


class SignInForm(FlaskForm):
    email = EmailField("Email", validators=[ENTER_EMAIL, EMAIL_LENGTH])
    password = PasswordField(
        "Password",
        validators=[
            DataRequired(message="Enter your password"),
            Length(max=200, message="Your password must be 200 characters or fewer"),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[ENTER_EMAIL, EMAIL_LENGTH])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[
            DataRequired(message="Enter a new password"),
            Length(min=10, max=200, message="Use 10 to 200 characters."),
        ],
    )
    confirm = PasswordField(
        "New password again",
        validators=[
            DataRequired(message="Enter the new password again"),
            EqualTo("password", message="The two passwords differ."),
        ],
    )
