"""WTForms classes for the pages' forms (each carries its CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField, DateField, PasswordField, RadioField, StringField, TextAreaField, URLField,
)
from wtforms.validators import DataRequired, Length, Optional

from .config import ROLES


class LoginForm(FlaskForm):
    """Editor sign-in."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class TokenForm(FlaskForm):
    """A new API token and what it is for."""

    label = StringField("What is it for?", validators=[DataRequired(), Length(max=80)],
                        render_kw={"placeholder": "e.g. import script"})


class PasswordForm(FlaskForm):
    """Change your own password: the current one, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password"},
                        description="At least 8 characters.")
    again = PasswordField("New password again", validators=[DataRequired(), Length(max=200)],
                          render_kw={"autocomplete": "new-password"})


class WelcomeForm(FlaskForm):
    """Choose a password, from a one-time sign-in link."""

    new = PasswordField("Choose a password", validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password", "autofocus": True},
                        description="At least 8 characters.")
    again = PasswordField("The same password again", validators=[DataRequired(), Length(max=200)],
                          render_kw={"autocomplete": "new-password"})


class DisplayNameForm(FlaskForm):
    """The name readers see on an editor's notes."""

    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)],
                               description="Readers see this name, never the sign-in name.")


ROLE_CHOICES = list(ROLES)  # each value is its own label


class NewUserForm(FlaskForm):
    """An admin adds an account; its owner chooses a password through a sign-in link."""

    name = StringField("Sign-in name", validators=[DataRequired(), Length(max=80)],
                       description="2 to 80 letters, digits, dots, hyphens or underscores; "
                                   "only editors and admins see it.",
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)],
                               render_kw={"autocomplete": "off"})
    role = RadioField("Role", choices=ROLE_CHOICES, default="editor")


class UserForm(FlaskForm):
    """An admin changes an account's shown name and role."""

    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)])
    role = RadioField("Role", choices=ROLE_CHOICES)


class DocumentForm(FlaskForm):
    """A document's metadata (its slug never changes)."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    outlet = StringField("Outlet", validators=[Optional(), Length(max=200)])
    author = StringField("Author", validators=[Optional(), Length(max=200)])
    published_on = DateField("Published on", validators=[Optional()])
    source_url = URLField("Original URL", validators=[Optional(), Length(max=2000)])


class NewDocumentForm(DocumentForm):
    """A new document: pasted text or an uploaded .txt/.md file, with optional metadata."""

    title = StringField("Title", validators=[Optional(), Length(max=300)],
                        description="Leave empty to use the text's first line.")
    text = TextAreaField("Text", validators=[Optional(), Length(max=2_000_000)])
    file = FileField("…or upload a .txt or .md file",
                     validators=[FileAllowed(["txt", "md"], "only .txt or .md files")])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.file.data and not (self.text.data or "").strip():
            self.text.errors.append("paste the text or choose a file")
            return False
        return True


class TextForm(FlaskForm):
    """A new revision of a document's text."""

    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2_000_000)])
    note = StringField("What changed?", validators=[Optional(), Length(max=300)],
                       render_kw={"placeholder": "e.g. corrected a typo in the second paragraph"})
