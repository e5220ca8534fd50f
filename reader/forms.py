"""WTForms classes for the pages' forms (each carries its CSRF token)."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField, DateField, HiddenField, PasswordField, StringField, TextAreaField, URLField,
)
from wtforms.validators import DataRequired, Length, Optional


class Form(FlaskForm):
    """A page's form: it reads posted form fields only.

    Flask-WTF would also read a JSON body as the form's data, whose values can be of
    any type (numbers, lists, objects) that the fields' validators do not expect.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            if request and request.is_json:
                return request.form  # empty: the form's fields are missing, and say so
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None):
        """Validate the fields; a NUL character in any of them is an error (no database stores it)."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, str) and "\x00" in field.data:
                field.errors = [*field.errors, "cannot contain a NUL character"]
                valid = False
        return valid


class LoginForm(Form):
    """Editor sign-in."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       render_kw={"autocomplete": "username", "autofocus": True})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField("Keep me signed in on this device")


class TokenForm(Form):
    """A new API token and what it is for."""

    label = StringField("What is it for?", validators=[DataRequired(), Length(max=80)],
                        render_kw={"placeholder": "e.g. import script"})


class DocumentForm(Form):
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


class TextForm(Form):
    """A new revision of a document's text."""

    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2_000_000)])
    note = StringField("What changed?", validators=[Optional(), Length(max=300)],
                       render_kw={"placeholder": "e.g. corrected a typo in the second paragraph"})


class SourceForm(Form):
    """A source's fields, and the version the edit is based on."""

    title = StringField("Title", validators=[DataRequired(), Length(max=300)],
                        description="The speech, interview or document, e.g. "
                                    "“Speech at the Foreign Ministry Board”.")
    speaker = StringField("Speaker", validators=[Optional(), Length(max=200)])
    venue = StringField("Occasion", validators=[Optional(), Length(max=300)])
    occurred_on = DateField("Date", validators=[Optional()])
    url = URLField("Transcript URL", validators=[Optional(), Length(max=2000)])
    language = StringField("Language", validators=[Optional(), Length(max=35)],
                           render_kw={"placeholder": "e.g. ru"})
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)],
                          render_kw={"rows": 6})
    version = HiddenField()
