"""One way in for every source: scan a landing folder, check each file, load all-or-nothing.

A source is declared once (`orchestration.landing.source.Source`); everything here works from
that declaration, so a new source adds a parser and a declaration, never a copy of this code.
"""
