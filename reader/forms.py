"""WTForms classes for the pages' forms (each carries its CSRF token)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, DateField, PasswordField, StringField, TextAreaField, URLField
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
    outlet = StringField("Outlet", validators=[Optional(), Length(max=200)],
                         description="The site or paper this copy comes from.")
    original_outlet = StringField("First published by", validators=[Optional(), Length(max=200)],
                                  description="If the outlet republished it: who published it first.")
    author = StringField("Author", validators=[Optional(), Length(max=200)])
    published_on = DateField("Published on", validators=[Optional()])
    source_url = URLField("Original URL", validators=[Optional(), Length(max=2000)])
    language = StringField("Language", validators=[Optional(), Length(max=35)],
                           description="A language tag: en, ru, de-CH…",
                           render_kw={"autocomplete": "off", "spellcheck": "false"})


class NewDocumentForm(FlaskForm):
    """A new document from one of three places: pasted text, a file, or a web address."""

    text = TextAreaField("Paste the text", validators=[Optional(), Length(max=2_000_000)])
    file = FileField("Upload a file",
                     validators=[FileAllowed(["txt", "md", "html", "htm", "pdf"],
                                             "only .txt, .md, .html, .htm or .pdf files")],
                     render_kw={"accept": ".txt,.md,.html,.htm,.pdf,text/plain,text/markdown,"
                                          "text/html,application/pdf"})
    url = URLField("Fetch a web page or PDF", validators=[Optional(), Length(max=2000)],
                   render_kw={"placeholder": "https://…", "inputmode": "url",
                              "autocomplete": "off"})

    def given(self):
        """Return the fields the editor filled in, in form order."""
        return [f for f in (self.text, self.file, self.url)
                if (f.data.strip() if isinstance(f.data, str) else f.data)]

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.given():
            self.form_errors.append("Paste the text, choose a file or give an address.")
            return False
        return True


class IntakeForm(DocumentForm):
    """The details found in what was brought in, for the editor to confirm or correct."""


class TextForm(FlaskForm):
    """A new revision of a document's text."""

    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2_000_000)])
    note = StringField("What changed?", validators=[Optional(), Length(max=300)],
                       render_kw={"placeholder": "e.g. corrected a typo in the second paragraph"})
