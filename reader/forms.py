"""WTForms classes for the pages' forms (each carries its CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField, DateField, HiddenField, PasswordField, SelectField, StringField, TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional


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


class AssignForm(FlaskForm):
    """Give a document or a note to an editor with a message; also reassigns one.

    Which editors may take it and how long a message may be are the service's rules
    (refused there, with a message), so any name passes the field.
    """

    assignee = SelectField("Assign to", validate_choice=False)
    message = TextAreaField("Message", validators=[Optional()],  # its length: the service
                            render_kw={"rows": 2, "placeholder": "What should they do?"})
    next = HiddenField()


class ActionForm(FlaskForm):
    """A button that changes something (mark done, unassign, confirm), with where to go next."""

    next = HiddenField()
