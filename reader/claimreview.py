"""Fact checks as schema.org ClaimReview JSON-LD, for fact-check aggregators."""

from .config import VERDICT_LABELS
from .w3c import isoformat

# schema.org ratings run from 1 (worst) to 5 (best); verdicts that rate nothing get none
RATING = {"accurate": 5, "mostly_accurate": 4, "misleading": 2, "false": 1}
PUBLISHER = "Annotated Reader"


def claim_review(annotation, document, page_url, document_iri, corrections=()):
    """Return one ``factcheck`` annotation as a ClaimReview dict.

    ``page_url`` is the note's permalink; the claim is the annotated words (or the
    document's title for a note on the whole document). A fact check with no verdict
    yet (imported so) has no ``reviewRating``, and no ``reviewBody`` without a text.
    ``corrections`` are ``(moment, text)`` of its published corrections and
    clarifications, written as schema.org CorrectionComments.
    """
    appearance = {"@type": "CreativeWork", "url": document.source_url or document_iri,
                  "headline": document.title}
    claim = {"@type": "Claim", "appearance": appearance}
    if document.outlet:
        claim["author"] = {"@type": "Organization", "name": document.outlet}
    if document.published_on:
        appearance["datePublished"] = document.published_on.isoformat()
    review = {
        "@type": "ClaimReview",
        "url": page_url,
        "datePublished": isoformat(annotation.created_at),
        "dateModified": isoformat(annotation.modified_at),
        "author": {"@type": "Organization", "name": PUBLISHER},
        "claimReviewed": annotation.exact or document.title,
        "itemReviewed": claim,
    }
    if annotation.verdict:
        review["reviewRating"] = _rating(annotation.verdict)
    if annotation.body:
        review["reviewBody"] = annotation.body
    if corrections:
        review["correction"] = [{"@type": "CorrectionComment", "datePublished": isoformat(moment),
                                 "text": text} for moment, text in corrections]
    return review


def _rating(verdict):
    """Return the schema.org Rating of a verdict (a value only where the verdict rates)."""
    rating = {"@type": "Rating", "alternateName": VERDICT_LABELS[verdict],
              "bestRating": 5, "worstRating": 1}
    if verdict in RATING:
        rating["ratingValue"] = RATING[verdict]
    return rating


def claim_reviews(reviews):
    """Wrap ClaimReview dicts in one JSON-LD document with the schema.org context."""
    return {"@context": "https://schema.org", "@graph": list(reviews)}
