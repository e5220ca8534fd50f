"""WTForms classes for the pages' forms (each carries its CSRF token)."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField, DateField, HiddenField, PasswordField, RadioField, SelectField, StringField,
    TextAreaField, URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from .config import ROLES


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


class PasswordForm(Form):
    """Change your own password: the current one, then the new one twice."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    new = PasswordField("New password", validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password"},
                        description="At least 8 characters.")
    again = PasswordField("New password again", validators=[DataRequired(), Length(max=200)],
                          render_kw={"autocomplete": "new-password"})


class WelcomeForm(Form):
    """Choose a password, from a one-time sign-in link."""

    new = PasswordField("Choose a password", validators=[DataRequired(), Length(max=200)],
                        render_kw={"autocomplete": "new-password", "autofocus": True},
                        description="At least 8 characters.")
    again = PasswordField("The same password again", validators=[DataRequired(), Length(max=200)],
                          render_kw={"autocomplete": "new-password"})


class DisplayNameForm(Form):
    """The name readers see on an editor's notes."""

    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)],
                               description="Readers see this name, never the sign-in name.")


ROLE_CHOICES = list(ROLES)  # each value is its own label


class NewUserForm(Form):
    """An admin adds an account; its owner chooses a password through a sign-in link."""

    name = StringField("Sign-in name", validators=[DataRequired(), Length(max=80)],
                       description="2 to 80 letters, digits, dots, hyphens or underscores; "
                                   "only editors and admins see it.",
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)],
                               render_kw={"autocomplete": "off"})
    role = RadioField("Role", choices=ROLE_CHOICES, default="editor")


class UserForm(Form):
    """An admin changes an account's shown name and role."""

    display_name = StringField("Name shown on notes", validators=[DataRequired(), Length(max=120)])
    role = RadioField("Role", choices=ROLE_CHOICES)


class DocumentForm(Form):
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


class NewDocumentForm(Form):
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


class TextForm(Form):
    """A new revision of a document's text."""

    text = TextAreaField("Text", validators=[DataRequired(), Length(max=2_000_000)])
    note = StringField("What changed?", validators=[Optional(), Length(max=300)],
                       render_kw={"placeholder": "e.g. corrected a typo in the second paragraph"})


class AssignForm(Form):
    """Give a document or a note to an editor with a message; also reassigns one.

    Which editors may take it and how long a message may be are the service's rules
    (refused there, with a message), so any name passes the field.
    """

    assignee = SelectField("Assign to", validate_choice=False)
    message = TextAreaField("Message", validators=[Optional()],  # its length: the service
                            render_kw={"rows": 2, "placeholder": "What should they do?"})
    next = HiddenField()


class ActionForm(Form):
    """A button that changes something (mark done, unassign, confirm), with where to go next."""

    next = HiddenField()


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


class MessageForm(Form):
    """A reader's message to the editors: no account, an email only if they want an answer.

    ``website`` is a honeypot: hidden from people, filled by form-filling robots. The
    service checks the message's and the email's content (one place for the rules).
    """

    kind = RadioField("What would you like?", default="correction",
                      choices=[SelectChoice("correction", "Suggest a correction"),
                               SelectChoice("check", "Ask us to check this")])
    message = TextAreaField("Your message", validators=[Length(max=20_000)],
                            render_kw={"rows": 7, "maxlength": 2000})
    email = StringField("Your email (optional)", validators=[Length(max=2_000)],
                        description="Only the editors see it, to answer you. Leave it empty "
                                    "to stay anonymous.",
                        render_kw={"type": "email", "autocomplete": "email", "maxlength": 254,
                                   "spellcheck": "false"})
    website = StringField("Leave this field empty", validators=[Length(max=2_000)],
                          render_kw={"autocomplete": "off", "tabindex": "-1"})
    annotation = HiddenField(validators=[Length(max=20)])
    start = HiddenField(validators=[Length(max=20)])
    end = HiddenField(validators=[Length(max=20)])
    exact = HiddenField(validators=[Length(max=8_000)])


class ReplyForm(Form):
    """The editors' public reply to an accepted reader's message."""

    reply = TextAreaField("Our reply (Markdown)", validators=[Length(max=20_000)],
                          render_kw={"rows": 5})
    note = SelectField("Show it under", validate_choice=False)  # checked by the service
    shows_message = BooleanField("Also show the reader's message")
    next = HiddenField()
