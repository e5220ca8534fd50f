"""reader/terms.py: a reader's query -> FTS5 / tsquery text; matches -> safe snippets."""

import sqlite3

import pytest

from reader.terms import (
    CLOSE, MAX_TERMS, OPEN, Term, find_spans, fts5_query, marked_spans, parse_query, snippets,
    tsquery,
)

HOSTILE = [
    "", "   ", '"', '""', '"""', "'", "*", "**", "^", ":", "(", ")", "()", "-", "+",
    "AND", "OR", "NOT", "NEAR", "NEAR(a b)", "NEAR/3", "a AND", "OR b", "NOT NOT",
    'title:nato', "^nato", "nato*", "*nato", '"red lines', 'red" lines"', "a OR b NOT c",
    "(nato OR sanctions) AND NOT kremlin", "col:(a b)", "{title text}: nato", "nato -russia",
    "Кремль", "«Кремль» заявил", "ё", "ÉCOLE école", "日本語", "😀", "\x00", "a\x00b",
    "'; DROP TABLE documents; --", "\\", "\\\"", "a" * 10_000, "nato " * 2_000,
    '"' * 10_000, "(" * 5_000, "OR " * 3_000, "Кремль " * 1_500,
]


@pytest.mark.parametrize("query, terms", [
    pytest.param("", [], id="empty"),
    pytest.param("   \n\t", [], id="blank"),
    pytest.param("NATO", [Term(("nato",))], id="one-word-lowercased"),
    pytest.param("red lines", [Term(("red",)), Term(("lines",))], id="two-words"),
    pytest.param('"red lines"', [Term(("red", "lines"))], id="phrase"),
    pytest.param('"red lines', [Term(("red", "lines"))], id="unterminated-phrase"),
    pytest.param("sanction*", [Term(("sanction",), prefix=True)], id="prefix"),
    pytest.param("a*", [Term(("a",))], id="one-letter-prefix-is-a-word"),
    pytest.param("NATO-led", [Term(("nato", "led"))], id="hyphenated-is-a-phrase"),
    pytest.param("nato AND sanctions", [Term(("nato",)), Term(("sanctions",))], id="and-dropped"),
    pytest.param("nato OR NOT sanctions", [Term(("nato",)), Term(("sanctions",))],
                 id="or-not-dropped"),
    pytest.param("nato and", [Term(("nato",)), Term(("and",))], id="lowercase-and-is-a-word"),
    pytest.param("(nato) ^title:x", [Term(("nato",)), Term(("title", "x"))], id="syntax-chars"),
    pytest.param("nato nato NATO", [Term(("nato",))], id="duplicates"),
    pytest.param("Кремль заявил", [Term(("кремль",)), Term(("заявил",))], id="cyrillic"),
    pytest.param("snake_case", [Term(("snake", "case"))], id="underscore-splits"),
    pytest.param("* ( ) : ^", [], id="only-operators"),
])
def test_parse_query(query, terms):
    assert parse_query(query) == terms


def test_long_queries_are_cut_to_a_few_terms():
    terms = parse_query(" ".join(f"w{i}" for i in range(5_000)))
    assert len(terms) == MAX_TERMS
    assert all(len(w) <= 64 for t in parse_query("x" * 10_000) for w in t.words)


@pytest.mark.parametrize("query", HOSTILE)
def test_no_query_is_an_fts5_syntax_error(query):
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body, "
                       "tokenize='porter unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES ('NATO-led sanctions: the Кремль said «нет»')")
    terms = parse_query(query)
    if terms:
        connection.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts5_query(terms),)).fetchall()


@pytest.mark.parametrize("query, expected", [
    ("nato", [1]), ("NATO-led", [1]), ('"led sanctions"', [1]), ("sanction*", [1]),
    ("sanction", [1]), ("кремль", [1]), ("Кремль", [1]), ("nato kremlin", []),
    ("sanctions NOT", [1]),
])
def test_fts5_queries_find_what_they_say(query, expected):
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body, "
                       "tokenize='porter unicode61 remove_diacritics 2')")
    connection.execute("INSERT INTO t VALUES ('NATO-led sanctions: the Кремль said «нет»')")
    rows = connection.execute("SELECT rowid FROM t WHERE t MATCH ?",
                              (fts5_query(parse_query(query)),)).fetchall()
    assert [r[0] for r in rows] == expected


def test_tsquery_quotes_every_word():
    terms = parse_query('"red lines" nato* Кремль')
    assert tsquery(terms) == "('red' <-> 'lines') & ('nato':*) & ('кремль')"
    assert all("'" not in w for q in HOSTILE for t in parse_query(q) for w in t.words)


@pytest.mark.parametrize("marked, text, spans", [
    ("plain", "plain", []),
    (f"a {OPEN}b{CLOSE} c", "a b c", [(2, 3)]),
    (f"{OPEN}red{CLOSE} {OPEN}lines{CLOSE}!", "red lines!", [(0, 9)]),
    (f"{OPEN}a{CLOSE}, {OPEN}b{CLOSE}", "a, b", [(0, 1), (3, 4)]),
    (f"😀 {OPEN}Кремль{CLOSE}", "😀 Кремль", [(2, 8)]),
    (f"{OPEN}{CLOSE}x", "x", []),
])
def test_marked_spans(marked, text, spans):
    assert marked_spans(marked) == (text, spans)


def test_find_spans_matches_words_phrases_and_prefixes():
    text = "The Red lines of NATO-led Кремль; natoish"
    assert find_spans(text, parse_query('"red lines" кремль')) == [(4, 13), (26, 32)]
    assert find_spans(text, parse_query("nato*")) == [(17, 21), (34, 41)]
    assert find_spans(text, parse_query("nato")) == [(17, 21)]


def test_snippets_escape_the_text_before_marking_it():
    text = 'Before <script>alert("x")</script> & the NATO words after'
    [snippet] = snippets(text, [(41, 45)])
    assert "<script>" not in snippet.html
    assert "&lt;script&gt;" in snippet.html and "&amp;" in snippet.html
    assert "<mark>NATO</mark>" in snippet.html
    assert (snippet.hit_start, snippet.hit_end) == (41, 45)


def test_snippets_are_windows_around_matches():
    text = ("word " * 100) + "NATO " + ("word " * 100) + "NATO " + ("filler " * 100)
    found = snippets(text, [(500, 504), (1005, 1009)], width=40)
    assert [s.hit_start for s in found] == [500, 1005]
    assert all(s.html.startswith("…") and s.html.endswith("…") for s in found)
    assert all(len(s.html) < 140 for s in found)
    merged = snippets(text, [(500, 504), (510, 514)], width=40)
    assert len(merged) == 1 and merged[0].html.count("<mark>") == 2


def test_snippets_without_a_match_show_the_start():
    [snippet] = snippets("Only the title matched.\nThe text goes on.", [])
    assert snippet.start == 0 and snippet.hit_start == snippet.hit_end
    assert "\n" not in snippet.html
