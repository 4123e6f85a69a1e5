"""The shared kernel: what every layer legitimately shares, and nothing else.

The words of the domain (``vocabulary``: channels, languages, service types, intents, outcomes,
the demand event), Cambodia's administrative units and their codes (``place_codes``), distances
and reference points (``geo``), opening hours (``hours``), the services as every layer sees them
(``directory``) and the gettext catalogs (``catalogs``). The engine (``bot``), storage
(``models``) and the web layer (``webhooks``) all import it; it imports none of them, nor Flask,
SQLAlchemy or any network library (the import contracts in pyproject.toml,
docs/ARCHITECTURE.md).
"""
